import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/model.js';
import type { Intent } from '../../src/intent/model.js';
import type { KubeObject } from '../../src/k8s/object.js';
import { allocationName, reservationName, solverName } from '../../src/k8s/names.js';
import { indexObjects } from '../../src/reconcile/observe.js';
import { repoIdentity, stampIdentity } from '../../src/reconcile/ownership.js';
import { doubtStatus, placementEvidence, rebuildStatus } from '../../src/reconcile/rebuild.js';
import { advance } from '../../src/reconcile/state-machine.js';
import { rank } from '../../src/select/rank.js';
import type { IntentStatus } from '../../src/status/model.js';
import { allocation, contract, deployment, makeIntent, peeringCandidate, reservation, solver, virtualNode } from './fixtures.js';

const T0 = new Date('2030-01-01T00:00:00Z');
const config = DEFAULT_CONFIG;
const me = repoIdentity({ url: 'https://git.example.com/org/fleet.git' });
const other = repoIdentity({ url: 'https://git.example.com/org/other.git' });

const forIntent = (o: KubeObject, intent: Intent, id = me): KubeObject =>
  stampIdentity({ ...o, metadata: { ...o.metadata, labels: { ...(o.metadata.labels ?? {}), 'app.kubernetes.io/managed-by': 'flare', 'flare.io/intent-id': intent.id } } }, id);

/** A running flare-mode intent on attempt `attempt` (earlier attempts refused). */
function runningWorld(intent: Intent, attempt = 1): KubeObject[] {
  const sv = solverName(intent.id);
  const world: KubeObject[] = [
    forIntent(solver(sv), intent),
    peeringCandidate('pc-cheap', [sv], { provider: 'p-cheap', rate: 1 }),
    peeringCandidate('pc-mid', [sv], { provider: 'p-mid', rate: 2 }),
  ];
  for (let a = 1; a < attempt; a++) world.push(forIntent(reservation(reservationName(intent.id, a), sv, 'pc-cheap', 'Failed'), intent));
  world.push(
    forIntent(reservation(reservationName(intent.id, attempt), sv, 'pc-mid', 'Reserved', 'contract-1'), intent),
    contract('contract-1', 'liqo-mid'),
    forIntent(allocation(allocationName(intent.id, attempt), 'contract-1', 'Active'), intent),
    virtualNode('liqo-mid-vk', 'liqo-mid', true),
    forIntent(deployment(intent, 1, 1), intent),
  );
  return world;
}

function statusOf(intent: Intent, phase: IntentStatus['phase'], solverOverride?: string): IntentStatus {
  return {
    intent_id: intent.id,
    tenant: intent.tenant,
    name: intent.name,
    phase,
    selection: 'flare',
    spec_hash: 'x',
    placements: [{ solver: solverOverride ?? solverName(intent.id), attempt: 1 }],
    history: [{ time: T0.toISOString(), phase, message: phase }],
  };
}

describe('doubtStatus', () => {
  const intent = makeIntent('team-a', 'web');
  const live = placementEvidence(runningWorld(intent)).get(intent.id) ?? [];

  it('believes a readable status of this intent, and a missing one while nothing is live', () => {
    expect(live.map((o) => o.kind).sort()).toEqual(['Allocation', 'Deployment', 'Reservation']);
    const running = statusOf(intent, 'Running');
    running.placements[0] = { ...running.placements[0]!, chosen: { candidate: 'pc-mid' } as never, contract: { name: 'contract-1', liqo_id: 'liqo-mid' }, remote_cluster_id: 'liqo-mid' };
    expect(doubtStatus(intent, 'text', running, live)).toBeUndefined();
    expect(doubtStatus(intent, undefined, undefined, [])).toBeUndefined();
    expect(doubtStatus(intent, 'text', statusOf(intent, 'Failed'), [])).toBeUndefined();
    // a status of an older spec (one placement per region then) is the state machine's to restart
    const older: IntentStatus = { ...statusOf(intent, 'Running'), placements: [{ solver: solverName(intent.id, 'EU'), location: 'EU', attempt: 1 }] };
    expect(doubtStatus(intent, 'text', older, live)).toBeUndefined();
  });

  it('doubts a missing file with live objects, an unparsable file, another intent\'s Solver, and a terminal phase with live objects', () => {
    expect(doubtStatus(intent, undefined, undefined, live)).toMatch(/missing/);
    expect(doubtStatus(intent, 'oops: [', undefined, [])).toMatch(/does not parse/);
    expect(doubtStatus(intent, 'text', statusOf(intent, 'Running', 'flare-team-a-api'), [])).toMatch(/Solver flare-team-a-api/);
    expect(doubtStatus(intent, 'text', statusOf(intent, 'Failed'), live)).toMatch(/says Failed .*Deployment web/);
    expect(doubtStatus(intent, 'text', statusOf(intent, 'Completed'), live)).toMatch(/says Completed/);
    // a flare-mode status behind the cluster: no choice, or no contract, for live objects of its attempt
    expect(doubtStatus(intent, 'text', statusOf(intent, 'Discovering'), live)).toMatch(/older than the cluster: Reservation flare-team-a-web-a1/);
    const s1 = statusOf(intent, 'Reserving');
    s1.placements[0]!.chosen = { candidate: 'pc-mid' } as never;
    expect(doubtStatus(intent, 'text', s1, live)).toMatch(/older than the cluster: Allocation flare-team-a-web-a1/);
    s1.placements[0]!.contract = { name: 'contract-1', liqo_id: 'liqo-mid' };
    expect(doubtStatus(intent, 'text', s1, live)).toBeUndefined();
    // after a failover the status is ahead of the cluster (attempt 2, nothing created yet): believed
    expect(doubtStatus(intent, 'text', { ...statusOf(intent, 'Reserving'), placements: [{ solver: solverName(intent.id), attempt: 2 }] }, live)).toBeUndefined();
    const edited = { ...statusOf(intent, 'Failed'), history: [{ time: T0.toISOString(), phase: 'Discovering' as const, message: 'discovering' }] };
    expect(doubtStatus(intent, 'text', edited, [])).toMatch(/history does not record it/);
  });
});

describe('rebuildStatus', () => {
  it('a rebuilt choice keeps the vendor of the offer bought, which names the GPU resource of the pods', () => {
    const intent = makeIntent('team-a', 'web');
    const world = runningWorld(intent, 1).map((o) => {
      if (o.kind !== 'PeeringCandidate' || o.metadata.name !== 'pc-mid') return o;
      const copy = structuredClone(o);
      copy.spec.flavor.spec.flavorType.typeData.characteristics.gpu.vendor = 'AMD';
      return copy;
    });
    const s = rebuildStatus({ intent, config, observed: indexObjects(world, me), now: T0, reason: 'status file missing' })!;
    expect(s.placements[0]!.chosen!.vendor).toBe('amd');
  });

  it('rebuilds the live placement (candidate, attempt, contract, remote cluster) and the state machine carries on to Running', () => {
    const intent = makeIntent('team-a', 'web');
    const world = runningWorld(intent, 2);
    const observed = indexObjects(world, me);
    const s = rebuildStatus({ intent, config, observed, now: T0, reason: 'status file missing' })!;
    expect(s.phase).toBe('Deploying');
    const p = s.placements[0]!;
    expect(p).toMatchObject({ solver: 'flare-team-a-web', attempt: 2, contract: { name: 'contract-1', liqo_id: 'liqo-mid' }, remote_cluster_id: 'liqo-mid' });
    expect(p.chosen).toMatchObject({ candidate: 'pc-mid', provider: 'p-mid', hourly_rate: 2, hourly_cost: 2 });
    expect(s.history.at(-1)!.message).toBe('status rebuilt from cluster: status file missing');
    const r = advance({ intent, status: s, observed, now: new Date(T0.getTime() + 1000), config, rank });
    expect(r.status.phase).toBe('Running');
    expect(r.status.placements[0]!.attempt).toBe(2);
    expect(r.status.placements[0]!.chosen!.candidate).toBe('pc-mid');
    expect(r.rediscover).toEqual([]);
  });

  it('never returns a terminal phase, and nothing when no placement is live', () => {
    const intent = makeIntent('team-a', 'web');
    const prev = statusOf(intent, 'Failed');
    const s = rebuildStatus({ intent, config, observed: indexObjects(runningWorld(intent), me), now: T0, reason: 'r', previous: prev })!;
    expect(['Failed', 'Completed']).not.toContain(s.phase);
    expect(s.history[0]).toEqual(prev.history[0]);
    const bare = [forIntent(solver(solverName(intent.id)), intent)];
    expect(rebuildStatus({ intent, config, observed: indexObjects(bare, me), now: T0, reason: 'r' })).toBeUndefined();
  });

  it('fluidos selection: the Reservation FLUIDOS made for this intent\'s Solver', () => {
    const intent = makeIntent('team-a', 'web', { selection: 'fluidos' });
    const sv = solverName(intent.id);
    const world: KubeObject[] = [
      forIntent(solver(sv), intent),
      peeringCandidate('pc-mid', [sv], { provider: 'p-mid', rate: 2 }),
      reservation('fluidos-res-1', sv, 'pc-mid', 'Solved', 'c-1'),
      contract('c-1', 'liqo-mid'),
      allocation('fluidos-alloc-1', 'c-1', 'Active'),
      virtualNode('liqo-mid-vk', 'liqo-mid', true),
      forIntent(deployment(intent, 1, 1), intent),
    ];
    const s = rebuildStatus({ intent, config, observed: indexObjects(world, me), now: T0, reason: 'r' })!;
    expect(s.selection).toBe('fluidos');
    expect(s.placements[0]).toMatchObject({ attempt: 1, reservation: { name: 'fluidos-res-1' }, contract: { name: 'c-1' }, remote_cluster_id: 'liqo-mid' });
    expect(s.placements[0]!.chosen!.candidate).toBe('pc-mid');
  });

  it('ignores objects of another repo with the same names', () => {
    const intent = makeIntent('team-a', 'web');
    const theirs = runningWorld(intent).map((o) => (o.metadata.labels?.['flare.io/repo'] ? stampIdentity(o, other) : o));
    const observed = indexObjects(theirs, me);
    expect(observed.solvers.size).toBe(0);
    expect(observed.workloads.size).toBe(0);
    expect(observed.candidates.size).toBe(2);
    expect(rebuildStatus({ intent, config, observed, now: T0, reason: 'r' })).toBeUndefined();
  });
});
