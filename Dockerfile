# The FLARE reconciler image: the packed npm package installed globally, as `npm install -g` users get it.
#   docker build -t ghcr.io/<org>/flare:0.1.0 .
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json README.md ./
COPY bin bin
COPY src src
# the dashboard's bundler script (prepare runs it: esbuild writes dist/ui/)
COPY scripts scripts
COPY templates templates
COPY schemas schemas
COPY argocd argocd
COPY flare.yaml flare.yaml
COPY tenants tenants
COPY intents intents
# prepack cleans dist/, prepare compiles it; the tarball holds only what package.json "files" lists
RUN npm pack --pack-destination /tmp && mv /tmp/flare-gitops-*.tgz /tmp/flare.tgz

FROM node:20-bookworm-slim
# git drives the reconciler's private clone; ca-certificates for https remotes
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates openssh-client tini \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /tmp/flare.tgz /tmp/flare.tgz
RUN npm install -g /tmp/flare.tgz --omit=dev --no-audit --no-fund && rm /tmp/flare.tgz && npm cache clean --force
# the node image's unprivileged user (uid 1000), matching deploy/deployment.yaml
USER 1000:1000
WORKDIR /var/lib/flare
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "flare"]
CMD ["reconcile", "--help"]
