import { toYamlDocuments } from '../argocd/yaml.js';
import { DEFAULT_ARGOCD_SETTINGS, renderedApplication, tenantApplicationSet } from '../argocd/manifests.js';

/** One file `flare init` writes, relative to the new repo's root. */
export interface ScaffoldFile {
  path: string;
  content: string;
}

export interface ScaffoldOptions {
  tenant: string;
  /** Git URL Argo CD will clone; a placeholder when the repo has no remote yet. */
  repoURL: string;
  branch: string;
  /** The version of this package, pinned in the CI workflow. */
  version: string;
  packageName: string;
  /** The shipped JSON Schemas (file name → text), copied so `$schema` lines resolve offline. */
  schemas: Record<string, string>;
  /** Which FLARE commands exist, so the workflow only runs real ones. */
  has: { validateBase: boolean; plan: boolean };
}

const TENANT_RE = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

export function isValidTenantName(name: string): boolean {
  return TENANT_RE.test(name);
}

function flareYaml(branch: string): string {
  return `# yaml-language-server: $schema=schemas/flare.json
# FLARE repository configuration. Every field has a default; delete what you don't change.
apiVersion: flare.fluidos.eu/v1alpha1
kind: FlareConfig
metadata:
  name: flare
spec:
  # Your consumer cluster's FLUIDOS identity: the buyer in every Reservation.
  consumer:
    domain: consumer.fluidos.local
    nodeID: flare-consumer
    ip: 127.0.0.1
  # Namespace where FLUIDOS keeps Solvers, PeeringCandidates, Reservations and Contracts.
  namespaces:
    fluidos: fluidos
  # The federation prices in one currency; money values in intents and tenants must use it.
  currency: EUR
  # flare: FLARE ranks the candidates and commits its choice; fluidos: FLUIDOS takes the first match.
  selection: flare
  # Expected runtime that turns max_total_cost into an hourly cap when a batch has no timeout.
  default_runtime: 1h
  # Location names usable in intents → provider region patterns (\`*\` matches [a-z0-9-]*).
  locations:
    EU: ["eu-*"]
    US: ["us-*"]
  # The reconciler's status commits.
  git:
    author:
      name: flare-bot
      email: flare-bot@users.noreply.local
    branch: ${branch}
    message: "flare: {summary}"
  reconciler:
    interval: 30s
`;
}

function tenantYaml(tenant: string): string {
  return `# yaml-language-server: $schema=../schemas/tenant.json
# A tenant: who owns it, how many GPUs and how much money per hour its intents may hold.
apiVersion: flare.fluidos.eu/v1alpha1
kind: Tenant
metadata:
  name: ${tenant}
spec:
  owners:
    - kind: Group
      name: ${tenant}
  quota:
    gpus: 4
    max_hourly_cost: 10 EUR
  allowed_locations: [EU]
`;
}

function intentYaml(): string {
  return `# yaml-language-server: $schema=../../schemas/intent.json
# An intent: what you need, not where it runs. FLARE finds GPU offers in the FLUIDOS federation,
# ranks them by the objective and records its choice in status/. One intent per file; the
# folder is the tenant.
apiVersion: flare.fluidos.eu/v1alpha1
kind: Intent
metadata:
  name: hello-gpu
spec:
  objective: Cost_Minimization
  workload:
    type: service
    image: vllm/vllm-openai:v0.6.3
    commands: ["--model=Qwen/Qwen2.5-0.5B-Instruct", "--port=8000"]
    ports:
      - port: 8000
    resources:
      cpu: "4"
      memory: 16Gi
      gpu:
        model: nvidia-rtx-4090
        count: 1
        memory: 24Gi
  constraints:
    max_hourly_cost: 2 EUR
    location: EU
`;
}

function gitignore(): string {
  return `# FLARE's local state (reconciler clones, locks)
.flare/
node_modules/
`;
}

function workflow(o: ScaffoldOptions): string {
  const lines = [
    '# FLARE checks on every pull request and push: every intent, tenant and flare.yaml is valid,',
    '# and rendered/ is exactly what `flare render` makes of them.',
    'name: flare',
    'on:',
    '  pull_request:',
    '  push:',
    `    branches: [${o.branch}]`,
    'permissions:',
    '  contents: read',
    ...(o.has.plan ? ['  pull-requests: write'] : []),
    'jobs:',
    '  check:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '        with:',
    '          fetch-depth: 0',
    '      - uses: actions/setup-node@v4',
    '        with:',
    '          node-version: 20',
    `      - run: npm install -g ${o.packageName}@${o.version}`,
    '      - name: validate (annotations on the changed lines)',
    '        run: flare validate --output github',
  ];
  if (o.has.validateBase) {
    lines.push(
      '      - name: validate against the base branch (status/ and rendered/ are the reconciler\'s)',
      '        if: github.event_name == \'pull_request\'',
      '        run: flare validate --output github --base "origin/${{ github.base_ref }}"',
    );
  }
  lines.push('      - name: rendered/ is up to date', '        run: flare render --check');
  if (o.has.plan) {
    lines.push(
      '      - name: plan (posted on the pull request)',
      '        if: github.event_name == \'pull_request\'',
      '        env:',
      '          GH_TOKEN: ${{ github.token }}',
      '        run: |',
      '          flare plan --output markdown > plan.md',
      '          gh pr comment "${{ github.event.pull_request.number }}" --body-file plan.md --edit-last || gh pr comment "${{ github.event.pull_request.number }}" --body-file plan.md',
    );
  }
  const future: string[] = [];
  if (!o.has.validateBase) future.push('#   `flare validate --base origin/<base>`: refuse pull requests that edit status/ or rendered/ by hand');
  if (!o.has.plan) future.push('#   `flare plan --output markdown`: post what the pull request changes as a comment');
  if (future.length > 0) lines.push('# To add when your flare version has them:', ...future);
  return lines.join('\n') + '\n';
}

function readme(o: ScaffoldOptions): string {
  return `# GPU workloads as intents

A [FLARE GitOps](https://www.npmjs.com/package/${o.packageName}) repository.

| path | what |
|---|---|
| \`flare.yaml\` | FLUIDOS identity, currency, locations, reconciler settings |
| \`tenants/<tenant>.yaml\` | owners and GPU/money quotas |
| \`intents/<tenant>/<name>.yaml\` | one intent per file |
| \`rendered/\` | written by \`flare render\` and the reconciler only |
| \`status/\` | written by the reconciler only |
| \`schemas/\` | JSON Schemas for editor completion (\`$schema\` lines) |
| \`argocd/\` | Argo CD Application (all of rendered/) or ApplicationSet (one Application per tenant) |

\`\`\`sh
flare validate          # every problem of every file
flare render            # compile intents into rendered/
flare demo --repo .     # try the whole flow on a sandbox cluster
flare argocd            # Argo CD health checks and Applications for this repo
\`\`\`
`;
}

/** The files of a new FLARE repo, sorted by path. */
export function scaffold(o: ScaffoldOptions): ScaffoldFile[] {
  const argo = { ...DEFAULT_ARGOCD_SETTINGS, repoURL: o.repoURL, revision: o.branch };
  const files: ScaffoldFile[] = [
    { path: 'flare.yaml', content: flareYaml(o.branch) },
    { path: `tenants/${o.tenant}.yaml`, content: tenantYaml(o.tenant) },
    { path: `intents/${o.tenant}/hello-gpu.yaml`, content: intentYaml() },
    { path: '.gitignore', content: gitignore() },
    { path: '.github/workflows/flare.yml', content: workflow(o) },
    { path: 'README.md', content: readme(o) },
    { path: 'argocd/application.yaml', content: '# One Application syncing all of rendered/. Use this or applicationset.yaml, not both.\n' + toYamlDocuments([renderedApplication(argo)]) },
    {
      path: 'argocd/applicationset.yaml',
      content: '# One Application per tenant folder of rendered/ (large repos). Use this or application.yaml, not both.\n' + toYamlDocuments([tenantApplicationSet(argo)]),
    },
  ];
  for (const [name, text] of Object.entries(o.schemas)) files.push({ path: `schemas/${name}`, content: text });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
