import { describe, expect, it } from 'vitest';
import { createDryRunCluster } from '../../src/cluster/dry-run.js';
import type { KubeObject } from '../../src/k8s/object.js';
import { applyDesired, planApply, subsetOf, upToDate, type DesiredObject, type PruneScope } from '../../src/reconcile/apply.js';
import { LABEL_REPO, normalizeRepoUrl, repoIdentity, stampIdentity } from '../../src/reconcile/ownership.js';

const me = repoIdentity({ url: 'https://git.example.com/org/fleet.git', branch: 'main' });
const other = repoIdentity({ url: 'https://git.example.com/org/other.git', branch: 'main' });

const managed = (intent: string, tenant = 'team-a') => ({
  'app.kubernetes.io/managed-by': 'flare',
  'flare.io/intent-id': intent,
  'flare.io/tenant': tenant,
});
/** As this repo applied it. */
const mine = (d: DesiredObject) => stampIdentity(d.object, me);

function ns(intent: string, tenant = 'team-a'): DesiredObject {
  return { wave: 0, object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `flare-${intent}`, labels: managed(intent, tenant) } } };
}
function deploy(intent: string, image = 'nginx:1', tenant = 'team-a'): DesiredObject {
  return {
    wave: 4,
    object: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: `flare-${intent}`, labels: managed(intent, tenant) },
      spec: { replicas: 1, template: { spec: { containers: [{ name: 'web', image }] } } },
    },
  };
}
function tenantObj(tenant: string): DesiredObject {
  return {
    wave: -1,
    object: {
      apiVersion: 'capsule.clastix.io/v1beta2',
      kind: 'Tenant',
      metadata: { name: tenant, labels: { 'app.kubernetes.io/managed-by': 'flare', 'flare.io/tenant': tenant } },
      spec: { owners: [] },
    },
  };
}
const scope = (): PruneScope => ({ identity: me });

describe('subsetOf / upToDate', () => {
  it('accepts fields the server added and rejects any difference in fields FLARE sets', () => {
    expect(subsetOf({ a: 1, b: { c: 'x' } }, { a: 1, b: { c: 'x', d: 2 }, e: 3 })).toBe(true);
    expect(subsetOf({ a: 1 }, { a: 2 })).toBe(false);
    expect(subsetOf({ l: [1, 2] }, { l: [1, 2, 3] })).toBe(false);
    expect(subsetOf({ l: [{ a: 1 }] }, { l: [{ a: 1, b: 2 }] })).toBe(true);
    const d = deploy('i1').object;
    const live: KubeObject = { ...JSON.parse(JSON.stringify(d)), status: { readyReplicas: 1 } };
    live.metadata.resourceVersion = '7';
    live.metadata.labels = { ...live.metadata.labels, extra: 'x' };
    expect(upToDate(d, live)).toBe(true);
    expect(upToDate(deploy('i1', 'nginx:2').object, live)).toBe(false);
    expect(upToDate(d, { ...live, metadata: { ...live.metadata, deletionTimestamp: 'x' } })).toBe(false);
    expect(upToDate(d, undefined)).toBe(false);
  });
});

describe('planApply', () => {
  it('orders by wave with Tenant and Namespace first, and prunes only this repo’s objects, latest wave first', () => {
    const desired = [deploy('i1'), ns('i1'), tenantObj('team-a')];
    const live: KubeObject[] = [
      mine(deploy('gone')),
      mine(ns('gone')),
      stampIdentity(deploy('other-repo', 'nginx:1', 'team-z').object, other),
      stampIdentity(ns('gone-there').object, other),
      ns('hand-made').object,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'y', labels: { 'flare.io/intent-id': 'gone', [LABEL_REPO]: me.id } } },
    ];
    const plan = planApply(desired, live, scope());
    expect(plan.apply.map((o) => o.kind)).toEqual(['Tenant', 'Namespace', 'Deployment']);
    expect(plan.prune.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment/web', 'Namespace/flare-gone']);
  });

  it('never prunes objects of protected tenants', () => {
    const plan = planApply([], [mine(deploy('i1'))], { ...scope(), protectedTenants: new Set(['team-a']) });
    expect(plan.prune).toEqual([]);
  });
});

describe('applyDesired', () => {
  it('applies once, then writes nothing on an unchanged cycle, and prunes what is no longer rendered', async () => {
    const cluster = createDryRunCluster([], { reflectWrites: true });
    const desired = [tenantObj('team-a'), ns('i1'), deploy('i1'), ns('i2'), deploy('i2')];
    const r1 = await applyDesired(cluster, desired, { scope: scope() });
    expect(r1).toMatchObject({ applied: 5, pruned: 0, errors: [] });
    const writesAfterFirst = cluster.writes.length;
    const r2 = await applyDesired(cluster, desired, { scope: scope() });
    expect(r2).toMatchObject({ applied: 0, pruned: 0, unchanged: 5 });
    expect(cluster.writes.length).toBe(writesAfterFirst);
    for (const w of cluster.writes) if (w.verb === 'apply') expect(w.fieldManager).toBe('flare');
    // i2 deleted from the repo, i1's image changed
    const r3 = await applyDesired(cluster, [tenantObj('team-a'), ns('i1'), deploy('i1', 'nginx:2')], { scope: scope() });
    expect(r3).toMatchObject({ applied: 1, pruned: 2 });
    const deletes = cluster.writes.filter((w) => w.verb === 'delete').map((w) => w.ref.kind);
    expect(deletes).toEqual(['Deployment', 'Namespace']);
    expect(cluster.objects().map((o) => o.metadata.name).sort()).toEqual(['flare-i1', 'team-a', 'web']);
  });

  it('collects per-object errors instead of failing the whole apply', async () => {
    const base = createDryRunCluster([], { reflectWrites: true });
    const cluster = {
      ...base,
      apply: async (o: KubeObject, opts: { fieldManager: string; force?: boolean }) => {
        if (o.metadata.name === 'flare-i2') throw new Error('boom');
        return base.apply(o, opts);
      },
    };
    const r = await applyDesired(cluster, [ns('i1'), ns('i2')], { scope: scope() });
    expect(r.applied).toBe(1);
    expect(r.errors).toEqual([{ key: 'v1/Namespace//flare-i2', error: 'boom' }]);
  });
});

describe('repo identity', () => {
  it('is the same for one repo however its URL is spelled, and differs per repo and branch', () => {
    expect(normalizeRepoUrl('https://bob:s3cret@Git.Example.com/org/fleet.git/')).toBe('https://git.example.com/org/fleet');
    expect(repoIdentity({ url: 'https://bob:s3cret@GIT.example.com/org/fleet.git' }).id).toBe(me.id);
    expect(repoIdentity({ url: 'https://git.example.com/org/fleet', branch: 'prod' }).id).not.toBe(me.id);
    expect(other.id).not.toBe(me.id);
    expect(me.url).not.toContain('s3cret');
    expect(me.id).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('applyDesired and objects this repo does not own', () => {
  it('creates nothing over a hand-made or another repo\'s object of the same name, holds back that intent, and changes neither', async () => {
    const handMade: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flare-i1', labels: { owner: 'human' } } };
    const theirs = stampIdentity(ns('i3').object, other);
    const cluster = createDryRunCluster([handMade, theirs], { reflectWrites: true });
    const r = await applyDesired(cluster, [ns('i1'), deploy('i1'), ns('i2'), ns('i3')], { scope: scope() });
    expect(r.conflicts.map((c) => [c.key, c.intentId])).toEqual([
      ['v1/Namespace//flare-i1', 'i1'],
      ['v1/Namespace//flare-i3', 'i3'],
    ]);
    expect(r.conflicts[0]!.message).toMatch(/exists and is not managed by this repo/);
    // only i2 was created, unforced, with this repo's identity
    const applies = cluster.writes.filter((w) => w.verb === 'apply');
    expect(applies.map((w) => [w.ref.name, w.verb === 'apply' && w.force])).toEqual([['flare-i2', false]]);
    expect(cluster.writes.some((w) => w.verb === 'delete')).toBe(false);
    const created = cluster.objects().find((o) => o.metadata.name === 'flare-i2')!;
    expect(created.metadata.labels?.[LABEL_REPO]).toBe(me.id);
    expect(cluster.objects().find((o) => o.metadata.name === 'flare-i1')!.metadata.labels).toEqual({ owner: 'human' });
    // nothing rendered any more: only this repo's own object is pruned
    const r2 = await applyDesired(cluster, [], { scope: scope() });
    expect(r2.pruned).toBe(1);
    expect(cluster.objects().map((o) => o.metadata.name).sort()).toEqual(['flare-i1', 'flare-i3']);
  });

  it('a Capsule Tenant of another repo holds back every object of that tenant, and only of that tenant', async () => {
    const cluster = createDryRunCluster([stampIdentity(tenantObj('team-a').object, other)], { reflectWrites: true });
    const r = await applyDesired(cluster, [tenantObj('team-a'), ns('i1'), deploy('i1'), tenantObj('team-b'), ns('i9', 'team-b')], { scope: scope() });
    expect(r.conflicts).toEqual([expect.objectContaining({ key: 'capsule.clastix.io/v1beta2/Tenant//team-a', tenant: 'team-a' })]);
    expect(cluster.writes.filter((w) => w.verb === 'apply').map((w) => w.ref.name).sort()).toEqual(['flare-i9', 'team-b']);
    expect(cluster.objects().find((o) => o.metadata.name === 'team-a')!.metadata.labels?.[LABEL_REPO]).toBe(other.id);
  });
});
