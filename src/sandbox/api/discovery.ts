import type { KindInfo, KindTable } from './kinds.js';

/** What GET /version answers; kubectl's dispatcher on this machine picks kubectl.1.<minor>. */
export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-flare-sandbox',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
} as const;

export const AGGREGATED_DISCOVERY = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

function gvOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(group: string, versions: string[]): Record<string, unknown> {
  const vs = versions.map((v) => ({ groupVersion: gvOf(group, v), version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

function groupsOf(kinds: KindTable): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const { group, version } of kinds.groupVersions()) {
    if (!group) continue;
    const list = groups.get(group) ?? [];
    list.push(version);
    groups.set(group, list);
  }
  return groups;
}

export function apiGroupList(kinds: KindTable): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groupsOf(kinds)].map(([g, vs]) => groupEntry(g, vs)),
  };
}

export function apiGroup(kinds: KindTable, group: string): Record<string, unknown> | undefined {
  const vs = groupsOf(kinds).get(group);
  return vs ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, vs) } : undefined;
}

export function apiResourceList(kinds: KindTable, group: string, version: string): Record<string, unknown> | undefined {
  const list = kinds.inGroupVersion(group, version);
  if (list.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const k of list) {
    const r: Record<string, unknown> = {
      name: k.plural,
      singularName: k.singular,
      namespaced: k.namespaced,
      kind: k.kind,
      verbs: VERBS,
    };
    if (k.shortNames.length) r.shortNames = k.shortNames;
    if (k.categories) r.categories = k.categories;
    resources.push(r);
    if (k.hasStatus) resources.push({ name: `${k.plural}/status`, singularName: '', namespaced: k.namespaced, kind: k.kind, verbs: STATUS_VERBS });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gvOf(group, version), resources };
}

function discoveryResource(k: KindInfo): Record<string, unknown> {
  const gvk = { group: k.group, version: k.version, kind: k.kind };
  const r: Record<string, unknown> = {
    resource: k.plural,
    responseKind: gvk,
    scope: k.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: k.singular,
    verbs: VERBS,
  };
  if (k.shortNames.length) r.shortNames = k.shortNames;
  if (k.categories) r.categories = k.categories;
  if (k.hasStatus) r.subresources = [{ subresource: 'status', responseKind: gvk, verbs: STATUS_VERBS }];
  return r;
}

/** Aggregated discovery (apidiscovery.k8s.io/v2) for /api (core) or /apis (the rest). */
export function aggregatedDiscovery(kinds: KindTable, core: boolean): Record<string, unknown> {
  const items: Record<string, unknown>[] = [];
  const byGroup = new Map<string, Map<string, KindInfo[]>>();
  for (const k of kinds.all) {
    if ((k.group === '') !== core) continue;
    const g = byGroup.get(k.group) ?? new Map<string, KindInfo[]>();
    const v = g.get(k.version) ?? [];
    v.push(k);
    g.set(k.version, v);
    byGroup.set(k.group, g);
  }
  for (const [group, versions] of byGroup) {
    items.push({
      metadata: group ? { name: group } : {},
      versions: [...versions].map(([version, ks]) => ({ version, resources: ks.map(discoveryResource), freshness: 'Current' })),
    });
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

/** /openapi/v3 index: one document per served group-version. */
export function openApiIndex(kinds: KindTable): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const { group, version } of kinds.groupVersions()) {
    const p = group ? `apis/${group}/${version}` : `api/${version}`;
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(p)}` };
  }
  return { paths };
}

function hashOf(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).toUpperCase().padStart(8, '0');
}

const pascal = (s: string): string => s.replace(/(^|[.-])([a-z0-9])/g, (_m, _p, c: string) => c.toUpperCase());

/**
 * A minimal OpenAPI v3 document for one group-version: enough for `kubectl apply --server-side`
 * (a PATCH operation per kind with x-kubernetes-group-version-kind and a fieldValidation
 * parameter, which tells kubectl the server validates fields itself).
 */
export function openApiDocument(kinds: KindTable, group: string, version: string): Record<string, unknown> | undefined {
  const list = kinds.inGroupVersion(group, version);
  if (list.length === 0) return undefined;
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  const params = [
    { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
    { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
    { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
    { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } },
  ];
  for (const k of list) {
    const gvk = { group: k.group, version: k.version, kind: k.kind };
    const schemaName = `${group ? group.split('.').reverse().join('.') : 'io.k8s.api.core'}.${version}.${k.kind}`;
    schemas[schemaName] = {
      type: 'object',
      'x-kubernetes-group-version-kind': [gvk],
      'x-kubernetes-preserve-unknown-fields': true,
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    };
    const ref = { $ref: `#/components/schemas/${schemaName}` };
    const path = k.namespaced ? `${base}/namespaces/{namespace}/${k.plural}/{name}` : `${base}/${k.plural}/{name}`;
    const op = `${pascal(group || 'core')}${pascal(version)}${k.namespaced ? 'Namespaced' : ''}${k.kind}`;
    const body = { content: { 'application/apply-patch+yaml': { schema: { type: 'object' } }, 'application/merge-patch+json': { schema: { type: 'object' } } } };
    const responses = { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } };
    paths[path] = {
      get: { operationId: `read${op}`, 'x-kubernetes-action': 'get', 'x-kubernetes-group-version-kind': gvk, responses },
      put: { operationId: `replace${op}`, 'x-kubernetes-action': 'put', 'x-kubernetes-group-version-kind': gvk, parameters: params, requestBody: { content: { '*/*': { schema: ref } } }, responses },
      patch: { operationId: `patch${op}`, 'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': gvk, parameters: params, requestBody: body, responses },
      delete: { operationId: `delete${op}`, 'x-kubernetes-action': 'delete', 'x-kubernetes-group-version-kind': gvk, responses },
      parameters: [
        { name: 'name', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } },
        ...(k.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }] : []),
      ],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: VERSION_INFO.gitVersion },
    paths,
    components: { schemas },
  };
}
