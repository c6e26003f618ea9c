import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
  makeInformer,
  setHeaderOptions,
  type KubernetesObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/sandbox/api/server.js';
import { writeKubeconfig } from '../../src/sandbox/api/kubeconfig.js';

let server: ApiServer;
let dir: string;
let kc: KubeConfig;

beforeEach(async () => {
  server = await startApiServer();
  dir = await mkdtemp(join(tmpdir(), 'flare-client-node-'));
  await writeKubeconfig(join(dir, 'kubeconfig'), server.url, { token: server.token });
  kc = new KubeConfig();
  kc.loadFromFile(join(dir, 'kubeconfig'));
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const until = async (cond: () => boolean, what: string, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

async function apiError(p: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) return { code: e.code, body: typeof e.body === 'string' ? JSON.parse(e.body) : e.body };
    throw e;
  }
  throw new Error('expected an ApiException');
}

const solver = (name: string, spec: Record<string, unknown>): KubernetesObject & { spec: unknown } => ({
  apiVersion: 'nodecore.fluidos.eu/v1alpha1',
  kind: 'Solver',
  metadata: { name, namespace: 'default' },
  spec,
});

describe('sandbox API with @kubernetes/client-node', () => {
  it('loads a kubeconfig from options as well', async () => {
    const k = new KubeConfig();
    k.loadFromOptions({
      clusters: [{ name: 'c', server: server.url, skipTLSVerify: true }],
      users: [{ name: 'u', token: server.token }],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
      currentContext: 'ctx',
    });
    const ns = await k.makeApiClient(CoreV1Api).listNamespace();
    expect(ns.items.map((n) => n.metadata?.name)).toContain('default');
  });

  it('creates, reads, lists with label and field selectors, and deletes', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a', labels: { app: 'x' } }, data: { k: 'v' } } });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'b', labels: { app: 'y' } } } });
    const got = await core.readNamespacedConfigMap({ name: 'a', namespace: 'default' });
    expect(got.data).toEqual({ k: 'v' });
    expect(got.metadata?.uid).toBeTruthy();
    const byLabel = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'app in (y,z)' });
    expect(byLabel.items.map((c) => c.metadata?.name)).toEqual(['b']);
    const byField = await core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.name=a' });
    expect(byField.items.map((c) => c.metadata?.name)).toEqual(['a']);
    const dup = await apiError(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } }));
    expect(dup.code).toBe(409);
    expect(dup.body.reason).toBe('AlreadyExists');
    const missingNs = await apiError(core.createNamespacedConfigMap({ namespace: 'nowhere', body: { metadata: { name: 'a' } } }));
    expect(missingNs.code).toBe(404);
    await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' });
    const gone = await apiError(core.readNamespacedConfigMap({ name: 'a', namespace: 'default' }));
    expect(gone.code).toBe(404);
    expect(gone.body.kind).toBe('Status');
  });

  it('server-side applies with KubernetesObjectApi: conflict from a second manager, then force', async () => {
    const objs = KubernetesObjectApi.makeApiClient(kc);
    const first = await objs.patch(solver('s1', { intentID: 'a', findCandidate: true }), undefined, undefined, 'flare', false, PatchStrategy.ServerSideApply);
    expect((first as any).spec.intentID).toBe('a');
    const again = await objs.patch(solver('s1', { intentID: 'a', findCandidate: true }), undefined, undefined, 'flare', false, PatchStrategy.ServerSideApply);
    expect(again.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    const conflict = await apiError(objs.patch(solver('s1', { intentID: 'b' }), undefined, undefined, 'someone-else', false, PatchStrategy.ServerSideApply));
    expect(conflict.code).toBe(409);
    expect(conflict.body.details.causes[0].type).toBe('FieldManagerConflict');
    expect(conflict.body.message).toContain('flare');
    const forced = await objs.patch(solver('s1', { intentID: 'b' }), undefined, undefined, 'someone-else', true, PatchStrategy.ServerSideApply);
    expect((forced as any).spec).toEqual({ intentID: 'b', findCandidate: true });
    const read = await objs.read({ apiVersion: 'nodecore.fluidos.eu/v1alpha1', kind: 'Solver', metadata: { name: 's1', namespace: 'default' } });
    const managers = (read.metadata?.managedFields ?? []).map((m) => m.manager).sort();
    expect(managers).toEqual(['flare', 'someone-else']);
  });

  it('patches status through the status subresource only', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const g = { group: 'nodecore.fluidos.eu', version: 'v1alpha1', namespace: 'default', plural: 'solvers' };
    await custom.createNamespacedCustomObject({ ...g, body: solver('s2', { intentID: 'a' }) });
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const st = (await custom.patchNamespacedCustomObjectStatus(
      { ...g, name: 's2', body: { spec: { intentID: 'ignored' }, status: { solverPhase: { phase: 'Solved' } } } },
      merge,
    )) as any;
    expect(st.status.solverPhase.phase).toBe('Solved');
    expect(st.spec.intentID).toBe('a');
    const main = (await custom.patchNamespacedCustomObject({ ...g, name: 's2', body: { spec: { intentID: 'c' }, status: { solverPhase: { phase: 'X' } } } }, merge)) as any;
    expect(main.spec.intentID).toBe('c');
    expect(main.status.solverPhase.phase).toBe('Solved');
    const smp = await apiError(
      custom.patchNamespacedCustomObject({ ...g, name: 's2', body: { spec: {} } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)),
    );
    expect(smp.code).toBe(415);
  });

  it('watches events with Watch', async () => {
    const events: string[] = [];
    const w = new Watch(kc);
    const ctl = await w.watch('/api/v1/namespaces/default/configmaps', {}, (type, obj) => events.push(`${type}:${obj.metadata.name}`), () => {});
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w1' } } });
    await core.patchNamespacedConfigMap({ name: 'w1', namespace: 'default', body: { data: { a: 'b' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await core.deleteNamespacedConfigMap({ name: 'w1', namespace: 'default' });
    await until(() => events.length >= 3, 'three watch events');
    ctl.abort();
    expect(events).toEqual(['ADDED:w1', 'MODIFIED:w1', 'DELETED:w1']);
    await until(() => server.stats().watches === 0, 'the server to drop the closed watch');
  });

  it('an informer recovers after its resourceVersion expires (410)', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'before' } } });
    const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
    const added: string[] = [];
    informer.on('add', (o) => added.push(o.metadata?.name ?? ''));
    informer.on('error', () => {});
    await informer.start();
    await until(() => server.stats().watches === 1, 'the informer watch');
    const listsBefore = server.stats().requests.list;

    // Advance the global resourceVersion past the informer's, forget history, cut the stream:
    // the informer comes back with a stale resourceVersion, gets 410, and must re-list.
    const s = server.store;
    s.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bump', namespace: 'default' } });
    s.expireHistory();
    server.dropWatches();
    s.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'missed', namespace: 'default' } });

    await until(() => added.includes('missed'), 'the informer to re-list and see "missed"');
    expect(server.stats().requests.list).toBeGreaterThan(listsBefore);
    expect(server.stats().watchErrors).toBe(1);
    expect(informer.list().map((o) => o.metadata?.name).sort()).toEqual(['before', 'missed']);
    await informer.stop();
  });
});
