import { afterEach, describe, expect, it } from 'vitest';
import { createKubeCluster } from '../../src/cluster/kube.js';
import { LeaderElector, leaseFree, observeLease } from '../../src/reconcile/leader.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { cycleUntil, serviceIntent, sleep, startWorld, TENANT, type World } from './harness.js';

let world: World | undefined;
let sandbox: SandboxHandle | undefined;
afterEach(async () => {
  await world?.close();
  await sandbox?.close();
  world = undefined;
  sandbox = undefined;
});

describe('startReconciler', () => {
  it('serves /healthz, /readyz (after the first cycle) and Prometheus /metrics', async () => {
    world = await startWorld({ 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/web.yaml': serviceIntent('web') });
    const rec = await world.start({ httpPort: 0 });
    expect((await fetch(`${rec.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${rec.url}/readyz`)).status).toBe(503);
    await cycleUntil(rec, (x) => x.intents[0]!.phase === 'Running');
    expect((await fetch(`${rec.url}/readyz`)).status).toBe(200);
    const m = await (await fetch(`${rec.url}/metrics`)).text();
    expect(m).toMatch(/^flare_intents\{phase="Running"\} 1$/m);
    expect(m).toMatch(/^flare_intents\{phase="Pending"\} 0$/m);
    expect(Number(/^flare_commits_total (\d+)$/m.exec(m)![1])).toBeGreaterThanOrEqual(3);
    expect(Number(/^flare_applies_total (\d+)$/m.exec(m)![1])).toBeGreaterThan(0);
    expect(m).toMatch(/^flare_cycle_duration_seconds_count \d+$/m);
    expect(m).toMatch(/^# TYPE flare_push_failures_total counter$/m);
    expect((await fetch(`${rec.url}/nope`)).status).toBe(404);
  });

  it('cycles on its own: cluster watch events and the remote poll drive it to Running and through a failover', async () => {
    world = await startWorld({ 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/web.yaml': serviceIntent('web') });
    const phases: string[] = [];
    const rec = await world.start({ autoStart: true, intervalMs: 60_000, pollMs: 200, debounceMs: 20, onCycle: (r) => phases.push(`${r.intents[0]?.phase}:${r.intents[0]?.provider ?? ''}`) });
    const until = async (pred: () => boolean) => {
      for (let i = 0; i < 1500 && !pred(); i++) await sleep(20);
      expect(pred()).toBe(true);
    };
    await until(() => phases.some((p) => p.startsWith('Running')));
    const first = phases.find((p) => p.startsWith('Running'))!.split(':')[1]!;
    world.sandbox.faults.providerDown(first);
    await until(() => phases.some((p) => p.startsWith('Running') && !p.endsWith(first)));
    await rec.stop();
  });
});

describe('leader election', () => {
  it('leaseFree: expiry counts from when this process saw the record change, not from the holder\'s clock', () => {
    const held = { holder: 'a', renewTime: '2030-01-01T00:00:00.000000Z', leaseDurationSeconds: 15, transitions: 0, resourceVersion: '7' };
    expect(leaseFree({ transitions: 0 }, 'b', undefined, 0, 15)).toBe(true);
    expect(leaseFree(held, 'a', undefined, 0, 15)).toBe(true);
    // never seen before: not free, whatever the renewTime says
    expect(leaseFree(held, 'b', undefined, Date.parse('2031-01-01T00:00:00Z'), 15)).toBe(false);
    const seen = observeLease(undefined, held, 1_000);
    expect(leaseFree(held, 'b', seen, 16_000, 15)).toBe(false);
    expect(leaseFree(held, 'b', observeLease(seen, held, 16_001), 16_001, 15)).toBe(true);
    // the holder renewed: the clock starts again from the new record
    const renewed = { ...held, renewTime: '2030-01-01T00:00:05.000000Z', resourceVersion: '8' };
    const again = observeLease(seen, renewed, 16_001);
    expect(again.at).toBe(16_001);
    expect(leaseFree(renewed, 'b', again, 30_000, 15)).toBe(false);
    expect(leaseFree({ ...renewed, leaseDurationSeconds: 5 }, 'b', observeLease(again, { ...renewed, leaseDurationSeconds: 5 }, 30_000), 30_000, 15)).toBe(true);
  });

  it('a fresh lease of our own is not rewritten: leading costs a write only every third of its duration', async () => {
    sandbox = await startSandbox();
    const cluster = createKubeCluster({ kubeconfigPath: sandbox.kubeconfigPath });
    let t = new Date('2030-01-01T00:00:00Z');
    const a = new LeaderElector(cluster, { namespace: 'default', name: 'quiet', leaseSeconds: 9, identity: 'a' }, () => t);
    expect(await a.tryAcquireOrRenew()).toBe(true);
    const writes = () => sandbox!.stats().server.writes;
    const before = writes();
    t = new Date('2030-01-01T00:00:02Z'); // 2 s < 9 s / 3
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(writes()).toBe(before);
    t = new Date('2030-01-01T00:00:04Z'); // 4 s ≥ 3 s: renewed
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(writes()).toBe(before + 1);
    const lease = await cluster.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'default', name: 'quiet' });
    expect(lease?.spec?.renewTime).toMatch(/^2030-01-01T00:00:04/);
  });

  it('one candidate wins a race; a standby takes over an expired lease, counting the transition', async () => {
    sandbox = await startSandbox();
    const cluster = createKubeCluster({ kubeconfigPath: sandbox.kubeconfigPath });
    let t = new Date('2030-01-01T00:00:00Z');
    const opts = { namespace: 'default', name: 'flare', leaseSeconds: 10 };
    const a = new LeaderElector(cluster, { ...opts, identity: 'a' }, () => t);
    const b = new LeaderElector(cluster, { ...opts, identity: 'b' }, () => t);
    const won = await Promise.all([a.tryAcquireOrRenew(), b.tryAcquireOrRenew()]);
    expect(won.filter(Boolean)).toHaveLength(1);
    const [leader, standby] = won[0] ? [a, b] : [b, a];
    t = new Date('2030-01-01T00:00:05Z');
    expect(await leader.tryAcquireOrRenew()).toBe(true);
    expect(await standby.tryAcquireOrRenew()).toBe(false);
    t = new Date('2030-01-01T00:00:16Z'); // the leader stopped renewing at 00:05
    expect(await standby.tryAcquireOrRenew()).toBe(true);
    expect(await leader.tryAcquireOrRenew()).toBe(false);
    const lease = await cluster.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'default', name: 'flare' });
    expect(lease?.spec?.leaseTransitions).toBe(1);
  });
});
