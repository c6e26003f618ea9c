import { afterEach, describe, expect, it } from 'vitest';
import { createKubeCluster } from '../../src/cluster/kube.js';
import { LeaderElector } from '../../src/reconcile/leader.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { serviceIntent, startWorld, TENANT, type World } from './harness.js';

let world: World | undefined;
let sandbox: SandboxHandle | undefined;
afterEach(async () => {
  await world?.close();
  await sandbox?.close();
  world = undefined;
  sandbox = undefined;
});

const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'default', name: 'flare' } as const;

describe('leader election fences itself', () => {
  it('a candidate whose clock runs ahead does not take a lease the holder keeps renewing', async () => {
    sandbox = await startSandbox();
    const cluster = createKubeCluster({ kubeconfigPath: sandbox.kubeconfigPath });
    // one real timeline in ms; b's wall clock is 60 s ahead of a's
    let t = Date.parse('2030-01-01T00:00:00Z');
    const opts = { namespace: 'default', name: 'flare', leaseSeconds: 10 };
    const a = new LeaderElector(cluster, { ...opts, identity: 'a' }, () => new Date(t));
    const b = new LeaderElector(cluster, { ...opts, identity: 'b' }, () => new Date(t + 60_000));
    expect(await a.tryAcquireOrRenew()).toBe(true);
    const leaders: string[][] = [];
    for (let step = 0; step < 12; step++) {
      t += 4_000; // a renews every 4 s (< 10 s / 3 is not required for correctness, only for writes)
      await a.tryAcquireOrRenew();
      await b.tryAcquireOrRenew();
      leaders.push([a.isLeader() ? 'a' : '', b.isLeader() ? 'b' : ''].filter(Boolean));
    }
    expect(leaders.every((l) => l.length === 1 && l[0] === 'a')).toBe(true);
  });

  it('a candidate whose clock runs behind still takes over a lease that stopped changing, after one lease duration of its own time', async () => {
    sandbox = await startSandbox();
    const cluster = createKubeCluster({ kubeconfigPath: sandbox.kubeconfigPath });
    let t = Date.parse('2030-01-01T00:00:00Z');
    const opts = { namespace: 'default', name: 'flare', leaseSeconds: 10 };
    const a = new LeaderElector(cluster, { ...opts, identity: 'a' }, () => new Date(t));
    const b = new LeaderElector(cluster, { ...opts, identity: 'b' }, () => new Date(t - 3_600_000));
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(await b.tryAcquireOrRenew()).toBe(false); // b first sees the lease now
    t += 9_000; // a has stopped renewing (crashed)
    expect(await b.tryAcquireOrRenew()).toBe(false);
    t += 2_000; // 11 s of b's own time since it saw the lease last change
    expect(await b.tryAcquireOrRenew()).toBe(true);
    // a wakes up: its lease is gone and it knows it
    expect(await a.tryAcquireOrRenew()).toBe(false);
    expect(a.isLeader()).toBe(false);
  });

  it('a holder that could not renew within the lease stops calling itself leader', async () => {
    sandbox = await startSandbox();
    const cluster = createKubeCluster({ kubeconfigPath: sandbox.kubeconfigPath });
    let t = Date.parse('2030-01-01T00:00:00Z');
    const a = new LeaderElector(cluster, { namespace: 'default', name: 'flare', leaseSeconds: 9, identity: 'a' }, () => new Date(t));
    expect(await a.tryAcquireOrRenew()).toBe(true);
    t += 5_000;
    expect(a.isLeader()).toBe(true);
    t += 5_000; // 10 s without a renewal: another candidate may hold it by now
    expect(a.isLeader()).toBe(false);
  });

  it('a cycle that loses the lease while it runs neither commits nor applies what comes after', async () => {
    world = await startWorld({ 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/web.yaml': serviceIntent('web') });
    const subjectsBefore = await world.subjects();
    const cluster = world.cluster;
    const rec = await world.start({
      leaderElection: { namespace: 'default', name: 'flare', leaseSeconds: 30, identity: 'a' },
      // a slow cycle during which another replica took the lease over
      afterApply: async () => {
        const live = await cluster.get(LEASE);
        await cluster.patch(LEASE, {
          metadata: { resourceVersion: live!.metadata.resourceVersion },
          spec: { holderIdentity: 'b', renewTime: new Date(Date.now() + 1000).toISOString().replace(/Z$/, '000Z'), leaseDurationSeconds: 30 },
        });
      },
    });
    const r = await rec.runOnce();
    expect(r).toBeUndefined();
    expect(rec.isLeader()).toBe(false);
    expect(await world.subjects()).toEqual(subjectsBefore);
    expect(rec.metrics()).toMatch(/^flare_commits_total 0$/m);
    expect(rec.metrics()).toMatch(/^flare_leadership_lost_total 1$/m);
  });
});
