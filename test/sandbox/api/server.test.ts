import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../../src/sandbox/api/server.js';
import { renderKubeconfig } from '../../../src/sandbox/api/kubeconfig.js';
import { parse } from 'yaml';
import { sandboxFetch } from '../../support/sandbox-fetch.js';

let srv: ApiServer;

beforeEach(async () => {
  srv = await startApiServer();
});
afterEach(async () => {
  await srv.close();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const init: { method: string; headers: Record<string, string>; body?: string; token: string } = { method, headers: { ...headers }, token: srv.token };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['Content-Type'] ??= 'application/json';
  }
  const res = await sandboxFetch(srv.url + path, init);
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** Reads a watch stream until the server ends it (timeoutSeconds) and returns its events. */
async function watchAll(path: string, onOpen?: () => void | Promise<void>): Promise<{ type: string; object: any }[]> {
  const res = await sandboxFetch(srv.url + path, { token: srv.token });
  expect(res.status).toBe(200);
  await onOpen?.();
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

const cmPath = '/api/v1/namespaces/default/configmaps';
const solverPath = '/apis/nodecore.fluidos.eu/v1alpha1/namespaces/default/solvers';
const APPLY = { 'Content-Type': 'application/apply-patch+yaml' };

describe('sandbox API server: discovery', () => {
  it('answers /version with minor 32 and health checks', async () => {
    const v = await call('GET', '/version');
    expect(v.json.minor).toBe('32');
    expect(v.json.gitVersion).toMatch(/^v1\.32\./);
    const h = await sandboxFetch(srv.url + '/readyz');
    expect(await h.text()).toBe('ok');
  });

  it('serves plain and aggregated discovery and per-group-version resource lists', async () => {
    const plain = await call('GET', '/apis');
    expect(plain.json.kind).toBe('APIGroupList');
    expect(plain.json.groups.map((g: any) => g.name)).toEqual(expect.arrayContaining(['apps', 'nodecore.fluidos.eu', 'capsule.clastix.io', 'coordination.k8s.io']));
    const agg = await call('GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
    expect(agg.headers.get('content-type')).toContain('as=APIGroupDiscoveryList');
    const nodecore = agg.json.items.find((i: any) => i.metadata.name === 'nodecore.fluidos.eu');
    const solvers = nodecore.versions[0].resources.find((r: any) => r.resource === 'solvers');
    expect(solvers).toMatchObject({ scope: 'Namespaced', shortNames: ['sol'], subresources: [{ subresource: 'status' }] });
    const core = await call('GET', '/api/v1');
    const names = core.json.resources.map((r: any) => r.name);
    expect(names).toEqual(expect.arrayContaining(['configmaps', 'namespaces', 'namespaces/status', 'pods/status']));
    const tenants = await call('GET', '/apis/capsule.clastix.io/v1beta2');
    expect(tenants.json.resources[0]).toMatchObject({ name: 'tenants', namespaced: false, kind: 'Tenant', shortNames: ['tnt'] });
  });

  it('serves an OpenAPI v3 index and documents with PATCH operations', async () => {
    const idx = await call('GET', '/openapi/v3');
    const url = idx.json.paths['apis/nodecore.fluidos.eu/v1alpha1'].serverRelativeURL as string;
    const doc = await call('GET', url);
    const op = doc.json.paths['/apis/nodecore.fluidos.eu/v1alpha1/namespaces/{namespace}/solvers/{name}'].patch;
    expect(op['x-kubernetes-group-version-kind']).toEqual({ group: 'nodecore.fluidos.eu', version: 'v1alpha1', kind: 'Solver' });
    expect(op.parameters.map((p: any) => p.name)).toContain('fieldValidation');
  });

  it('renders a kubeconfig that pins the sandbox certificate and carries the token', () => {
    const kc = parse(renderKubeconfig('https://127.0.0.1:1234', { token: 't' }));
    expect(kc.clusters[0].cluster.server).toBe('https://127.0.0.1:1234');
    expect(kc.clusters[0].cluster['certificate-authority-data']).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(kc.users[0].user).toEqual({ token: 't' });
    expect(kc['current-context']).toBe(kc.contexts[0].name);
  });
});

describe('sandbox API server: REST', () => {
  it('creates with generateName, refuses a missing namespace with a 404 Status', async () => {
    const c = await call('POST', cmPath, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'x-' } });
    expect(c.status).toBe(201);
    expect(c.json.metadata.name).toMatch(/^x-/);
    const missing = await call('POST', '/api/v1/namespaces/nope/configmaps', { metadata: { name: 'a' } });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
    const mismatch = await call('POST', cmPath, { metadata: { name: 'a', namespace: 'other' } });
    expect(mismatch.status).toBe(400);
  });

  it('PUT enforces resourceVersion and ignores status on the object endpoint', async () => {
    const created = (await call('POST', solverPath, { apiVersion: 'nodecore.fluidos.eu/v1alpha1', kind: 'Solver', metadata: { name: 's' }, spec: { intentID: 'a' } })).json;
    const st = await call('PUT', `${solverPath}/s/status`, { ...created, status: { solverPhase: { phase: 'Running' } } });
    expect(st.status).toBe(200);
    const stale = await call('PUT', `${solverPath}/s`, { ...created, spec: { intentID: 'b' } });
    expect(stale.status).toBe(409);
    expect(stale.json.reason).toBe('Conflict');
    const fresh = await call('PUT', `${solverPath}/s`, { ...st.json, spec: { intentID: 'b' }, status: { solverPhase: { phase: 'Nope' } } });
    expect(fresh.status).toBe(200);
    expect(fresh.json.status.solverPhase.phase).toBe('Running');
    expect(fresh.json.metadata.generation).toBe(2);
  });

  it('patches with JSON patch and refuses strategic merge on custom resources', async () => {
    await call('POST', cmPath, { metadata: { name: 'p' }, data: { a: '1' } });
    const jp = await call('PATCH', `${cmPath}/p`, [{ op: 'add', path: '/data/b', value: '2' }], { 'Content-Type': 'application/json-patch+json' });
    expect(jp.json.data).toEqual({ a: '1', b: '2' });
    const smp = await call('PATCH', `${cmPath}/p`, { data: { c: '3' } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    expect(smp.json.data).toEqual({ a: '1', b: '2', c: '3' });
    await call('POST', solverPath, { metadata: { name: 's' }, spec: {} });
    const crd = await call('PATCH', `${solverPath}/s`, { spec: { intentID: 'x' } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    expect(crd.status).toBe(415);
  });

  it('server-side apply over HTTP: 201 then 200, conflict causes, force', async () => {
    const cfg = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  k: one\n';
    const first = await call('PATCH', `${cmPath}/ssa?fieldManager=a`, cfg, APPLY);
    expect(first.status).toBe(201);
    const other = await call('PATCH', `${cmPath}/ssa?fieldManager=b`, cfg.replace('one', 'two'), APPLY);
    expect(other.status).toBe(409);
    expect(other.json.details.causes).toEqual([expect.objectContaining({ type: 'FieldManagerConflict', field: '.data.k' })]);
    const forced = await call('PATCH', `${cmPath}/ssa?fieldManager=b&force=true`, cfg.replace('one', 'two'), APPLY);
    expect(forced.status).toBe(200);
    expect(forced.json.data.k).toBe('two');
    const noManager = await call('PATCH', `${cmPath}/ssa`, cfg, APPLY);
    expect(noManager.status).toBe(400);
  });

  it('deleting a namespace removes its contents', async () => {
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'tmp' } });
    await call('POST', '/api/v1/namespaces/tmp/configmaps', { metadata: { name: 'in-tmp' } });
    const del = await call('DELETE', '/api/v1/namespaces/tmp', { propagationPolicy: 'Background' });
    expect(del.status, JSON.stringify(del.json)).toBe(200);
    expect((await call('GET', '/api/v1/namespaces/tmp/configmaps/in-tmp')).status).toBe(404);
    expect((await call('GET', '/api/v1/configmaps')).json.items.map((i: any) => i.metadata.name)).not.toContain('in-tmp');
  });

  it('returns Tables whose rows carry metadata when asked', async () => {
    await call('POST', solverPath, { metadata: { name: 't1' }, spec: { intentID: 'i-1', findCandidate: true } });
    const t = await call('GET', '/apis/nodecore.fluidos.eu/v1alpha1/solvers', undefined, {
      Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    expect(t.json.kind).toBe('Table');
    const cols = t.json.columnDefinitions.map((c: any) => c.name);
    expect(cols.slice(0, 3)).toEqual(['Name', 'Intent ID', 'Find Candidate']);
    expect(t.json.rows[0].cells.slice(0, 3)).toEqual(['t1', 'i-1', true]);
    expect(t.json.rows[0].object.metadata.namespace).toBe('default');
  });
});

describe('sandbox API server: watch', () => {
  it('sends ADDED for existing objects without a resourceVersion, then live events', async () => {
    await call('POST', cmPath, { metadata: { name: 'old' } });
    const events = await watchAll(`${cmPath}?watch=true&timeoutSeconds=1`, async () => {
      await call('POST', cmPath, { metadata: { name: 'new' } });
    });
    expect(events.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['ADDED:old', 'ADDED:new']);
    expect(srv.stats().watches).toBe(0);
  });

  it('an identical re-apply keeps the resourceVersion and emits no event', async () => {
    const cfg = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: same\ndata:\n  k: v\n';
    const first = await call('PATCH', `${cmPath}/same?fieldManager=flare`, cfg, APPLY);
    const rv = first.json.metadata.resourceVersion as string;
    let second: any;
    const events = await watchAll(`${cmPath}?watch=true&resourceVersion=${rv}&timeoutSeconds=1`, async () => {
      second = await call('PATCH', `${cmPath}/same?fieldManager=flare`, cfg, APPLY);
      await call('PATCH', `${cmPath}/same?fieldManager=flare`, cfg.replace('k: v', 'k: w'), APPLY);
    });
    expect(second.json.metadata.resourceVersion).toBe(rv);
    expect(events.map((e) => `${e.type}:${e.object.data.k}`)).toEqual(['MODIFIED:w']);
  });

  it('answers a resourceVersion older than the history with an ERROR 410 Expired event', async () => {
    const a = await call('POST', cmPath, { metadata: { name: 'a' } });
    await call('POST', cmPath, { metadata: { name: 'b' } });
    srv.store.expireHistory();
    const events = await watchAll(`${cmPath}?watch=true&resourceVersion=${a.json.metadata.resourceVersion}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('filters watches by label selector', async () => {
    const events = await watchAll(`${cmPath}?watch=true&labelSelector=app%3Dx&timeoutSeconds=1`, async () => {
      await call('POST', cmPath, { metadata: { name: 'no', labels: { app: 'y' } } });
      await call('POST', cmPath, { metadata: { name: 'yes', labels: { app: 'x' } } });
    });
    expect(events.map((e) => e.object.metadata.name)).toEqual(['yes']);
  });
});

describe('sandbox API server: faults and counters', () => {
  it('throttles with 429 + Retry-After and fails with 500 when asked', async () => {
    srv.setFaults({ throttleRate: 1, retryAfterSeconds: 2 });
    const t = await call('GET', cmPath);
    expect(t.status).toBe(429);
    expect(t.headers.get('retry-after')).toBe('2');
    expect(t.json.reason).toBe('TooManyRequests');
    srv.setFaults({ errorRate: 1, kinds: ['Solver'] });
    expect((await call('GET', cmPath)).status).toBe(200);
    expect((await call('GET', solverPath)).status).toBe(500);
    srv.setFaults({});
    expect((await call('GET', solverPath)).status).toBe(200);
    expect(srv.stats().faults).toMatchObject({ throttle: 1, error: 1 });
  });

  it('injects faults reproducibly from a seed', async () => {
    const codes = async (): Promise<number[]> => {
      srv.setFaults({ errorRate: 0.5, seed: 42 });
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await call('GET', cmPath)).status);
      return out;
    };
    const a = await codes();
    const b = await codes();
    expect(a).toEqual(b);
    expect(a).toContain(500);
    expect(a).toContain(200);
  });

  it('drops watch streams at the injected rate', async () => {
    srv.setFaults({ dropWatchRate: 1 });
    await call('POST', cmPath, { metadata: { name: 'x' } });
    const events = await watchAll(`${cmPath}?watch=true`);
    expect(events).toEqual([]);
    expect(srv.stats().faults.dropWatch).toBe(1);
  });

  it('counts write requests by verb and kind, not reads', async () => {
    srv.resetStats();
    await call('POST', cmPath, { metadata: { name: 'c' } });
    await call('GET', `${cmPath}/c`);
    await call('GET', cmPath);
    await call('PATCH', `${cmPath}/c?fieldManager=f`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n', APPLY);
    await call('DELETE', `${cmPath}/c`);
    const s = srv.stats();
    expect(s.writes).toBe(3);
    expect(s.writesByKind.ConfigMap).toEqual({ create: 1, apply: 1, delete: 1 });
    expect(s.requests.get).toBe(1);
    expect(s.requests.list).toBe(1);
  });
});
