import { describe, expect, test } from 'vitest';
import path from 'node:path';
import { runFlare } from '../support/cli.js';
import { loadRepo } from '../../src/repo/load.js';
import { specHash } from '../../src/intent/spec-hash.js';
import type { IntentPlan, PlanRow } from '../../src/plan/plan.js';
import { makeRepo, statusYaml } from './fixture.js';

/*
 * Every expected value below is worked out by hand from the table in fixture.ts:
 * term = (max - v)/(max - min) for cost, latency, energy (watts/TFLOPS: premium 600 W, inference 120 W),
 * (v - min)/(max - min) for performance (FP32 × GPUs × workload score), 1 when all equal;
 * score = Σ wᵢ·termᵢ / Σ wᵢ.
 */

async function plan(dir: string, ...args: string[]): Promise<IntentPlan[]> {
  const r = await runFlare(['plan', '--federation', 'federation.yaml', '-o', 'json', ...args], dir);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { plans: IntentPlan[] }).plans;
}

const row = (p: IntentPlan, candidate: string): PlanRow => {
  const r = p.placements[0]!.offers.find((o) => o.candidate === candidate);
  if (!r) throw new Error(`no row ${candidate}`);
  return r;
};

describe('flare plan', () => {
  test('Performance_Maximization batch: training scores decide, lower cost breaks nothing, EU only', async () => {
    const dir = await makeRepo();
    const [p] = await plan(dir, 'team/train');
    expect(p!.objective).toBe('Performance_Maximization');
    expect(p!.weights).toEqual({ cost: 0.05, performance: 1, latency: 0.05, energy: 0 });
    const pl = p!.placements[0]!;
    // p-a h100: 60×2×0.9 = 108, p-b h100: 60×2×1 = 120 → perf 0 / 1; cost 8 vs 6 → 0 / 1; latency 20 vs 50 → 1 / 0; energy 10 = 10 → 1
    expect(row(p!, 'pc-k8slice-p-b-h100')).toMatchObject({ chosen: true, rank: 1, hourly_cost: 6, terms: { cost: 1, performance: 1, latency: 0, energy: 1 }, score: 0.9545 });
    // (0.05·0 + 1·0 + 0.05·1 + 0·1) / 1.1 = 0.04545
    expect(row(p!, 'pc-k8slice-p-a-h100')).toMatchObject({ chosen: false, rank: 2, hourly_cost: 8, terms: { cost: 0, performance: 0, latency: 1, energy: 1 }, score: 0.0455 });
    expect(row(p!, 'pc-k8slice-p-c-h100').rejected?.constraint).toBe('constraints.location');
    expect(row(p!, 'pc-k8slice-p-b-a100').rejected?.constraint).toBe('workload.resources.gpu.model');
    expect(row(p!, 'pc-k8slice-p-a-l4').rejected?.constraint).toBe('workload.resources.gpu.model');
    expect(pl.summary).toBe('2/5 offers fit: 2 gpu.model, 1 location');
    expect(pl.chosen).toBe('pc-k8slice-p-b-h100');
    expect(pl.change).toMatchObject({ kind: 'place', delta_hourly: 6, restart: true });
  });

  test('Cost_Minimization service: budget and location reject, inference scores weigh performance', async () => {
    const dir = await makeRepo();
    const [p] = await plan(dir, 'team-chat');
    expect(p!.weights).toEqual({ cost: 1, performance: 0.05, latency: 0.05, energy: 0 });
    const pl = p!.placements[0]!;
    // feasible: l4 (1 EUR, 24 perf, 20 ms, 4 W/TF), a100 (2, 16, 50, 30), h100 (3, 54, 50, 10)
    expect(row(p!, 'pc-k8slice-p-a-l4')).toMatchObject({ chosen: true, rank: 1, terms: { cost: 1, performance: 0.2105, latency: 1, energy: 1 }, score: 0.9641 });
    expect(row(p!, 'pc-k8slice-p-b-a100')).toMatchObject({ rank: 2, terms: { cost: 0.5, performance: 0, latency: 0, energy: 0 }, score: 0.4545 });
    expect(row(p!, 'pc-k8slice-p-b-h100')).toMatchObject({ rank: 3, terms: { cost: 0, performance: 1, latency: 0, energy: 0.7692 }, score: 0.0455 });
    expect(row(p!, 'pc-k8slice-p-a-h100').rejected).toMatchObject({ constraint: 'constraints.max_hourly_cost' });
    expect(row(p!, 'pc-k8slice-p-a-h100').rejected!.reason).toContain('4.00 EUR/h for 1 GPU > max 3.50 EUR/h');
    expect(row(p!, 'pc-k8slice-p-c-h100').rejected?.constraint).toBe('constraints.location');
    expect(pl.summary).toBe('3/5 offers fit: 1 location, 1 max_hourly_cost');
    expect(pl.offers.map((o) => o.candidate)).toEqual(['pc-k8slice-p-a-l4', 'pc-k8slice-p-b-a100', 'pc-k8slice-p-b-h100', 'pc-k8slice-p-a-h100', 'pc-k8slice-p-c-h100']);
  });

  test('Latency_Minimization: the cheaper of two 20 ms offers wins on its small cost and performance terms', async () => {
    const dir = await makeRepo();
    const [p] = await plan(dir, 'team-edge');
    expect(p!.weights).toEqual({ cost: 0.05, performance: 0.05, latency: 1, energy: 0 });
    // cost 1..4, perf 16..54, latency 20..50
    expect(row(p!, 'pc-k8slice-p-a-l4')).toMatchObject({ chosen: true, terms: { cost: 1, performance: 0.2105, latency: 1, energy: 1 }, score: 0.9641 });
    expect(row(p!, 'pc-k8slice-p-a-h100')).toMatchObject({ rank: 2, terms: { cost: 0, performance: 1, latency: 1, energy: 0.7692 }, score: 0.9545 });
    expect(row(p!, 'pc-k8slice-p-b-h100')).toMatchObject({ rank: 3, terms: { cost: 0.3333, performance: 1, latency: 0, energy: 0.7692 }, score: 0.0606 });
    expect(row(p!, 'pc-k8slice-p-b-a100')).toMatchObject({ rank: 4, terms: { cost: 0.6667, performance: 0, latency: 0, energy: 0 }, score: 0.0303 });
    expect(row(p!, 'pc-k8slice-p-c-h100').rejected).toEqual({ constraint: 'constraints.max_latency_ms', reason: 'latency 100 ms > max 60 ms' });
    expect(p!.placements[0]!.summary).toBe('4/5 offers fit: 1 max_latency_ms');
  });

  test('NoMatch: every offer rejected with its reason, relaxations listed; Balanced weights', async () => {
    const dir = await makeRepo();
    const [p] = await plan(dir, 'team-big');
    expect(p!.weights).toEqual({ cost: 0.4, performance: 0.3, latency: 0.2, energy: 0.1 });
    const pl = p!.placements[0]!;
    expect(pl.fit).toBe(0);
    expect(pl.chosen).toBeUndefined();
    expect(pl.offers.every((o) => !o.chosen && o.rejected !== undefined && o.terms === undefined)).toBe(true);
    // 2 × 3 = 6 > 5 and 2 × 4 = 8 > 5; p-c's 2 × 2.5 = 5 fits the budget but not EU
    expect(row(p!, 'pc-k8slice-p-b-h100').rejected).toEqual({ constraint: 'constraints.max_hourly_cost', reason: '6.00 EUR/h for 2 GPUs > max 5.00 EUR/h' });
    expect(row(p!, 'pc-k8slice-p-a-h100').rejected?.constraint).toBe('constraints.max_hourly_cost');
    expect(row(p!, 'pc-k8slice-p-c-h100').rejected?.constraint).toBe('constraints.location');
    expect(pl.summary).toBe('0/5 offers fit: 2 gpu.model, 2 max_hourly_cost, 1 location');
    expect(pl.suggestions.map((s) => s.change.path)).toContain('constraints.max_hourly_cost');
    expect(pl.change.kind).toBe('none');
  });

  test('versus the status: a changed spec moves (with the cost delta), an unchanged placed one stays', async () => {
    const base = await makeRepo();
    const model = await loadRepo(base);
    const edgeHash = specHash(model.intents.find((i) => i.id === 'team-edge')!, model.config);
    const dir = await makeRepo({
      chat: statusYaml('chat', 'Running', 'old-spec', { candidate: 'pc-k8slice-p-b-a100', provider: 'p-b', model: 'nvidia-a100', rate: 2, count: 1, region: 'eu-central-1' }),
      edge: statusYaml('edge', 'Running', edgeHash, { candidate: 'pc-k8slice-p-b-a100', provider: 'p-b', model: 'nvidia-a100', rate: 2, count: 1, region: 'eu-central-1' }),
    });
    const plans = await plan(dir, 'team-chat', 'team-edge');
    const chat = plans.find((p) => p.intent === 'team-chat')!;
    expect(chat.spec_changed).toBe(true);
    expect(chat.placements[0]!.change).toMatchObject({ kind: 'move', delta_hourly: -1, restart: true, from: { provider: 'p-b' }, to: { provider: 'p-a', hourly_cost: 1 } });
    expect(chat.placements[0]!.change.text).toBe('move from p-b to p-a (-1.00 EUR/h, workload restarts)');
    const edge = plans.find((p) => p.intent === 'team-edge')!;
    expect(edge.spec_changed).toBe(false);
    expect(edge.placements[0]!.change).toMatchObject({ kind: 'stay', delta_hourly: 0, restart: false });
    expect(edge.placements[0]!.change.text).toBe('stay on p-b (a fresh choice would be p-a, -1.00 EUR/h)');
  });

  test('text and markdown show the table with ✔, the summary and the rejection reasons; bad --output is a usage error', async () => {
    const dir = await makeRepo();
    const t = await runFlare(['plan', '--federation', 'federation.yaml', 'team-chat', 'team-big'], dir);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/team-chat: 1 GPU, Cost_Minimization \(weights cost 1, performance 0.05, latency 0.05, energy 0\)/);
    expect(t.stdout).toMatch(/✔\s+p-a\s+nvidia-l4\s+2×24Gi\s+eu-west-1\s+1\.00\s+20 ms\s+1\.00\s+0\.21\s+1\.00\s+1\.00\s+0\.96/);
    expect(t.stdout).toContain('0/5 offers fit: 2 gpu.model, 2 max_hourly_cost, 1 location');
    expect(t.stdout).toContain('suggestion: ');
    const m = await runFlare(['plan', '--federation', 'federation.yaml', 'team-chat', '--output', 'markdown'], dir);
    expect(m.stdout).toContain('### team-chat');
    expect(m.stdout).toMatch(/\| ✔ \| p-a \| nvidia-l4 \| 2×24Gi \|/);
    expect(m.stdout).toContain('constraints.max_hourly_cost: 4.00 EUR/h for 1 GPU > max 3.50 EUR/h');
    expect((await runFlare(['plan', '-o', 'xml'], dir)).code).toBe(2);
    expect((await runFlare(['plan', 'nope'], dir)).code).toBe(2);
  });
});

describe('flare plan --kubeconfig', () => {
  test("live: the cluster's Flavors give the same plan as the snapshot they came from", async () => {
    const { startSandbox } = await import('../../src/sandbox/index.js');
    const dir = await makeRepo();
    const sb = await startSandbox({ federation: path.join(dir, 'federation.yaml'), kubeconfigPath: path.join(dir, 'kubeconfig') });
    try {
      const live = await plan2(dir, ['--kubeconfig', 'kubeconfig', 'team-chat']);
      const offline = await plan(dir, 'team-chat');
      expect(live).toEqual(offline);
    } finally {
      await sb.close();
    }
  });
});

async function plan2(dir: string, args: string[]): Promise<IntentPlan[]> {
  const r = await runFlare(['plan', '-o', 'json', ...args], dir);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { plans: IntentPlan[] }).plans;
}

describe('planIntents with live offers', () => {
  test("an intent's own reserved GPUs are given back to it, not to the others", async () => {
    const { parseFederation } = await import('../../src/sandbox/index.js');
    const { federationFlavors } = await import('../../src/sandbox/federation/flavors.js');
    const { planIntents, candidatesFromFlavors } = await import('../../src/plan/plan.js');
    const { FEDERATION } = await import('./fixture.js');
    const status = statusYaml('chat', 'Running', 'old-spec', { candidate: 'pc-k8slice-p-b-a100', provider: 'p-b', model: 'nvidia-a100', rate: 2, count: 1, region: 'eu-central-1' }).replace(
      '      attempt: 1\n',
      '      attempt: 1\n      contract: {name: contract-flare-team-chat-a1, liqo_id: liqo-p-b}\n',
    );
    const dir = await makeRepo({ chat: status });
    const model = await loadRepo(dir);
    // the a100 node as the cluster shows it while chat holds it all: 0 GPUs left, unavailable
    const flavors = federationFlavors(parseFederation(FEDERATION)).map((f) =>
      f.metadata.name === 'k8slice-p-b-a100' ? { ...f, spec: { ...f.spec, availability: false, flavorType: { ...f.spec.flavorType, typeData: { ...f.spec.flavorType.typeData, characteristics: { ...f.spec.flavorType.typeData.characteristics, gpu: { ...f.spec.flavorType.typeData.characteristics.gpu, count: 0 } } } } } } : f,
    );
    const input = { intents: model.intents, config: model.config, tenants: model.tenants, statuses: model.statuses, candidates: candidatesFromFlavors(flavors) };
    const a100 = (plans: IntentPlan[], id: string) => plans.find((p) => p.intent === id)!.placements[0]!.offers.find((o) => o.candidate === 'pc-k8slice-p-b-a100')!;
    const live = planIntents({ ...input, live: true });
    expect(a100(live, 'team-chat')).toMatchObject({ feasible: true, count: 1 });
    expect(a100(live, 'team-edge').rejected?.constraint).toBe('placement.available');
    const snapshot = planIntents(input);
    expect(a100(snapshot, 'team-chat').rejected?.constraint).toBe('placement.available');
  });
});
