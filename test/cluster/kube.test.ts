import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeCluster } from '../../src/cluster/kube.js';
import type { Cluster, WatchEvent } from '../../src/cluster/types.js';
import { ClusterError } from '../../src/errors.js';
import { startApiServer, writeKubeconfig, type ApiServer } from '../../src/sandbox/api/index.js';

const FLAVOR = 'nodecore.fluidos.eu/v1alpha1';

let api: ApiServer;
let dir: string;
let cluster: Cluster;

beforeAll(async () => {
  api = await startApiServer();
  dir = await mkdtemp(join(tmpdir(), 'flare-kube-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, api.url, { token: api.token });
  cluster = createKubeCluster({ kubeconfigPath: kubeconfig, watchBackoffMs: { min: 20, max: 200 } });
  api.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fluidos' } });
});

afterAll(async () => {
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function until<T>(f: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function flavor(name: string, model: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: FLAVOR,
    kind: 'Flavor',
    metadata: { name, namespace: 'fluidos', labels: { test: 'kube' } },
    spec: { flavorType: { typeIdentifier: 'K8Slice', typeData: { characteristics: { gpu: { model, count: 1 } } } }, availability: true, ...extra },
  };
}

describe('createKubeCluster against the sandbox API server', () => {
  it('rejects an unknown context', () => {
    expect(() => createKubeCluster({ kubeconfigPath: join(dir, 'kubeconfig'), context: 'nope' })).toThrow(/no context 'nope'/);
  });

  it('applies, gets and lists objects with their type meta', async () => {
    const applied = await cluster.apply(flavor('f-a100', 'nvidia-a100'), { fieldManager: 'flare' });
    expect(applied.metadata.resourceVersion).toBeTruthy();
    expect(applied.spec.flavorType.typeData.characteristics.gpu.model).toBe('nvidia-a100');
    await cluster.apply(flavor('f-h100', 'nvidia-h100'), { fieldManager: 'flare' });

    const got = await cluster.get({ apiVersion: FLAVOR, kind: 'Flavor', namespace: 'fluidos', name: 'f-h100' });
    expect(got?.spec.flavorType.typeData.characteristics.gpu.model).toBe('nvidia-h100');
    expect(typeof got?.metadata.creationTimestamp).toBe('string');

    const all = await cluster.list(FLAVOR, 'Flavor', { namespace: 'fluidos', labelSelector: 'test=kube' });
    expect(all.map((o) => o.metadata.name).sort()).toEqual(['f-a100', 'f-h100']);
    expect(all.every((o) => o.apiVersion === FLAVOR && o.kind === 'Flavor')).toBe(true);
    expect(await cluster.list(FLAVOR, 'Flavor', { labelSelector: 'test=other' })).toEqual([]);
  });

  it('answers undefined for a missing object and for an unserved API group', async () => {
    expect(await cluster.get({ apiVersion: FLAVOR, kind: 'Flavor', namespace: 'fluidos', name: 'nope' })).toBeUndefined();
    expect(await cluster.get({ apiVersion: 'example.com/v1', kind: 'Widget', name: 'x' })).toBeUndefined();
    await expect(cluster.list('example.com/v1', 'Widget')).rejects.toMatchObject({ status: 404 });
  });

  it('server-side apply: removes fields a manager stops applying, is idempotent, conflicts across managers', async () => {
    await cluster.apply(flavor('f-ssa', 'nvidia-t4', { providerID: 'p1' }), { fieldManager: 'flare' });
    const second = await cluster.apply(flavor('f-ssa', 'nvidia-t4'), { fieldManager: 'flare' });
    expect(second.spec.providerID).toBeUndefined();
    const again = await cluster.apply(flavor('f-ssa', 'nvidia-t4'), { fieldManager: 'flare' });
    expect(again.metadata.resourceVersion).toBe(second.metadata.resourceVersion);

    const err = await cluster.apply(flavor('f-ssa', 'nvidia-l4'), { fieldManager: 'someone-else' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).status).toBe(409);
    expect((err as ClusterError).kind).toBe('conflict');
    expect((err as ClusterError).reason).toBe('Conflict');

    const forced = await cluster.apply(flavor('f-ssa', 'nvidia-l4'), { fieldManager: 'someone-else', force: true });
    expect(forced.spec.flavorType.typeData.characteristics.gpu.model).toBe('nvidia-l4');
  });

  it('merge-patches objects and the status subresource', async () => {
    const ref = { apiVersion: FLAVOR, kind: 'Flavor', namespace: 'fluidos', name: 'f-a100' };
    const p = await cluster.patch(ref, { metadata: { annotations: { note: 'x' } }, spec: { availability: false } }, { fieldManager: 'flare' });
    expect(p.metadata.annotations?.note).toBe('x');
    expect(p.spec.availability).toBe(false);
    const removed = await cluster.patch(ref, { metadata: { annotations: { note: null } } });
    expect(removed.metadata.annotations?.note).toBeUndefined();

    const s = await cluster.patch(ref, { status: { lastUpdate: 'now' }, spec: { availability: true } }, { subresource: 'status', fieldManager: 'flare' });
    expect(s.status?.lastUpdate).toBe('now');
    expect(s.spec.availability).toBe(false); // a /status write touches only status

    const missing = await cluster.patch({ ...ref, name: 'nope' }, { spec: {} }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, reason: 'NotFound' });
  });

  it('patches a core kind (Node annotations) and deletes', async () => {
    api.store.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    const n = await cluster.patch({ apiVersion: 'v1', kind: 'Node', name: 'n1' }, { metadata: { annotations: { 'gpu.fluidos.eu/model': 'nvidia-t4' } } });
    expect(n.metadata.annotations?.['gpu.fluidos.eu/model']).toBe('nvidia-t4');
    expect(await cluster.delete({ apiVersion: 'v1', kind: 'Node', name: 'n1' })).toBe(true);
    expect(await cluster.delete({ apiVersion: 'v1', kind: 'Node', name: 'n1' })).toBe(false);
    expect(await cluster.get({ apiVersion: 'v1', kind: 'Node', name: 'n1' })).toBeUndefined();
  });

  it('rejects creating in a missing namespace with a ClusterError', async () => {
    const err = await cluster.apply({ ...flavor('f-x', 'nvidia-t4'), metadata: { name: 'f-x', namespace: 'ghost' } }, { fieldManager: 'flare' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).status).toBe(404);
  });

  it('watches: existing objects as ADDED, then changes, and recovers from 410 Gone by re-listing', async () => {
    const ns = 'watch-ns';
    api.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const mk = (name: string, model: string) => ({ ...flavor(name, model), metadata: { name, namespace: ns } });
    await cluster.apply(mk('w1', 'nvidia-t4'), { fieldManager: 'flare' });

    const events: WatchEvent[] = [];
    const errors: unknown[] = [];
    const stop = await cluster.watch(FLAVOR, 'Flavor', { namespace: ns }, (e) => events.push(e), (e) => errors.push(e));
    const seen = (type: string, name: string, model?: string) =>
      events.some((e) => e.type === type && e.object.metadata.name === name && (!model || e.object.spec?.flavorType?.typeData?.characteristics?.gpu?.model === model));
    try {
      await until(() => seen('ADDED', 'w1'), 'initial ADDED');
      await cluster.apply(mk('w2', 'nvidia-l4'), { fieldManager: 'flare' });
      await until(() => seen('ADDED', 'w2'), 'ADDED w2');
      await cluster.apply(mk('w1', 'nvidia-a10'), { fieldManager: 'flare' });
      await until(() => seen('MODIFIED', 'w1', 'nvidia-a10'), 'MODIFIED w1');
      await cluster.delete({ apiVersion: FLAVOR, kind: 'Flavor', namespace: ns, name: 'w2' });
      await until(() => seen('DELETED', 'w2'), 'DELETED w2');

      // Drop the stream and expire history while changes happen: the watcher must re-list and
      // report exactly what it missed.
      api.store.expireHistory();
      api.setFaults({ dropWatchRate: 1, kinds: ['Flavor'] });
      await cluster.apply(mk('w3', 'nvidia-h100'), { fieldManager: 'flare' });
      await cluster.delete({ apiVersion: FLAVOR, kind: 'Flavor', namespace: ns, name: 'w1' });
      api.store.expireHistory();
      api.setFaults({});
      await until(() => seen('ADDED', 'w3', 'nvidia-h100'), 'ADDED w3 after re-list');
      await until(() => seen('DELETED', 'w1'), 'DELETED w1 after re-list');
      expect(events.filter((e) => e.type === 'ADDED' && e.object.metadata.name === 'w3')).toHaveLength(1);
    } finally {
      stop();
    }
    const count = events.length;
    // a second watch is the sync point: once it has seen w4, a still-open first watch would have too
    const sentinel: WatchEvent[] = [];
    const stopSentinel = await cluster.watch(FLAVOR, 'Flavor', { namespace: ns }, (e) => sentinel.push(e), () => undefined);
    await cluster.apply(mk('w4', 'nvidia-t4'), { fieldManager: 'flare' });
    await until(() => sentinel.some((e) => e.object.metadata.name === 'w4') || undefined, 'the sentinel watch to see w4');
    stopSentinel();
    expect(events.length).toBe(count);
    expect(errors.filter((e) => !(e instanceof ClusterError))).toEqual([]);
    await until(() => api.stats().watches === 0 || undefined, 'the watch stream to close');
  });

  it('reports an unreachable server as a ClusterError', async () => {
    const other = await startApiServer();
    const kc = join(dir, 'dead');
    await writeKubeconfig(kc, other.url, { token: other.token });
    await other.close();
    const dead = createKubeCluster({ kubeconfigPath: kc });
    const err = await dead.list('v1', 'Node').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).status).toBeUndefined();
  });
});
