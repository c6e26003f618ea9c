import { describe, expect, it } from 'vitest';
import type { Intent } from '../../src/intent/model.js';
import type { KubeObject } from '../../src/k8s/object.js';
import { applyChange, applySuggestion } from '../../src/select/apply-change.js';
import { rank } from '../../src/select/rank.js';
import type { Decision } from '../../src/select/types.js';
import { config, gpu, intent, pc } from './helpers.js';

/** Every suggestion, applied to the intent, must make rank choose a candidate among those seen. */
function expectEachSuggestionWorks(i: Intent, candidates: KubeObject[], d: Decision): void {
  expect(d.chosen).toBeUndefined();
  expect(d.suggestions.length).toBeGreaterThan(0);
  for (const s of d.suggestions) {
    const changed = applySuggestion(i, s);
    const again = rank({ intent: changed, config: config(), candidates });
    expect(again.chosen, `${s.alternative} → ${JSON.stringify(s.change)}`).toBeDefined();
  }
}

describe('NoMatch suggestions', () => {
  it('raise max_hourly_cost: one suggestion per threshold, counting every candidate it admits', () => {
    const i = intent({ gpu: { model: 'nvidia-h200', count: 2 }, constraints: { max_hourly_cost: 5 } });
    const cands = [pc('h200-a', { gpu: gpu({ model: 'nvidia-h200', hourly_rate: 3.2 }) }), pc('h200-b', { gpu: gpu({ model: 'nvidia-h200', hourly_rate: 2.9 }) })];
    const d = rank({ intent: i, config: config(), candidates: cands });
    expect(d.suggestions.map((s) => s.change)).toEqual([
      { path: 'constraints.max_hourly_cost', value: '5.80 EUR' },
      { path: 'constraints.max_hourly_cost', value: '6.40 EUR' },
    ]);
    expect(d.suggestions[0]!.alternative).toBe('raise max_hourly_cost to 5.80 EUR: nvidia-h200 at provider-a in eu-west-1, 5.80 EUR/h (1 candidate)');
    expect(d.suggestions[1]!.alternative).toBe('raise max_hourly_cost to 6.40 EUR: nvidia-h200 at provider-a in eu-west-1, 5.80 EUR/h (2 candidates)');
    expect(d.suggestions[0]!.cost_difference).toBe('+16% over max_hourly_cost (5.80 EUR/h vs 5.00 EUR/h)');
    expectEachSuggestionWorks(i, cands, d);
    // Applying the larger raise admits both.
    const both = rank({ intent: applyChange(i, d.suggestions[1]!.change), config: config(), candidates: cands });
    expect(both.runners_up).toHaveLength(1);
  });

  it('model change reports cost and performance against the requested model', () => {
    const i = intent({ gpu: { model: 'nvidia-h200' }, constraints: { max_hourly_cost: 3.5 } });
    const cands = [
      pc('h200', { gpu: gpu({ model: 'nvidia-h200', hourly_rate: 4, fp32_tflops: 67, training_score: 1 }) }),
      pc('h100', { gpu: gpu({ model: 'nvidia-h100', hourly_rate: 3.4, fp32_tflops: 67, training_score: 0.9 }) }),
    ];
    const d = rank({ intent: i, config: config(), candidates: cands });
    const m = d.suggestions.find((s) => s.change.path === 'workload.resources.gpu.model');
    expect(m).toBeDefined();
    expect(m!.change.value).toBe('nvidia-h100');
    expect(m!.alternative).toMatch(/^nvidia-h100 instead of nvidia-h200: nvidia-h100 at provider-a .*\(1 candidate\)$/);
    expect(m!.cost_difference).toBe('-15% cost (3.40 EUR/h vs 4.00 EUR/h for nvidia-h200)');
    expect(m!.performance_impact).toMatch(/^-10% per-GPU throughput/);
    expectEachSuggestionWorks(i, cands, d);
  });

  it('covers latency, location, preemptible, count, memory, tier and providers with values the schema accepts', () => {
    const i = intent({
      gpu: { model: 'nvidia-a100', count: 4, memory_min: '80Gi', tier: 'premium' },
      constraints: { location: 'EU', max_latency_ms: 20, providers: ['provider-a'] },
    });
    const ok = { memory: '80Gi', network_latency_ms: 10 };
    const cands = [
      pc('far', { gpu: gpu({ ...ok, network_latency_ms: 45 }) }),
      pc('us', { gpu: gpu({ ...ok, region: 'us-east-1', zone: 'us-east-1a' }) }),
      pc('spot', { gpu: gpu({ ...ok, pre_emptible: true }) }),
      pc('two', { gpu: gpu({ ...ok, count: 2 }) }),
      pc('small', { gpu: gpu({ ...ok, memory: '40Gi' }) }),
      pc('std', { gpu: gpu({ ...ok, tier: 'standard' }) }),
      pc('other', { gpu: gpu({ ...ok, provider: 'provider-b' }) }),
      pc('nogpu', { gpu: null }),
      pc('twice', { gpu: gpu({ ...ok, network_latency_ms: 45, region: 'us-east-1', zone: 'us-east-1a' }) }),
    ];
    const d = rank({ intent: i, config: config(), candidates: cands });
    expect(d.suggestions.length).toBe(5);
    // All relaxations exist before the cap; check each one directly.
    const all = new Map<string, unknown>();
    for (const n of [1, 2, 3, 4, 5, 6, 7]) {
      const only = rank({ intent: i, config: config(), candidates: [cands[n - 1]!] });
      for (const s of only.suggestions) all.set(s.change.path, s.change.value);
    }
    expect(Object.fromEntries(all)).toEqual({
      'constraints.max_latency_ms': 45,
      'constraints.location': 'US-East',
      'constraints.preemptible': true,
      'workload.resources.gpu.count': 2,
      'workload.resources.gpu.memory_min': '40Gi',
      'workload.resources.gpu.tier': 'any',
      'constraints.providers': ['provider-a', 'provider-b'],
    });
    // No GPU at all: nothing to suggest. Two failures (latency and location): one change of both.
    expect(rank({ intent: i, config: config(), candidates: [cands[7]!] }).suggestions).toEqual([]);
    const two = rank({ intent: i, config: config(), candidates: [cands[7]!, cands[8]!] });
    expect(two.suggestions.map((s) => s.changes)).toEqual([
      [
        { path: 'constraints.location', value: 'US-East' },
        { path: 'constraints.max_latency_ms', value: 45 },
      ],
    ]);
    expect(two.suggestions[0]!.alternative).toBe('widen location to US-East and raise max_latency_ms to 45: nvidia-a100 at provider-a in us-east-1, 14.00 EUR/h');
    expectEachSuggestionWorks(i, [cands[8]!], two);
    expectEachSuggestionWorks(i, cands, d);
    // Ordered by least impact: the cap keeps the smaller changes, no duplicates.
    const keys = d.suggestions.map((s) => `${s.change.path}=${JSON.stringify(s.change.value)}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('multi-region placements suggest a replacement entry of constraints.regions', () => {
    const i = intent({ constraints: { regions: ['EU', 'Japan'] } });
    const d = rank({ intent: i, config: config(), location: 'Japan', candidates: [pc('sg', { gpu: gpu({ region: 'ap-southeast-1', zone: 'ap-southeast-1a' }) })] });
    expect(d.suggestions[0]!.change).toEqual({ path: 'constraints.regions', value: ['EU', 'Singapore'] });
    const changed = applyChange(i, d.suggestions[0]!.change);
    expect(rank({ intent: changed, config: config(), location: 'Singapore', candidates: [pc('sg', { gpu: gpu({ region: 'ap-southeast-1', zone: 'ap-southeast-1a' }) })] }).chosen?.candidate).toBe('sg');
  });

  it('max_total_cost suggestions scale by the runtime', () => {
    const i = intent({ timeout: 2 * 3600, constraints: { max_total_cost: 4 } });
    const cands = [pc('a', { gpu: gpu({ hourly_rate: 3.5 }) })];
    const d = rank({ intent: i, config: config(), candidates: cands });
    expect(d.suggestions[0]!.change).toEqual({ path: 'constraints.max_total_cost', value: '7.00 EUR' });
    expectEachSuggestionWorks(i, cands, d);
  });

  it('no suggestions while something is feasible, nor for blocked or quota rejections', () => {
    const cands = [pc('a', { gpu: gpu() })];
    expect(rank({ intent: intent(), config: config(), candidates: cands, blocked: ['a'] }).suggestions).toEqual([]);
    const tenant = { name: 't', file: 't.yaml', owners: [], quota: { gpus: 0 } };
    expect(rank({ intent: intent(), config: config(), candidates: cands, tenant }).suggestions).toEqual([]);
  });

  it('applyChange refuses paths it does not know and values of the wrong type', () => {
    expect(() => applyChange(intent(), { path: 'workload.image', value: 'x' })).toThrow(/cannot apply/);
    expect(() => applyChange(intent(), { path: 'constraints.max_hourly_cost', value: 'lots' })).toThrow(/money/);
    const i = intent({ gpu: { tier: 'premium' } });
    const j = applyChange(i, { path: 'workload.resources.gpu.tier', value: 'any' });
    expect(j.spec.resources.gpu.tier).toBeUndefined();
    expect(i.spec.resources.gpu.tier).toBe('premium');
  });
});
