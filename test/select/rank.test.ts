import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ObjectiveWeights } from '../../src/config/model.js';
import type { Objective } from '../../src/intent/model.js';
import { rank, rankPlacements } from '../../src/select/rank.js';
import { explainDecision } from '../../src/select/explain.js';
import { config, gpu, intent, pc } from './helpers.js';

/**
 * Three feasible offers where cheapest, fastest, lowest-latency and most efficient differ:
 *   cheap: 0.65/h, 20 TFLOPS × 0.8, 60 ms, budget tier (200 W / 20 TF = 10 W/TF)
 *   fast:  2.80/h, 67 TFLOPS × 1.0, 30 ms, premium tier (600 W / 67 TF ≈ 8.96 W/TF)
 *   near:  1.50/h, 30 TFLOPS × 0.8,  5 ms, inference tier (120 W / 30 TF = 4 W/TF)
 */
const offers = {
  cheap: { rate: 0.65, tf: 20, score: 0.8, lat: 60, tier: 'budget', model: 'nvidia-rtx-4080' },
  fast: { rate: 2.8, tf: 67, score: 1, lat: 30, tier: 'premium', model: 'nvidia-h100' },
  near: { rate: 1.5, tf: 30, score: 0.8, lat: 5, tier: 'inference', model: 'nvidia-l4' },
} as const;
const WATTS: Record<string, number> = { budget: 200, premium: 600, inference: 120 };

function set() {
  return Object.entries(offers).map(([name, o]) =>
    pc(name, {
      gpu: gpu({ model: o.model, hourly_rate: o.rate, fp32_tflops: o.tf, training_score: o.score, network_latency_ms: o.lat, tier: o.tier, count: 1 }),
    }),
  );
}

/** The spec's scoring, written out independently: min-max per term, weighted, best first. */
function expectedWinner(w: ObjectiveWeights): string {
  const rows = Object.entries(offers).map(([name, o]) => ({ name, cost: o.rate, perf: o.tf * o.score, lat: o.lat, energy: WATTS[o.tier]! / o.tf }));
  const n = (v: number, vs: number[], higher: boolean): number => {
    const lo = Math.min(...vs);
    const hi = Math.max(...vs);
    return hi === lo ? 1 : higher ? (v - lo) / (hi - lo) : (hi - v) / (hi - lo);
  };
  const col = (k: 'cost' | 'perf' | 'lat' | 'energy'): number[] => rows.map((r) => r[k]);
  const scored = rows.map((r) => ({
    name: r.name,
    s:
      w.cost * n(r.cost, col('cost'), false) +
      w.performance * n(r.perf, col('perf'), true) +
      w.latency * n(r.lat, col('lat'), false) +
      w.energy * n(r.energy, col('energy'), false),
  }));
  scored.sort((a, b) => b.s - a.s);
  expect(scored[0]!.s).toBeGreaterThan(scored[1]!.s); // the fixture must not tie
  return scored[0]!.name;
}

function winner(objective: Objective, weights = DEFAULT_CONFIG.weights): string | undefined {
  return rank({ intent: intent({ objective }), config: config({ weights }), candidates: set() }).chosen?.candidate;
}

describe('rank: objectives', () => {
  it('Cost_Minimization picks the cheapest feasible offer', () => {
    expect(winner('Cost_Minimization')).toBe('cheap');
  });
  it('Performance_Maximization picks the fastest (FP32 × GPUs × workload score)', () => {
    expect(winner('Performance_Maximization')).toBe('fast');
  });
  it('Latency_Minimization picks the lowest latency', () => {
    expect(winner('Latency_Minimization')).toBe('near');
  });
  it('Energy_Efficiency picks the fewest watts per TFLOPS', () => {
    expect(winner('Energy_Efficiency')).toBe('near');
  });
  it('Balanced_Optimization follows its weights', () => {
    expect(winner('Balanced_Optimization')).toBe(expectedWinner(DEFAULT_CONFIG.weights.Balanced_Optimization));
  });
  it('configurable weights change the winner', () => {
    for (const w of [
      { cost: 0, performance: 1, latency: 0, energy: 0 },
      { cost: 1, performance: 0, latency: 0, energy: 0 },
      { cost: 0.2, performance: 0.2, latency: 1, energy: 0 },
      { cost: 0.5, performance: 0.6, latency: 0, energy: 0 },
    ]) {
      const weights = { ...DEFAULT_CONFIG.weights, Balanced_Optimization: w };
      expect(winner('Balanced_Optimization', weights)).toBe(expectedWinner(w));
    }
    const a = winner('Balanced_Optimization', { ...DEFAULT_CONFIG.weights, Balanced_Optimization: { cost: 1, performance: 0, latency: 0, energy: 0 } });
    const b = winner('Balanced_Optimization', { ...DEFAULT_CONFIG.weights, Balanced_Optimization: { cost: 0, performance: 1, latency: 0, energy: 0 } });
    expect(a).not.toBe(b);
  });

  it('service workloads weigh performance by the inference score', () => {
    // fast trains well but infers poorly; near is the better inference GPU.
    const cands = [
      pc('trainer', { gpu: gpu({ fp32_tflops: 60, training_score: 1, inference_score: 0.2 }) }),
      pc('server', { gpu: gpu({ fp32_tflops: 40, training_score: 0.5, inference_score: 1 }) }),
    ];
    const w = { ...DEFAULT_CONFIG.weights, Performance_Maximization: { cost: 0, performance: 1, latency: 0, energy: 0 } };
    expect(rank({ intent: intent({ objective: 'Performance_Maximization', type: 'batch' }), config: config({ weights: w }), candidates: cands }).chosen?.candidate).toBe('trainer');
    expect(rank({ intent: intent({ objective: 'Performance_Maximization', type: 'service' }), config: config({ weights: w }), candidates: cands }).chosen?.candidate).toBe('server');
  });

  it('falls back to the GPU catalog when the Flavor has no fp32 or scores', () => {
    const cands = [
      pc('h100', { gpu: gpu({ model: 'nvidia-h100', fp32_tflops: undefined, training_score: undefined, hourly_rate: 3 }) }),
      pc('a100', { gpu: gpu({ model: 'nvidia-a100', fp32_tflops: undefined, training_score: undefined, hourly_rate: 3 }) }),
    ];
    expect(rank({ intent: intent({ objective: 'Performance_Maximization' }), config: config(), candidates: cands }).chosen?.candidate).toBe('h100');
  });
});

describe('rank: decision contents', () => {
  it('chosen carries hourly_cost = rate × requested GPUs and the breakdown; runners-up best first', () => {
    const cands = [pc('a', { gpu: gpu({ hourly_rate: 1.25, count: 8 }) }), pc('b', { gpu: gpu({ hourly_rate: 2, count: 8 }) }), pc('c', { gpu: gpu({ hourly_rate: 3, count: 8 }) })];
    const d = rank({ intent: intent({ gpu: { count: 2 } }), config: config(), candidates: cands });
    expect(d.chosen).toMatchObject({ candidate: 'a', flavor: 'flavor-a', provider: 'provider-a', model: 'nvidia-a100', count: 8, hourly_rate: 1.25, hourly_cost: 2.5, region: 'eu-west-1' });
    expect(d.chosen!.breakdown.cost).toBe(1);
    expect(d.chosen!.owner).toEqual({ domain: 'a.fluidos.eu', nodeID: 'node-a', ip: '10.0.0.1' });
    expect(d.runners_up.map((r) => r.candidate)).toEqual(['b', 'c']);
    expect(d.runners_up[0]!.hourly_cost).toBe(4);
    expect(d.runners_up[0]!.score).toBeGreaterThan(d.runners_up[1]!.score);
    expect(d.suggestions).toEqual([]);
  });

  it('a single feasible candidate scores 1 on every term', () => {
    const d = rank({ intent: intent(), config: config(), candidates: [pc('only', { gpu: gpu() })] });
    expect(d.chosen!.breakdown).toEqual({ cost: 1, performance: 1, latency: 1, energy: 1 });
    expect(d.chosen!.score).toBe(1);
  });

  it('tie-break: score, then lower cost, then lower latency, then name; independent of input order', () => {
    const w = { ...DEFAULT_CONFIG.weights, Performance_Maximization: { cost: 0, performance: 1, latency: 0, energy: 0 } };
    const cands = [
      pc('z-same', { gpu: gpu({ hourly_rate: 2, network_latency_ms: 10 }) }),
      pc('a-same', { gpu: gpu({ hourly_rate: 2, network_latency_ms: 10 }) }),
      pc('m-near', { gpu: gpu({ hourly_rate: 2, network_latency_ms: 5 }) }),
      pc('q-cheap', { gpu: gpu({ hourly_rate: 1, network_latency_ms: 50 }) }),
    ];
    const expected = ['q-cheap', 'm-near', 'a-same', 'z-same'];
    for (const order of [cands, [...cands].reverse(), [cands[2]!, cands[0]!, cands[3]!, cands[1]!]]) {
      const d = rank({ intent: intent({ objective: 'Performance_Maximization' }), config: config({ weights: w }), candidates: order });
      expect([d.chosen!.candidate, ...d.runners_up.map((r) => r.candidate)]).toEqual(expected);
    }
  });

  it('contention: blocking the chosen candidate takes the next-ranked one', () => {
    const first = rank({ intent: intent(), config: config(), candidates: set() });
    const next = rank({ intent: intent(), config: config(), candidates: set(), blocked: [first.chosen!.candidate] });
    expect(next.chosen!.candidate).toBe(first.runners_up[0]!.candidate);
    const failover = rank({ intent: intent(), config: config(), candidates: set(), excludedProviders: ['provider-a'] });
    expect(failover.chosen).toBeUndefined();
    expect(failover.rejected.every((r) => r.constraint === 'placement.excluded_providers')).toBe(true);
  });

  it('rankPlacements ranks each region and counts earlier placements against the GPU quota', () => {
    const tenant = { name: 'team-a', file: 't.yaml', owners: [], quota: { gpus: 3 } };
    const i = intent({ gpu: { count: 2 }, constraints: { regions: ['EU', 'US-East'] } });
    const byLoc = {
      EU: [pc('eu', { gpu: gpu() }), pc('us-in-eu-list', { gpu: gpu({ region: 'us-east-1', zone: 'us-east-1a' }) })],
      'US-East': [pc('us', { gpu: gpu({ region: 'us-east-1', zone: 'us-east-1a' }) })],
    };
    const noQuota = rankPlacements({ intent: i, config: config() }, byLoc);
    expect(noQuota.EU!.chosen!.candidate).toBe('eu');
    expect(noQuota.EU!.rejected[0]).toMatchObject({ candidate: 'us-in-eu-list', constraint: 'constraints.regions' });
    expect(noQuota['US-East']!.chosen!.candidate).toBe('us');
    const quota = rankPlacements({ intent: i, config: config(), tenant }, byLoc);
    expect(quota.EU!.chosen!.candidate).toBe('eu');
    expect(quota['US-East']!.chosen).toBeUndefined();
    expect(quota['US-East']!.rejected[0]!.constraint).toBe('tenant.quota.gpus');
  });

  it('explainDecision lists the choice, runners-up, rejections and suggestions', () => {
    const cands = [...set(), pc('far', { gpu: gpu({ network_latency_ms: 45 }) })];
    const d = rank({ intent: intent({ constraints: { max_latency_ms: 40 } }), config: config(), candidates: cands });
    const lines = explainDecision(d);
    expect(lines[0]).toMatch(/^chosen near: nvidia-l4 ×1 \(40Gi\) from provider-a in eu-west-1\/eu-west-1a, 1\.50 EUR\/h, 5 ms, score /);
    expect(lines[1]).toMatch(/^ {2}breakdown: cost /);
    expect(lines.some((l) => l.startsWith('runner-up 1: fast'))).toBe(true);
    expect(lines).toContain('rejected cheap (nvidia-rtx-4080 from provider-a): constraints.max_latency_ms: latency 60 ms > max 40 ms');
    expect(lines).toContain('rejected far (nvidia-a100 from provider-a): constraints.max_latency_ms: latency 45 ms > max 40 ms');
  });
});
