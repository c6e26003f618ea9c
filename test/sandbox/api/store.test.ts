import { describe, expect, it } from 'vitest';
import { ObjectStore, type StoreEvent } from '../../../src/sandbox/api/store.js';
import { ApiError } from '../../../src/sandbox/api/errors.js';
import type { KubeObject } from '../../../src/k8s/object.js';

const cm = (name: string, data: Record<string, string>, ns = 'default', labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
  data,
});

const solver = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'nodecore.fluidos.eu/v1alpha1',
  kind: 'Solver',
  metadata: { name, namespace: 'default' },
  spec,
});

function ref(o: KubeObject) {
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace };
}

function errOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

/**
 * Waits for the watch deliveries of the writes made so far, and only those: the store delivers
 * a microtask after the write (its contract), and setImmediate runs once the microtask queue is
 * empty. An ordering, not a time: an event not delivered by then is not coming.
 */
const tick = () => new Promise((r) => setImmediate(r));

describe('ObjectStore basics', () => {
  it('creates with uid, resourceVersion, generation and refuses duplicates', () => {
    const s = new ObjectStore();
    const o = s.create(cm('a', { x: '1' }));
    expect(o.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(o.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(o.metadata.generation).toBe(1);
    const e = errOf(() => s.create(cm('a', { x: '2' })));
    expect(e.code).toBe(409);
    expect(e.statusReason).toBe('AlreadyExists');
  });

  it('returns 404 when creating in a missing namespace and 422 on a bad name', () => {
    const s = new ObjectStore();
    const e = errOf(() => s.create(cm('a', {}, 'nope')));
    expect(e.code).toBe(404);
    expect(e.message).toContain('namespaces "nope" not found');
    expect(errOf(() => s.create(cm('Bad_Name', {}))).code).toBe(422);
  });

  it('generateName picks a name with the prefix', () => {
    const s = new ObjectStore();
    const o = s.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '', generateName: 'gen-', namespace: 'default' } });
    expect(o.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
  });

  it('lists with label and field selectors, sorted', () => {
    const s = new ObjectStore();
    s.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    s.create(cm('b', {}, 'default', { app: 'x', tier: 'web' }));
    s.create(cm('a', {}, 'default', { app: 'y' }));
    s.create(cm('c', {}, 'other', { app: 'x' }));
    const names = (sel: string, ns?: string, fs?: string) =>
      s.list('v1', 'ConfigMap', { labelSelector: sel, ...(ns ? { namespace: ns } : {}), ...(fs ? { fieldSelector: fs } : {}) }).items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(names('')).toEqual(['default/a', 'default/b', 'other/c']);
    expect(names('app=x')).toEqual(['default/b', 'other/c']);
    expect(names('app==x', 'default')).toEqual(['default/b']);
    expect(names('app!=x')).toEqual(['default/a']);
    expect(names('app in (y, z)')).toEqual(['default/a']);
    expect(names('app notin (y)')).toEqual(['default/b', 'other/c']);
    expect(names('tier')).toEqual(['default/b']);
    expect(names('!tier')).toEqual(['default/a', 'other/c']);
    expect(names('app=x,tier=web')).toEqual(['default/b']);
    expect(names('', undefined, 'metadata.name=c')).toEqual(['other/c']);
    expect(names('', undefined, 'metadata.namespace!=default')).toEqual(['other/c']);
  });

  it('update enforces resourceVersion (optimistic concurrency) and bumps generation on spec change only', () => {
    const s = new ObjectStore();
    const o = s.create(solver('s1', { intentID: 'a' }));
    const u = s.update({ ...o, spec: { intentID: 'b' } });
    expect(u.metadata.generation).toBe(2);
    const stale = errOf(() => s.update({ ...o, spec: { intentID: 'c' } }));
    expect(stale.code).toBe(409);
    expect(stale.statusReason).toBe('Conflict');
    const st = s.patchStatus(ref(o), { solverPhase: { phase: 'Solved' } });
    expect(st.metadata.generation).toBe(2);
    expect(st.status.solverPhase.phase).toBe('Solved');
  });

  it('status subresource: object writes ignore status, status writes touch only status', () => {
    const s = new ObjectStore();
    const o = s.create({ ...solver('s1', { intentID: 'a' }), status: { solverPhase: { phase: 'Bogus' } } });
    expect(o.status).toBeUndefined(); // custom kinds drop status on create
    s.patchStatus(ref(o), { solverPhase: { phase: 'Running' } });
    const u = s.patch(ref(o), { spec: { intentID: 'b' }, status: { solverPhase: { phase: 'Hacked' } } });
    expect(u.status.solverPhase.phase).toBe('Running');
    expect(u.spec.intentID).toBe('b');
    const st = s.updateStatus({ ...u, spec: { intentID: 'zzz' }, status: { solverPhase: { phase: 'Solved' } } });
    expect(st.spec.intentID).toBe('b');
    expect(st.status.solverPhase.phase).toBe('Solved');
  });

  it('json patch and merge patch', () => {
    const s = new ObjectStore();
    const o = s.create(cm('a', { x: '1', y: '2' }));
    const m = s.patch(ref(o), { data: { x: null, z: '3' } }, 'merge');
    expect(m.data).toEqual({ y: '2', z: '3' });
    const j = s.patch(ref(o), [{ op: 'replace', path: '/data/y', value: '9' }, { op: 'add', path: '/metadata/labels', value: { a: 'b' } }], 'json');
    expect(j.data).toEqual({ y: '9', z: '3' });
    expect(j.metadata.labels).toEqual({ a: 'b' });
  });

  it('namespace deletion removes contents; ownerReferences cascade', () => {
    const s = new ObjectStore();
    s.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gone' } });
    const owner = s.create(cm('owner', {}, 'default'));
    s.create({ ...cm('dep', {}, 'default'), metadata: { name: 'dep', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }] } });
    s.create(cm('x', {}, 'gone'));
    s.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'gone' });
    expect(s.list('v1', 'ConfigMap', { namespace: 'gone' }).items).toEqual([]);
    s.delete(ref(owner));
    expect(s.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'dep' })).toBeUndefined();
    expect(errOf(() => s.delete(ref(owner))).code).toBe(404);
  });

  it('finalizers hold deletion until removed', () => {
    const s = new ObjectStore();
    const o = s.create({ ...cm('f', {}), metadata: { name: 'f', namespace: 'default', finalizers: ['x/y'] } });
    const d = s.delete(ref(o));
    expect(d.metadata.deletionTimestamp).toBeTruthy();
    expect(s.get(ref(o))).toBeDefined();
    s.patch(ref(o), { metadata: { finalizers: null } });
    expect(s.get(ref(o))).toBeUndefined();
  });
});

describe('ObjectStore server-side apply', () => {
  it('creates, is a no-op when identical, and removes fields the manager stops applying', () => {
    const s = new ObjectStore();
    const a = s.apply(cm('a', { x: '1', y: '2' }, 'default', { l: 'v' }), { fieldManager: 'flare' });
    expect(a.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: 'flare', operation: 'Apply', fieldsV1: { 'f:data': { 'f:x': {}, 'f:y': {} }, 'f:metadata': { 'f:labels': { 'f:l': {} } } } }),
    ]);
    const again = s.apply(cm('a', { x: '1', y: '2' }, 'default', { l: 'v' }), { fieldManager: 'flare' });
    expect(again.metadata.resourceVersion).toBe(a.metadata.resourceVersion);
    const less = s.apply(cm('a', { x: '1' }), { fieldManager: 'flare' });
    expect(less.data).toEqual({ x: '1' });
    expect(less.metadata.labels).toBeUndefined();
    expect(Number(less.metadata.resourceVersion)).toBeGreaterThan(Number(a.metadata.resourceVersion));
  });

  it('conflicts with another manager unless forced; shared values do not conflict', () => {
    const s = new ObjectStore();
    s.apply(cm('a', { x: '1', y: '2' }), { fieldManager: 'one' });
    s.apply(cm('a', { x: '1' }), { fieldManager: 'two' }); // same value: shared ownership
    const e = errOf(() => s.apply(cm('a', { y: '3' }), { fieldManager: 'two' }));
    expect(e.code).toBe(409);
    expect(e.details?.causes?.[0]).toEqual(expect.objectContaining({ type: 'FieldManagerConflict', field: '.data.y' }));
    expect(e.message).toContain('conflict with "one"');
    const forced = s.apply(cm('a', { y: '3' }), { fieldManager: 'two', force: true });
    expect(forced.data).toEqual({ x: '1', y: '3' });
    // "one" lost .data.y; when "one" now stops applying x, "two" no longer applies x either -> x goes
    const one = forced.metadata.managedFields as { manager: string; fieldsV1: Record<string, unknown> }[];
    expect(one.find((m) => m.manager === 'one')?.fieldsV1).toEqual({ 'f:data': { 'f:x': {} } });
    // A field still owned by another manager survives its former co-owner dropping it.
    const after = s.apply(cm('a', {}), { fieldManager: 'two' });
    expect(after.data).toEqual({ x: '1' });
    // "two" now owns nothing and is dropped from managedFields, as a real API server does.
    const managers = (after.metadata.managedFields as { manager: string }[]).map((m) => m.manager);
    expect(managers).toEqual(['one']);
  });

  it('Update operations take ownership; apply then conflicts with them', () => {
    const s = new ObjectStore();
    const o = s.apply(cm('a', { x: '1' }), { fieldManager: 'flare' });
    s.patch(ref(o), { data: { x: 'edited' } }, 'merge', { fieldManager: 'kubectl-edit' });
    const e = errOf(() => s.apply(cm('a', { x: '1' }), { fieldManager: 'flare' }));
    expect(e.message).toContain('kubectl-edit');
  });

  it('apply to the status subresource owns only status', () => {
    const s = new ObjectStore();
    s.apply(solver('s', { intentID: 'a' }), { fieldManager: 'flare' });
    const st = s.apply({ ...solver('s', { intentID: 'IGNORED' }), status: { findCandidate: 'Solved' } }, { fieldManager: 'sim', subresource: 'status' });
    expect(st.spec.intentID).toBe('a');
    expect(st.status.findCandidate).toBe('Solved');
    const again = s.apply(solver('s', { intentID: 'a' }), { fieldManager: 'flare' });
    expect(again.metadata.resourceVersion).toBe(st.metadata.resourceVersion);
  });
});

describe('ObjectStore watch', () => {
  it('delivers ADDED for existing objects, then changes, asynchronously', async () => {
    const s = new ObjectStore();
    s.create(cm('a', {}));
    const events: string[] = [];
    const stop = s.watch('v1', 'ConfigMap', {}, (e: StoreEvent) => events.push(`${e.type}:${e.object.metadata.name}`));
    s.create(cm('b', {}));
    expect(events).toEqual([]);
    await tick();
    s.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'a' });
    await tick();
    stop();
    s.create(cm('c', {}));
    await tick();
    expect(events).toEqual(['ADDED:a', 'ADDED:b', 'DELETED:a']);
    expect(s.watcherCount()).toBe(0);
  });

  it('replays from a resourceVersion and emits nothing for a no-op apply', async () => {
    const s = new ObjectStore();
    s.apply(cm('a', { x: '1' }), { fieldManager: 'f' });
    const rv = s.list('v1', 'ConfigMap').resourceVersion;
    s.apply(cm('a', { x: '2' }), { fieldManager: 'f' });
    const events: string[] = [];
    s.watch('v1', 'ConfigMap', { resourceVersion: rv }, (e) => events.push(`${e.type}:${(e.object.data as Record<string, string> | undefined)?.x}`));
    s.apply(cm('a', { x: '2' }), { fieldManager: 'f' });
    await tick();
    expect(events).toEqual(['MODIFIED:2']);
  });

  it('label-filtered watches see objects leave and enter the selection', async () => {
    const s = new ObjectStore();
    const o = s.create(cm('a', {}, 'default', { app: 'x' }));
    const events: string[] = [];
    s.watch('v1', 'ConfigMap', { labelSelector: 'app=x', resourceVersion: o.metadata.resourceVersion }, (e) => events.push(e.type));
    s.patch(ref(o), { metadata: { labels: { app: 'y' } } });
    s.patch(ref(o), { metadata: { labels: { app: 'x' } } });
    await tick();
    expect(events).toEqual(['DELETED', 'ADDED']);
  });

  it('gives 410 Expired for a resourceVersion older than the history', async () => {
    const s = new ObjectStore({ historySize: 3 });
    const first = s.create(cm('a', {}));
    for (let i = 0; i < 5; i++) s.patch(ref(first), { data: { i: String(i) } });
    const events: StoreEvent[] = [];
    s.watch('v1', 'ConfigMap', { resourceVersion: first.metadata.resourceVersion }, (e) => events.push(e));
    await tick();
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('ERROR');
    expect((events[0]!.object as unknown as { code: number }).code).toBe(410);
  });

  it('counts write requests and mutations', () => {
    const s = new ObjectStore();
    s.apply(cm('a', { x: '1' }), { fieldManager: 'f' });
    s.apply(cm('a', { x: '1' }), { fieldManager: 'f' });
    const st = s.stats();
    expect(st.requests.apply).toBe(2);
    expect(st.mutations).toBe(1);
    expect(st.byKind.ConfigMap?.apply).toBe(2);
  });
});

describe('ObjectStore randomness', () => {
  it('takes uids and generated names from the randomness it is given, so a seeded sandbox repeats them', async () => {
    const { seededRandom } = await import('../../../src/sandbox/api/faults.js');
    const make = () => {
      const s = new ObjectStore({ random: seededRandom(7) });
      const a = s.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '', generateName: 'x-', namespace: 'default' } });
      return [a.metadata.name, a.metadata.uid];
    };
    const [one, two] = [make(), make()];
    expect(one).toEqual(two);
    expect(one[1]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const other = new ObjectStore({ random: seededRandom(8) }).create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '', generateName: 'x-', namespace: 'default' } });
    expect(other.metadata.uid).not.toBe(one[1]);
  });
});
