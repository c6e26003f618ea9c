import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_FEDERATION_DOC } from '../../src/sandbox/federation/default.js';
import type { IntentStatus } from '../../src/status/model.js';
import { cycleUntil, phasesOf, serviceIntent, startWorld, TENANT, type World } from './harness.js';

/*
 * Issue 8 item 7 / issue 13 item 11: a NoMatch caused by the Solver's own filters explains itself.
 * The reconciler probes the federation without the relaxable filters and says, per offer, which
 * constraint rejected it, with concrete relaxations.
 */

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const OFFERS = DEFAULT_FEDERATION_DOC.providers.reduce((n, p) => n + p.nodes.length, 0);
const base = (intent: string) => ({ 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/web.yaml': intent });

async function statusOf(w: World): Promise<IntentStatus> {
  return parse((await w.read('status/team-a/web.yaml'))!).status as IntentStatus;
}

const explained = (x: { intents: { id: string; phase: string; message?: string }[] }, phase = 'NoMatch') =>
  phasesOf(x as never)['team-a-web'] === phase && /offers fit/.test(x.intents.find((i) => i.id === 'team-a-web')?.message ?? '');

describe('NoMatch explains itself (sandbox + git http-backend)', () => {
  it('filters of the Solver leave nothing: every offer gets its reason, the Solver message and a budget raise that works', async () => {
    // every H100 of the federation costs 2 EUR/h or more: the Solver's hourly_rate filter leaves no candidate
    const intent = (maxHourly: string) => serviceIntent('web', { model: 'nvidia-h100', maxHourly });
    world = await startWorld(base(intent('1 EUR')));
    const rec = await world.start();
    await cycleUntil(rec, (x) => explained(x), { timeoutMs: 20_000 });
    const s = await statusOf(world);
    const ex = (s as IntentStatus & { explanation?: { summary: string; solver_message?: string } }).explanation;
    expect(ex?.summary).toMatch(new RegExp(`^0/${OFFERS} offers fit: `));
    expect(ex?.summary).toMatch(/\d+ max_hourly_cost/);
    expect(ex?.summary).toMatch(/\d+ gpu\.model/);
    // the Solver's own words reach the status
    expect(ex?.solver_message).toBe('No PeeringCandidates found');
    expect(s.message).toContain('No PeeringCandidates found');
    // one reason per offer seen
    const rejected = s.placements[0]!.rejected ?? [];
    expect(rejected).toHaveLength(OFFERS);
    expect(new Set(rejected.map((r) => r.candidate)).size).toBe(OFFERS);
    const h100 = rejected.filter((r) => r.model === 'nvidia-h100');
    expect(h100.length).toBeGreaterThan(0);
    expect(h100.every((r) => r.constraint === 'constraints.max_hourly_cost' || r.constraint === 'constraints.location')).toBe(true);
    // a concrete relaxation naming the offer it admits
    const raise = s.suggestions?.find((x) => x.change.path === 'constraints.max_hourly_cost');
    expect(raise, JSON.stringify(s.suggestions)).toBeDefined();
    expect(raise!.alternative).toMatch(/^raise max_hourly_cost to 2\.00 EUR: .*nvidia-h100 at provider-ie/);
    expect(raise!.cost_difference).toBeTruthy();
    expect(raise!.performance_impact).toBeTruthy();
    // applying it places the intent, and the probe Solver goes away
    await world.push({ 'intents/team-a/web.yaml': intent(String(raise!.change.value)) }, 'raise the budget');
    await cycleUntil(rec, (x) => phasesOf(x)['team-a-web'] === 'Running');
    const after = await statusOf(world);
    expect(after.placements[0]!.chosen!.provider).toBe('provider-ie');
    const solvers = await world.cluster.list('nodecore.fluidos.eu/v1alpha1', 'Solver', { namespace: 'fluidos' });
    expect(solvers.map((x) => x.metadata.name)).toEqual(['flare-team-a-web']);
  });

  it('a request wrong in two ways gets a relaxation that changes both', async () => {
    // A100 x2 in US-East under 1 EUR/h: no offer fails only one constraint
    world = await startWorld(base(serviceIntent('web', { model: 'nvidia-a100', count: 2, location: 'US-East', maxHourly: '1 EUR' })));
    const rec = await world.start();
    await cycleUntil(rec, (x) => explained(x), { timeoutMs: 20_000 });
    const s = await statusOf(world);
    const pair = s.suggestions?.find((x) => {
      const paths = ((x as { changes?: { path: string }[] }).changes ?? []).map((c) => c.path).sort();
      return paths.join(',') === 'constraints.location,constraints.max_hourly_cost';
    });
    expect(pair, JSON.stringify(s.suggestions)).toBeDefined();
    expect(pair!.alternative).toMatch(/nvidia-a100/);
    expect(pair!.alternative).toMatch(/ and /);
  });

  it('a deadline already past still says why nothing fitted', async () => {
    world = await startWorld(base(serviceIntent('web', { model: 'nvidia-h100', maxHourly: '1 EUR', constraints: ['deadline: "2020-01-01T00:00:00Z"'] })));
    const rec = await world.start();
    await cycleUntil(rec, (x) => phasesOf(x)['team-a-web'] === 'Failed', { timeoutMs: 20_000 });
    const s = await statusOf(world);
    expect(s.message).toMatch(/DeadlineExceeded/);
    expect(s.message).toMatch(new RegExp(`0/${OFFERS} offers fit`));
    expect(s.suggestions?.some((x) => x.change.path === 'constraints.max_hourly_cost')).toBe(true);
    expect(s.placements[0]!.rejected ?? []).toHaveLength(OFFERS);
  });
});
