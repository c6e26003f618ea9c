import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type FlareConfig } from '../../src/config/model.js';
import type { KubeObject } from '../../src/k8s/object.js';
import { allocationName, reservationName, solverName } from '../../src/k8s/names.js';
import { indexObjects } from '../../src/reconcile/observe.js';
import { probeSolverName } from '../../src/render/probe.js';
import { renderWarningsByFile } from '../../src/reconcile/render-warnings.js';
import { advance } from '../../src/reconcile/state-machine.js';
import type { AdvanceArgs } from '../../src/reconcile/advance-context.js';
import { backoffSeconds } from '../../src/reconcile/schedule.js';
import { HISTORY_LIMIT } from '../../src/status/model.js';
import { rank } from '../../src/select/rank.js';
import type { RankInput } from '../../src/select/types.js';
import type { IntentStatus } from '../../src/status/model.js';
import type { Intent } from '../../src/intent/model.js';
import { allocation, contract, deployment, job, makeIntent, peeringCandidate, reservation, solver, virtualNode } from './fixtures.js';

const T0 = new Date('2030-01-01T00:00:00Z');
const at = (s: number): Date => new Date(T0.getTime() + s * 1000);
const config: FlareConfig = { ...DEFAULT_CONFIG, reconciler: { ...DEFAULT_CONFIG.reconciler, grace_period_seconds: 30, backoff_seconds: 10, max_backoff_seconds: 60 } };

function step(intent: Intent, status: IntentStatus | undefined, objects: KubeObject[], now: Date, extra: Partial<AdvanceArgs> = {}) {
  return advance({ intent, status, observed: indexObjects(objects), now, config, rank, ...extra });
}

/** Three offers for one solver: cheap (p-cheap), middle (p-mid), dear (p-dear). */
function offers(sv: string): KubeObject[] {
  return [
    peeringCandidate('pc-cheap', [sv], { provider: 'p-cheap', rate: 1 }),
    peeringCandidate('pc-mid', [sv], { provider: 'p-mid', rate: 2 }),
    peeringCandidate('pc-dear', [sv], { provider: 'p-dear', rate: 3 }),
  ];
}

/** Drives an intent through the happy path; returns the world and the Running status. */
function toRunning(intent: Intent) {
  const sv = solverName(intent.id);
  const world: KubeObject[] = [solver(sv), ...offers(sv)];
  let r = step(intent, undefined, world, at(0));
  const res = reservationName(intent.id, 1);
  world.push(reservation(res, sv, 'pc-cheap', 'Reserved', 'contract-1'), contract('contract-1', 'liqo-cheap'));
  r = step(intent, r.status, world, at(1));
  world.push(allocation(allocationName(intent.id, 1), 'contract-1', 'Active'), virtualNode('liqo-cheap-vk', 'liqo-cheap', true));
  r = step(intent, r.status, world, at(2));
  world.push(deployment(intent, 1, 1));
  r = step(intent, r.status, world, at(3));
  return { world, status: r.status, sv };
}

describe('advance: flare selection', () => {
  it('starts Pending without a Solver and records the intent', () => {
    const intent = makeIntent('team-a', 'web');
    const r = step(intent, undefined, [], T0);
    expect(r.changed).toBe(true);
    expect(r.status.phase).toBe('Pending');
    expect(r.status.placements).toEqual([{ solver: 'flare-team-a-web', attempt: 1 }]);
    expect(r.status.history.length).toBeGreaterThan(0);
    expect(r.status.spec_hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('waits while discovery runs, then chooses the cheapest candidate for Cost_Minimization', () => {
    const intent = makeIntent('team-a', 'web');
    const sv = solverName(intent.id);
    const r1 = step(intent, undefined, [solver(sv, 'Running'), ...offers(sv)], T0);
    expect(r1.status.phase).toBe('Discovering');
    expect(r1.status.placements[0]!.chosen).toBeUndefined();
    const r2 = step(intent, r1.status, [solver(sv), ...offers(sv)], at(1));
    expect(r2.status.phase).toBe('Reserving');
    expect(r2.status.placements[0]!.chosen?.provider).toBe('p-cheap');
    expect(r2.status.placements[0]!.runners_up?.map((x) => x.provider)).toEqual(['p-mid', 'p-dear']);
  });

  it('a cycle that observes nothing new changes nothing (no timestamps bumped)', () => {
    const intent = makeIntent('team-a', 'web');
    const sv = solverName(intent.id);
    const world = [solver(sv), ...offers(sv)];
    const r1 = step(intent, undefined, world, T0);
    const r2 = step(intent, r1.status, world, at(100));
    expect(r2.changed).toBe(false);
    expect(r2.status).toBe(r1.status);
    const { world: w, status } = toRunning(intent);
    const r3 = step(intent, status, w, at(500));
    expect(r3.changed).toBe(false);
  });

  it('walks Reserving → Allocating → Deploying → Running and starts the cost meter', () => {
    const intent = makeIntent('team-a', 'web');
    const sv = solverName(intent.id);
    const world: KubeObject[] = [solver(sv), ...offers(sv)];
    let r = step(intent, undefined, world, T0);
    world.push(reservation(reservationName(intent.id, 1), sv, 'pc-cheap', 'Reserved', 'contract-1'), contract('contract-1', 'liqo-cheap'));
    r = step(intent, r.status, world, at(1));
    expect(r.status.phase).toBe('Allocating');
    expect(r.status.placements[0]!.contract).toEqual({ name: 'contract-1', liqo_id: 'liqo-cheap' });
    world.push(allocation(allocationName(intent.id, 1), 'contract-1', 'Peering'), virtualNode('vk-cheap', 'liqo-cheap', true));
    r = step(intent, r.status, world, at(2));
    expect(r.status.phase).toBe('Allocating'); // allocation not Active yet
    world[world.length - 2] = allocation(allocationName(intent.id, 1), 'contract-1', 'Active');
    r = step(intent, r.status, world, at(3));
    expect(r.status.phase).toBe('Deploying');
    expect(r.status.placements[0]!.remote_cluster_id).toBe('liqo-cheap');
    world.push(deployment(intent, 2, 1));
    r = step(intent, r.status, world, at(4));
    expect(r.status.phase).toBe('Deploying');
    expect(r.status.workload).toEqual({ kind: 'Deployment', ready: false, replicas: 2, ready_replicas: 1 });
    world[world.length - 1] = deployment(intent, 2, 2);
    r = step(intent, r.status, world, at(5));
    expect(r.status.phase).toBe('Running');
    expect(r.status.cost?.hourly).toBe(1);
    const phases = r.status.history.map((h) => h.phase);
    expect(phases).toContain('Reserving');
    expect(phases).toContain('Allocating');
    expect(phases[phases.length - 1]).toBe('Running');
  });

  it('contention: a refused Reservation blocks the candidate and takes the next-ranked one', () => {
    const intent = makeIntent('team-a', 'web');
    const sv = solverName(intent.id);
    const world: KubeObject[] = [solver(sv), ...offers(sv)];
    let r = step(intent, undefined, world, T0);
    world.push(reservation(reservationName(intent.id, 1), sv, 'pc-cheap', 'Failed'));
    r = step(intent, r.status, world, at(1));
    const p = r.status.placements[0]!;
    expect(r.status.phase).toBe('Reserving');
    expect(p.blocked).toEqual(['pc-cheap']);
    expect(p.attempt).toBe(2);
    expect(p.chosen?.provider).toBe('p-mid');
    expect(p.reservation).toBeUndefined();
    expect(r.status.history.some((h) => h.message.includes('refused'))).toBe(true);
  });

  it('failover: a virtual node NotReady past the grace period excludes the provider and re-ranks', () => {
    const intent = makeIntent('team-a', 'web');
    const { world, status } = toRunning(intent);
    expect(status.phase).toBe('Running');
    const i = world.findIndex((o) => o.kind === 'Node');
    world[i] = virtualNode('liqo-cheap-vk', 'liqo-cheap', false);
    let r = step(intent, status, world, at(10));
    expect(r.status.phase).toBe('Running');
    expect(r.status.placements[0]!.virtual_node).toEqual({ name: 'liqo-cheap-vk', ready: false, not_ready_since: at(10).toISOString() });
    r = step(intent, r.status, world, at(20));
    expect(r.changed).toBe(false); // still inside the grace period
    r = step(intent, r.status, world, at(41));
    const p = r.status.placements[0]!;
    expect(p.excluded_providers).toEqual(['p-cheap']);
    expect(p.attempt).toBe(2);
    expect(p.chosen?.provider).toBe('p-mid');
    expect(p.remote_cluster_id).toBeUndefined();
    expect(p.contract).toBeUndefined();
    expect(r.status.phase).toBe('Reserving');
    expect(r.status.history.some((h) => h.message.includes('failing over'))).toBe(true);
    // the meter ran from deployment (t=2) to the failover (t=41) at 1 EUR/h
    expect(r.status.cost?.accrued).toBeCloseTo(39 / 3600, 3);
  });

  it('a virtual node that recovers within the grace period keeps the placement', () => {
    const intent = makeIntent('team-a', 'web');
    const { world, status } = toRunning(intent);
    const i = world.findIndex((o) => o.kind === 'Node');
    world[i] = virtualNode('liqo-cheap-vk', 'liqo-cheap', false);
    let r = step(intent, status, world, at(10));
    world[i] = virtualNode('liqo-cheap-vk', 'liqo-cheap', true);
    r = step(intent, r.status, world, at(20));
    expect(r.status.placements[0]!.virtual_node).toEqual({ name: 'liqo-cheap-vk', ready: true });
    expect(r.status.placements[0]!.attempt).toBe(1);
  });

  it('an allocation lost after Running fails over at once', () => {
    const intent = makeIntent('team-a', 'web');
    const { world, status } = toRunning(intent);
    const i = world.findIndex((o) => o.kind === 'Allocation');
    world[i] = allocation(allocationName(intent.id, 1), 'contract-1', 'Failed');
    const r = step(intent, status, world, at(10));
    expect(r.status.placements[0]!.excluded_providers).toEqual(['p-cheap']);
    expect(r.status.placements[0]!.chosen?.provider).toBe('p-mid');
  });
});

describe('advance: NoMatch, backoff and deadlines', () => {
  const tight = (deadline?: string) =>
    makeIntent('team-a', 'tight', { constraints: { preemptible: false, max_hourly_cost: 0.5, ...(deadline ? { deadline } : {}) } });

  it('NoMatch carries suggestions and schedules the retry with exponential backoff', () => {
    const intent = tight();
    const sv = solverName(intent.id);
    const world = [solver(sv), ...offers(sv)];
    let r = step(intent, undefined, world, T0);
    expect(r.status.phase).toBe('NoMatch');
    expect(r.status.suggestions?.length).toBeGreaterThan(0);
    expect(r.status.suggestions!.some((s) => s.change.path.includes('max_hourly_cost'))).toBe(true);
    expect(r.status.placements[0]!.rejected?.map((x) => x.constraint)).toContain('constraints.max_hourly_cost');
    expect(r.status.retries).toBe(0);
    expect(r.status.next_retry_at).toBe(at(10).toISOString());
    expect(r.rediscover).toEqual([]);
    const before = r.status;
    r = step(intent, before, world, at(5));
    expect(r.changed).toBe(false);
    r = step(intent, before, world, at(10));
    expect(r.status.retries).toBe(1);
    expect(r.status.next_retry_at).toBe(at(10 + 20).toISOString());
    expect(r.rediscover).toEqual([sv]);
    r = step(intent, r.status, world, at(30));
    expect(r.status.next_retry_at).toBe(at(30 + 40).toISOString());
    expect(backoffSeconds(config, 10)).toBe(60);
  });

  it('stays NoMatch (not Discovering) while a retried discovery runs', () => {
    const intent = tight();
    const sv = solverName(intent.id);
    let r = step(intent, undefined, [solver(sv), ...offers(sv)], T0);
    r = step(intent, r.status, [solver(sv, 'Running')], at(11));
    expect(r.status.phase).toBe('NoMatch');
    expect(r.status.suggestions?.length).toBeGreaterThan(0);
  });

  it('a NoMatch intent fails with DeadlineExceeded once its deadline passes', () => {
    const intent = tight(at(60).toISOString());
    const sv = solverName(intent.id);
    const world = [solver(sv), ...offers(sv)];
    let r = step(intent, undefined, world, T0);
    expect(r.status.phase).toBe('NoMatch');
    expect(r.status.warnings).toBeUndefined();
    r = step(intent, r.status, world, at(61));
    expect(r.status.phase).toBe('Failed');
    expect(r.status.message).toMatch(/^DeadlineExceeded/);
    // Failed is terminal
    expect(step(intent, r.status, world, at(5000)).changed).toBe(false);
  });

  it('a deadline already past when first seen is a warning: placed if something fits now', () => {
    const intent = makeIntent('team-a', 'late', { constraints: { preemptible: false, deadline: '2024-06-01T00:00:00Z' } });
    const sv = solverName(intent.id);
    const r = step(intent, undefined, [solver(sv), ...offers(sv)], T0);
    expect(r.status.phase).toBe('Reserving');
    expect(r.status.warnings?.[0]).toContain('2024-06-01');
  });

  it('a deadline already past when first seen fails once the probe has said why nothing fits', () => {
    const intent = tight('2024-06-01T00:00:00Z');
    const sv = solverName(intent.id);
    const probe = probeSolverName(sv);
    const r = step(intent, undefined, [solver(sv), ...offers(sv)], T0);
    // waits (bounded by the first retry time) for the probe Solver to answer
    expect(r.status.phase).toBe('NoMatch');
    const seen = [solver(sv), solver(probe), ...offers(sv), ...offers(probe).map((o) => ({ ...o, metadata: { ...o.metadata, name: `${o.metadata.name}-p` } }))];
    const r2 = step(intent, r.status, seen, at(1));
    expect(r2.status.phase).toBe('Failed');
    expect(r2.status.message).toMatch(/DeadlineExceeded.*0\/6 offers fit: 6 max_hourly_cost/);
    expect(r2.status.suggestions?.length).toBeGreaterThan(0);
    expect(r2.status.explanation?.summary).toBe('0/6 offers fit: 6 max_hourly_cost');
    // without a probe answer it still fails once the retry time is due
    const r3 = step(intent, r.status, [solver(sv), ...offers(sv)], at(600));
    expect(r3.status.phase).toBe('Failed');
    expect(r3.status.suggestions?.length).toBeGreaterThan(0);
  });

  it('a spec change restarts placement with a new attempt and rediscovery', () => {
    const intent = tight();
    const sv = solverName(intent.id);
    const world = [solver(sv), ...offers(sv)];
    const r1 = step(intent, undefined, world, T0);
    const relaxed = makeIntent('team-a', 'tight', { constraints: { preemptible: false, max_hourly_cost: 1.5 } });
    const r2 = step(relaxed, r1.status, world, at(1));
    expect(r2.status.spec_hash).not.toBe(r1.status.spec_hash);
    expect(r2.rediscover).toEqual([sv]);
    expect(r2.status.placements[0]!.attempt).toBe(2);
    // the old Solver's candidates answer the old spec: wait for the new discovery
    expect(r2.status.phase).toBe('Pending');
    expect(r2.status.suggestions).toBeUndefined();
    expect(r2.status.next_retry_at).toBeUndefined();
    const r3 = step(relaxed, r2.status, world, at(2));
    expect(r3.status.phase).toBe('Reserving');
    expect(r3.status.placements[0]!.chosen?.provider).toBe('p-cheap');
    expect(r3.status.placements[0]!.attempt).toBe(2);
  });
});

describe('advance: other shapes', () => {
  it('fluidos selection records the first match FLUIDOS reserved', () => {
    const intent = makeIntent('team-a', 'fl', { selection: 'fluidos' });
    const sv = solverName(intent.id);
    const world: KubeObject[] = [solver(sv, 'Running'), ...offers(sv)];
    let r = step(intent, undefined, world, T0);
    expect(r.status.phase).toBe('Discovering');
    expect(r.status.selection).toBe('fluidos');
    // FLUIDOS picked the dearest (first match), not the cheapest: FLARE only records it
    world.push(reservation('fluidos-res-xyz', sv, 'pc-dear', 'Solved', 'c-9'), contract('c-9', 'liqo-dear'));
    r = step(intent, r.status, world, at(1));
    expect(r.status.phase).toBe('Allocating');
    expect(r.status.placements[0]!.chosen?.provider).toBe('p-dear');
    expect(r.status.placements[0]!.reservation?.name).toBe('fluidos-res-xyz');
    world.push(allocation('fluidos-alloc', 'c-9', 'Active'), virtualNode('vk-dear', 'liqo-dear', true), deployment(intent, 1, 1));
    r = step(intent, r.status, world, at(2));
    expect(r.status.phase).toBe('Running');
    expect(r.status.placements[0]!.remote_cluster_id).toBe('liqo-dear');
    expect(r.status.placements[0]!.allocation).toEqual({ name: 'fluidos-alloc', status: 'Active' });
  });

  it('capacity-only intents are Running once the virtual node is Ready', () => {
    const intent = makeIntent('team-a', 'cap', {}, false);
    const sv = solverName(intent.id);
    const world: KubeObject[] = [solver(sv), ...offers(sv)];
    let r = step(intent, undefined, world, T0);
    world.push(
      reservation(reservationName(intent.id, 1), sv, 'pc-cheap', 'Reserved', 'k1'),
      contract('k1', 'liqo-1'),
      allocation(allocationName(intent.id, 1), 'k1', 'Active'),
      virtualNode('vk1', 'liqo-1', true),
    );
    r = step(intent, r.status, world, at(1));
    r = step(intent, r.status, world, at(2));
    expect(r.status.phase).toBe('Running');
    expect(r.status.workload).toBeUndefined();
  });

  it('batch intents end Completed (terminal) or Failed', () => {
    const base = makeIntent('team-a', 'train');
    const intent: Intent = { ...base, spec: { ...base.spec, workload: { ...base.spec.workload!, type: 'batch', batch: { parallel_tasks: 1, max_retries: 3, completion_policy: 'All' } } } };
    const sv = solverName(intent.id);
    const world: KubeObject[] = [
      solver(sv),
      ...offers(sv),
      reservation(reservationName(intent.id, 1), sv, 'pc-cheap', 'Reserved', 'k1'),
      contract('k1', 'liqo-1'),
      allocation(allocationName(intent.id, 1), 'k1', 'Active'),
      virtualNode('vk1', 'liqo-1', true),
    ];
    let r = step(intent, undefined, world, T0);
    r = step(intent, r.status, world, at(1));
    r = step(intent, r.status, world, at(2));
    expect(r.status.phase).toBe('Deploying');
    const running = r.status;
    r = step(intent, running, [...world, job(intent, 'complete')], at(3));
    expect(r.status.phase).toBe('Completed');
    expect(r.status.workload).toEqual({ kind: 'Job', ready: true, succeeded: 1, failed: 0 });
    expect(step(intent, r.status, [], at(100)).changed).toBe(false);
    r = step(intent, running, [...world, job(intent, 'failed')], at(3));
    expect(r.status.phase).toBe('Failed');
  });

  it('multi-region intents get one placement and one ranking per region', () => {
    const intent = makeIntent('team-a', 'multi', { constraints: { preemptible: false, regions: ['EU', 'US'] } });
    const eu = solverName(intent.id, 'EU');
    const us = solverName(intent.id, 'US');
    const seen: RankInput[] = [];
    const spy = (i: RankInput) => {
      seen.push(i);
      return rank(i);
    };
    const world = [
      solver(eu),
      solver(us),
      peeringCandidate('pc-eu', [eu], { provider: 'p-eu', rate: 2, region: 'eu-west-1' }),
      peeringCandidate('pc-us', [us], { provider: 'p-us', rate: 1, region: 'us-east-1' }),
      peeringCandidate('pc-us-in-eu-solver', [eu], { provider: 'p-us2', rate: 0.1, region: 'us-east-2' }),
    ];
    const r = step(intent, undefined, world, T0, { rank: spy });
    expect(r.status.placements.map((p) => [p.location, p.solver, p.chosen?.provider])).toEqual([
      ['EU', eu, 'p-eu'],
      ['US', us, 'p-us'],
    ]);
    expect(seen.map((s) => s.location)).toEqual(['EU', 'US']);
    // the second placement's quota re-check counts the first one's choice
    expect(seen[1]!.tenantUsage).toEqual({ gpus: 1, hourly_cost: 2 });
  });

  it('keeps history bounded', () => {
    const intent = makeIntent('team-a', 'web');
    const sv = solverName(intent.id);
    let status: IntentStatus | undefined;
    for (let i = 0; i < 40; i++) {
      status = step(intent, status, [], at(i * 2)).status;
      status = step(intent, status, [solver(sv, 'Running')], at(i * 2 + 1)).status;
    }
    expect(status!.history.length).toBe(HISTORY_LIMIT);
  });
});

describe('advance: renderer warnings reach the status', () => {
  it('carries the warnings the renderer gave for the intent, and drops them once gone', () => {
    const intent = makeIntent('team-a', 'warned');
    const sv = solverName(intent.id);
    const warnings = renderWarningsByFile([
      { severity: 'warning', file: intent.file, line: 0, column: 0, path: 'workload.resources.gpu.count', code: 'gpu-overcommit', message: '3 pods at 1 GPU each need more than the 1 GPU(s) reserved per placement' },
      { severity: 'warning', file: intent.file, line: 0, column: 0, path: '', code: 'stale-status', message: 'ignored: the reconciler is placing it again' },
      { severity: 'error', file: intent.file, line: 0, column: 0, path: '', code: 'x', message: 'not a warning' },
    ]);
    const r = step(intent, undefined, [solver(sv), ...offers(sv)], T0, { renderWarnings: warnings.get(intent.file)! });
    expect(r.status.warnings).toEqual(['render: gpu-overcommit: 3 pods at 1 GPU each need more than the 1 GPU(s) reserved per placement']);
    const again = step(intent, r.status, [solver(sv), ...offers(sv)], at(1), { renderWarnings: warnings.get(intent.file)! });
    expect(again.status.warnings).toHaveLength(1);
    const gone = step(intent, r.status, [solver(sv), ...offers(sv)], at(2));
    expect(gone.status.warnings).toBeUndefined();
  });
});
