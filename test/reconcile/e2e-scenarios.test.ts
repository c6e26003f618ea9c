import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { IntentStatus } from '../../src/status/model.js';
import { cycleUntil, phasesOf, serviceIntent, startWorld, TENANT, type World } from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const base = (intent = serviceIntent('web')) => ({ 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/web.yaml': intent });

async function statusOf(w: World, name = 'web'): Promise<IntentStatus> {
  return parse((await w.read(`status/team-a/${name}.yaml`))!).status as IntentStatus;
}

const running = (x: { intents: { phase: string }[] }) => x.intents.length > 0 && x.intents.every((i) => i.phase === 'Running');

describe('reconciler scenarios (sandbox + git http-backend)', () => {
  it('NoMatch carries a suggestion; applying its change reaches Running', async () => {
    // under 0.40 EUR/h the only EU RTX 4080 FLUIDOS finds is a preemptible spot offer
    const intent = (extra: string[]) => serviceIntent('web', { model: 'nvidia-rtx-4080', maxHourly: '0.4 EUR', constraints: extra });
    world = await startWorld(base(intent([])));
    const rec = await world.start();
    await cycleUntil(rec, (x) => phasesOf(x)['team-a-web'] === 'NoMatch');
    const s = await statusOf(world);
    // retry bookkeeping stays in the reconciler's memory, out of Git (issue 8 item 9)
    expect(s.next_retry_at).toBeUndefined();
    expect(s.phase).toBe('NoMatch');
    expect(s.placements[0]!.rejected?.map((r) => r.constraint)).toContain('constraints.preemptible');
    const sug = s.suggestions?.find((x) => x.change.path === 'constraints.preemptible');
    expect(sug, JSON.stringify(s.suggestions)).toBeDefined();
    await world.push({ 'intents/team-a/web.yaml': intent([`preemptible: ${JSON.stringify(sug!.change.value)}`]) }, 'apply the suggestion');
    await cycleUntil(rec, running);
    const after = await statusOf(world);
    expect(after.placements[0]!.chosen!.hourly_cost).toBeLessThanOrEqual(0.4);
    expect(after.suggestions).toBeUndefined();
    expect(after.history.some((h) => h.phase === 'NoMatch')).toBe(true);
  });

  it('contention: a refused Reservation moves to the next-ranked candidate', async () => {
    world = await startWorld(base());
    world.sandbox.faults.refuseReservations(1);
    const rec = await world.start();
    await cycleUntil(rec, running);
    const s = await statusOf(world);
    const p = s.placements[0]!;
    expect(p.blocked).toHaveLength(1);
    expect(p.chosen!.candidate).not.toBe(p.blocked![0]);
    expect(p.attempt).toBe(2);
    expect(s.history.some((h) => h.message.includes('refused'))).toBe(true);
    const reservations = await world.cluster.list('reservation.fluidos.eu/v1alpha1', 'Reservation', { namespace: 'fluidos', labelSelector: 'flare.io/intent-id=team-a-web' });
    expect(reservations.map((r) => r.metadata.name)).toEqual(['flare-team-a-web-a2']);
  });

  it('provider outage: fails over to another provider and is Running again', async () => {
    world = await startWorld(base());
    const rec = await world.start();
    await cycleUntil(rec, running);
    const first = (await statusOf(world)).placements[0]!.chosen!.provider;
    world.sandbox.faults.providerDown(first);
    const r = await cycleUntil(rec, (x) => running(x) && x.intents[0]!.provider !== first);
    expect(r.intents[0]!.provider).not.toBe(first);
    const s = await statusOf(world);
    expect(s.placements[0]!.excluded_providers).toEqual([first]);
    expect(s.history.some((h) => h.message.includes('failing over'))).toBe(true);
    const deploy = await world.cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'flare-team-a-web', name: 'web' });
    expect(deploy?.spec?.template?.spec?.nodeSelector?.['liqo.io/remote-cluster-id']).toBe(s.placements[0]!.remote_cluster_id);
  });

  it('a push rejected because the remote moved still lands, on top of the other commit', async () => {
    world = await startWorld(base());
    let pushed = false;
    const w = world;
    const rec = await world.start({
      afterApply: async () => {
        if (pushed) return;
        pushed = true;
        await w.push({ 'README.md': 'a collaborator was here\n' }, 'collaborator commit');
      },
    });
    const r = await rec.runOnce();
    expect(r?.commit).toBeDefined();
    expect(r?.pushed).toBe(true);
    const subjects = await world.subjects();
    expect(subjects[1]).toBe('collaborator commit');
    expect(subjects[0]).toMatch(/^flare: /);
    expect(await world.read('README.md')).toBe('a collaborator was here\n');
    expect(await world.read('status/team-a/web.yaml')).toContain('intent_id: team-a-web');
  });

  it('a reconciler killed between apply and commit, restarted, creates no second Reservation', async () => {
    world = await startWorld(base());
    const w = world;
    let crashed = false;
    const a = await world.start({
      afterApply: async () => {
        const res = await w.cluster.list('reservation.fluidos.eu/v1alpha1', 'Reservation', { namespace: 'fluidos', labelSelector: 'flare.io/intent-id=team-a-web' });
        if (res.length > 0) {
          crashed = true;
          throw new Error('killed');
        }
      },
    });
    // the crashing cycle yields no result: drive it by hand
    for (let i = 0; i < 200 && !crashed; i++) await a.runOnce();
    expect(crashed).toBe(true);
    await a.stop();
    const b = await world.start();
    await cycleUntil(b, running);
    const res = await world.cluster.list('reservation.fluidos.eu/v1alpha1', 'Reservation', { namespace: 'fluidos', labelSelector: 'flare.io/intent-id=team-a-web' });
    expect(res.map((r) => r.metadata.name)).toEqual(['flare-team-a-web-a1']);
    expect(world.sandbox.stats().simulator.reservationsAccepted).toBe(1);
  });

  it('two reconcilers on one repo: one leader, the other commits nothing, and takes over when the leader stops', async () => {
    world = await startWorld(base());
    const lease = { namespace: 'default', name: 'flare-reconciler', leaseSeconds: 30 };
    const a = await world.start({ leaderElection: { ...lease, identity: 'a' } });
    const b = await world.start({ leaderElection: { ...lease, identity: 'b' } });
    for (let i = 0; i < 40; i++) {
      const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
      expect(rb).toBeUndefined();
      if (ra && running(ra)) break;
    }
    expect(a.isLeader()).toBe(true);
    expect(b.isLeader()).toBe(false);
    expect(b.metrics()).toMatch(/^flare_commits_total 0$/m);
    const messages = await world.messages();
    const statusCommits = messages.filter((m) => m.includes('Flare-Phase'));
    expect(new Set(statusCommits).size).toBe(statusCommits.length);
    await a.stop();
    const rb = await b.runOnce();
    expect(b.isLeader()).toBe(true);
    expect(rb?.intents[0]?.phase).toBe('Running');
  });

  it('with API faults (5xx, slow requests, dropped watches) reaches the same end state', { timeout: 120_000 }, async () => {
    world = await startWorld(base());
    const clean = await startWorld(base());
    try {
      const rc = await clean.start();
      await cycleUntil(rc, running);
      const want = (await statusOf(clean)).placements[0]!.chosen!.candidate;
      world.sandbox.faults.api({ errorRate: 0.1, slowRate: 0.1, slowMs: 30, dropWatchRate: 0.2, seed: 42 });
      const rec = await world.start({ autoStart: true, intervalMs: 200, debounceMs: 20, log: (l) => process.env.FLARE_DEBUG && console.log(Date.now() % 100000, l), onCycle: (c) => process.env.FLARE_DEBUG && console.log(Date.now() % 100000, 'cycle', c.durationMs, JSON.stringify(c.intents.map((i) => i.phase + ' ' + i.message))) });
      await cycleUntil(rec, running, { timeoutMs: 60_000 });
      world.sandbox.faults.clear();
      const s = await statusOf(world);
      expect(s.placements[0]!.chosen!.candidate).toBe(want);
      expect(s.placements[0]!.attempt).toBe(1);
      expect(world.sandbox.stats().server.faults.error).toBeGreaterThan(0);
      const res = await world.cluster.list('reservation.fluidos.eu/v1alpha1', 'Reservation', { namespace: 'fluidos', labelSelector: 'flare.io/intent-id=team-a-web' });
      expect(res).toHaveLength(1);
    } finally {
      await clean.close();
    }
  });
});
