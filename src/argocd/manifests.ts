import type { HealthCheck } from './health-checks.js';
import { healthCheckKey } from './health-checks.js';

/** Where Argo CD finds the repo and where it deploys; every field has a default in the CLI. */
export interface ArgoCdSettings {
  /** Git URL Argo CD clones. */
  repoURL: string;
  /** Branch, tag or commit Argo CD follows (flare.yaml git.branch by default). */
  revision: string;
  /** The rendered folder, relative to the repo root (`rendered`). */
  renderedPath: string;
  /** Namespace Argo CD runs in and keeps its Applications in. */
  argocdNamespace: string;
  project: string;
  /** Destination cluster API URL (in-cluster by default). */
  destinationServer: string;
  /** Name of the single Application and prefix of the per-tenant ones. */
  name: string;
}

export const DEFAULT_ARGOCD_SETTINGS: Omit<ArgoCdSettings, 'repoURL' | 'revision'> = {
  renderedPath: 'rendered',
  argocdNamespace: 'argocd',
  project: 'default',
  destinationServer: 'https://kubernetes.default.svc',
  name: 'flare',
};

const PART_OF = { 'app.kubernetes.io/part-of': 'argocd' };
const MANAGED = { 'app.kubernetes.io/managed-by': 'flare' };

/**
 * FLUIDOS, Liqo and Capsule kinds are custom resources whose CRDs may be installed by the same
 * sync (or be missing in a dry run): SkipDryRunOnMissingResource lets the sync proceed to the
 * waves instead of failing the dry run. Namespaces are rendered, so no CreateNamespace.
 * Sync waves come from the argocd.argoproj.io/sync-wave annotations `flare render` writes.
 */
const SYNC_POLICY = {
  automated: { prune: true, selfHeal: true },
  syncOptions: ['SkipDryRunOnMissingResource=true'],
  retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
};

/** The argocd-cm data that carries the health checks, as a strategic-merge patch of the ConfigMap. */
export function argocdCmPatch(checks: readonly HealthCheck[], s: Pick<ArgoCdSettings, 'argocdNamespace'>): Record<string, unknown> {
  const data: Record<string, string> = {};
  for (const c of checks) data[healthCheckKey(c)] = c.lua;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'argocd-cm', namespace: s.argocdNamespace, labels: { ...PART_OF, 'app.kubernetes.io/name': 'argocd-cm' } },
    data,
  };
}

/** One Application syncing the whole rendered/ kustomization (small repos). */
export function renderedApplication(s: ArgoCdSettings): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: s.name, namespace: s.argocdNamespace, labels: MANAGED, finalizers: ['resources-finalizer.argocd.argoproj.io'] },
    spec: {
      project: s.project,
      source: { repoURL: s.repoURL, targetRevision: s.revision, path: s.renderedPath },
      destination: { server: s.destinationServer },
      syncPolicy: SYNC_POLICY,
    },
  };
}

/**
 * One Application per tenant folder of rendered/ through a git directory generator: kustomize
 * build time grows faster than linearly with the object count, so large repos sync per tenant.
 */
export function tenantApplicationSet(s: ArgoCdSettings): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: `${s.name}-tenants`, namespace: s.argocdNamespace, labels: MANAGED },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [{ git: { repoURL: s.repoURL, revision: s.revision, directories: [{ path: `${s.renderedPath}/*` }] } }],
      template: {
        metadata: { name: `${s.name}-{{.path.basename}}`, labels: { ...MANAGED, 'flare.io/tenant': '{{.path.basename}}' } },
        spec: {
          project: s.project,
          source: { repoURL: s.repoURL, targetRevision: s.revision, path: '{{.path.path}}' },
          destination: { server: s.destinationServer },
          syncPolicy: SYNC_POLICY,
        },
      },
    },
  };
}

