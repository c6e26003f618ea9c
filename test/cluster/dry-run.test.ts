import { describe, expect, it } from 'vitest';
import { createDryRunCluster, matchesLabelSelector, mergePatch } from '../../src/cluster/dry-run.js';
import type { WatchEvent } from '../../src/cluster/types.js';
import type { KubeObject } from '../../src/k8s/object.js';

const node = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels, annotations: { a: '1' } },
  status: { capacity: { 'nvidia.com/gpu': '2' } },
});

describe('createDryRunCluster', () => {
  it('answers reads from the given objects with selectors', async () => {
    const c = createDryRunCluster([node('n1', { gpu: 'yes', zone: 'a' }), node('n2', { zone: 'b' })]);
    expect((await c.get({ apiVersion: 'v1', kind: 'Node', name: 'n1' }))?.metadata.name).toBe('n1');
    expect(await c.get({ apiVersion: 'v1', kind: 'Node', name: 'n3' })).toBeUndefined();
    expect((await c.list('v1', 'Node', { labelSelector: 'gpu' })).map((o) => o.metadata.name)).toEqual(['n1']);
    expect((await c.list('v1', 'Node', { labelSelector: 'zone in (a,b),!gpu' })).map((o) => o.metadata.name)).toEqual(['n2']);
    expect((await c.list('v1', 'Node', { fieldSelector: 'metadata.name=n2' })).map((o) => o.metadata.name)).toEqual(['n2']);
    expect(await c.list('v1', 'Pod')).toEqual([]);
  });

  it('records writes without changing what reads see', async () => {
    const c = createDryRunCluster([node('n1')]);
    const patched = await c.patch({ apiVersion: 'v1', kind: 'Node', name: 'n1' }, { metadata: { annotations: { a: null, b: '2' } } });
    expect(patched.metadata.annotations).toEqual({ b: '2' });
    expect(patched.status).toEqual({ capacity: { 'nvidia.com/gpu': '2' } });
    await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' }, data: { k: 'v' } }, { fieldManager: 'flare' });
    expect(await c.delete({ apiVersion: 'v1', kind: 'Node', name: 'n1' })).toBe(true);
    expect(await c.delete({ apiVersion: 'v1', kind: 'Node', name: 'zz' })).toBe(false);
    expect(c.writes.map((w) => `${w.verb} ${w.ref.kind}/${w.ref.name}`)).toEqual(['patch Node/n1', 'apply ConfigMap/x', 'delete Node/n1', 'delete Node/zz']);
    expect((await c.get({ apiVersion: 'v1', kind: 'Node', name: 'n1' }))?.metadata.annotations).toEqual({ a: '1' });
    expect(await c.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'x' })).toBeUndefined();
    await expect(c.patch({ apiVersion: 'v1', kind: 'Node', name: 'ghost' }, {})).rejects.toMatchObject({ status: 404 });
  });

  it('reflects writes in reads and watches when asked to', async () => {
    const c = createDryRunCluster([node('n1')], { reflectWrites: true });
    const events: WatchEvent[] = [];
    const stop = await c.watch('v1', 'Node', {}, (e) => events.push(e));
    await c.patch({ apiVersion: 'v1', kind: 'Node', name: 'n1' }, { status: { phase: 'x' } }, { subresource: 'status' });
    await c.apply(node('n2'), { fieldManager: 'flare' });
    await c.delete({ apiVersion: 'v1', kind: 'Node', name: 'n1' });
    stop();
    await c.apply(node('n3'), { fieldManager: 'flare' });
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED n1', 'MODIFIED n1', 'ADDED n2', 'DELETED n1']);
    expect(events[1]!.object.status.phase).toBe('x');
    expect(c.objects().map((o) => o.metadata.name).sort()).toEqual(['n2', 'n3']);
  });

  it('merge patch and selectors follow their specs', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, d: [1] }, { a: { b: null, e: 3 }, d: [2] })).toEqual({ a: { c: 2, e: 3 }, d: [2] });
    expect(matchesLabelSelector({ a: 'x' }, 'a!=y')).toBe(true);
    expect(matchesLabelSelector({ a: 'x' }, 'a notin (x)')).toBe(false);
    expect(matchesLabelSelector(undefined, '')).toBe(true);
  });
});
