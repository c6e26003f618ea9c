import { describe, expect, it } from 'vitest';
import { rank } from '../../src/select/rank.js';
import { offerFromCandidate } from '../../src/select/offer.js';
import type { RankInput } from '../../src/select/types.js';
import type { Tenant } from '../../src/config/model.js';
import { config, gpu, intent, pc, type IntentOptions } from './helpers.js';

/** Ranks `ok` and `bad` under the intent; `ok` must be chosen and `bad` rejected on `path`. */
function expectRejected(opts: IntentOptions, ok: ReturnType<typeof pc>, bad: ReturnType<typeof pc>, path: string, extra: Partial<RankInput> = {}): string {
  const d = rank({ intent: intent(opts), config: config(), candidates: [ok, bad], ...extra });
  expect(d.chosen?.candidate).toBe(ok.metadata.name);
  expect(d.rejected).toHaveLength(1);
  expect(d.rejected[0]!.candidate).toBe(bad.metadata.name);
  expect(d.rejected[0]!.constraint).toBe(path);
  return d.rejected[0]!.reason;
}

const G = 'workload.resources.gpu';

describe('consumer-side feasibility', () => {
  it('rejects a Flavor without GPU traits (upstream lets it through every gpuFilter)', () => {
    expectRejected({}, pc('ok', { gpu: gpu() }), pc('nogpu', { gpu: null }), G);
    expectRejected({ gpu: { model: 'nvidia-a100' } }, pc('ok', { gpu: gpu() }), pc('empty', { gpu: {} }), G);
  });

  it('model (unless any)', () => {
    const reason = expectRejected({ gpu: { model: 'nvidia-a100' } }, pc('ok', { gpu: gpu() }), pc('h100', { gpu: gpu({ model: 'nvidia-h100' }) }), `${G}.model`);
    expect(reason).toContain('nvidia-h100');
    const any = rank({ intent: intent({ gpu: {} }), config: config(), candidates: [pc('a', { gpu: gpu() }), pc('b', { gpu: gpu({ model: 'nvidia-h100' }) })] });
    expect(any.rejected).toEqual([]);
  });

  it('count: offer must have at least the requested GPUs (counts written as strings too)', () => {
    const reason = expectRejected({ gpu: { count: 4 } }, pc('ok', { gpu: gpu({ count: '4' }) }), pc('two', { gpu: gpu({ count: '2' }) }), `${G}.count`);
    expect(reason).toBe('2 GPUs < requested 4');
  });

  it('memory_min and memory_max compare quantities', () => {
    const r = expectRejected({ gpu: { memory_min: '40Gi' } }, pc('ok', { gpu: gpu({ memory: '80Gi' }) }), pc('small', { gpu: gpu({ memory: '24Gi' }) }), `${G}.memory_min`);
    expect(r).toBe('GPU memory 24Gi < min 40Gi');
    expectRejected({ gpu: { memory_max: '48Gi' } }, pc('ok', { gpu: gpu({ memory: '40Gi' }) }), pc('big', { gpu: gpu({ memory: '80Gi' }) }), `${G}.memory_max`);
  });

  it('cores_min / cores_max', () => {
    expectRejected({ gpu: { cores_min: 10000 } }, pc('ok', { gpu: gpu({ cores: '16896' }) }), pc('few', { gpu: gpu({ cores: '6912' }) }), `${G}.cores_min`);
    expectRejected({ gpu: { cores_max: 10000 } }, pc('ok', { gpu: gpu({ cores: '6912' }) }), pc('many', { gpu: gpu({ cores: '16896' }) }), `${G}.cores_max`);
  });

  it('clock_speed_min (G = GHz)', () => {
    expectRejected({ gpu: { clock_speed_min: '1.5G' } }, pc('ok', { gpu: gpu({ clock_speed: '1.98G' }) }), pc('slow', { gpu: gpu({ clock_speed: '1.41G' }) }), `${G}.clock_speed_min`);
  });

  it('compute_capability, architecture, tier, interconnect, topology', () => {
    expectRejected({ gpu: { compute_capability: '9.0' } }, pc('ok', { gpu: gpu({ compute_capability: '9.0' }) }), pc('x', { gpu: gpu() }), `${G}.compute_capability`);
    expectRejected({ gpu: { architecture: 'hopper' } }, pc('ok', { gpu: gpu({ architecture: 'hopper' }) }), pc('x', { gpu: gpu() }), `${G}.architecture`);
    expectRejected({ gpu: { tier: 'gaming' } }, pc('ok', { gpu: gpu({ tier: 'gaming' }) }), pc('x', { gpu: gpu() }), `${G}.tier`);
    expectRejected({ gpu: { interconnect: 'pcie' } }, pc('ok', { gpu: gpu({ interconnect: 'pcie' }) }), pc('x', { gpu: gpu() }), `${G}.interconnect`);
    expectRejected({ gpu: { topology: 'ring' } }, pc('ok', { gpu: gpu({ topology: 'ring' }) }), pc('x', { gpu: gpu() }), `${G}.topology`);
  });

  it('fp32_tflops minimum, with the GPU catalog when the Flavor omits it', () => {
    expectRejected({ gpu: { fp32_tflops: 50 } }, pc('ok', { gpu: gpu({ fp32_tflops: 67 }) }), pc('slow', { gpu: gpu({ fp32_tflops: 19.5 }) }), `${G}.fp32_tflops`);
    // No fp32 on the Flavor: nvidia-h100 is 67 in the catalog, nvidia-a100 19.5.
    expectRejected(
      { gpu: { fp32_tflops: 50 } },
      pc('h100', { gpu: gpu({ model: 'nvidia-h100', fp32_tflops: undefined }) }),
      pc('a100', { gpu: gpu({ fp32_tflops: undefined }) }),
      `${G}.fp32_tflops`,
    );
  });

  it('multi_gpu_efficiency: the fork writes a string, parsed before comparing', () => {
    expect(offerFromCandidate(pc('x', { gpu: gpu({ multi_gpu_efficiency: '0.85' }) })).multi_gpu_efficiency).toBe(0.85);
    const r = expectRejected(
      { gpu: { multi_gpu_efficiency: 0.9 } },
      pc('ok', { gpu: gpu({ multi_gpu_efficiency: '0.95' }) }),
      pc('low', { gpu: gpu({ multi_gpu_efficiency: '0.85' }) }),
      `${G}.multi_gpu_efficiency`,
    );
    expect(r).toContain('0.85 < min 0.9');
  });

  it('requested booleans: a false boolean is absent on the Flavor and fails; unrequested booleans never constrain', () => {
    for (const flag of ['shared', 'interruptible', 'multi_instance', 'dedicated'] as const) {
      // The fork drops false booleans from the Flavor: `bad` has no such field at all.
      expectRejected({ gpu: { [flag]: true } }, pc('ok', { gpu: gpu({ [flag]: true }) }), pc('bad', { gpu: gpu() }), `${G}.${flag}`);
      // "true" as a string (annotation spelling) counts as true.
      expectRejected({ gpu: { [flag]: true } }, pc('ok', { gpu: gpu({ [flag]: 'true' }) }), pc('bad', { gpu: gpu({ [flag]: false }) }), `${G}.${flag}`);
    }
    const d = rank({ intent: intent(), config: config(), candidates: [pc('a', { gpu: gpu({ shared: true }) }), pc('b', { gpu: gpu() })] });
    expect(d.rejected).toEqual([]);
  });

  it('flavor cpu and memory vs the requested resources', () => {
    expectRejected({ cpu: '32' }, pc('ok', { gpu: gpu(), cpu: '64' }), pc('small', { gpu: gpu(), cpu: '16' }), 'workload.resources.cpu');
    expectRejected({ memory: '128Gi' }, pc('ok', { gpu: gpu(), memory: '256Gi' }), pc('small', { gpu: gpu(), memory: '64Gi' }), 'workload.resources.memory');
  });

  it('location through the catalog (anchored patterns), literal regions, and a multi-region placement', () => {
    const r = expectRejected({ constraints: { location: 'EU' } }, pc('ok', { gpu: gpu({ region: 'eu-central-1' }) }), pc('us', { gpu: gpu({ region: 'us-east-1' }) }), 'constraints.location');
    expect(r).toBe('region us-east-1 not in EU');
    // Anchored: "eu-*" must not match "xeu-west-1".
    expectRejected({ constraints: { location: 'EU' } }, pc('ok', { gpu: gpu() }), pc('x', { gpu: gpu({ region: 'xeu-west-1' }) }), 'constraints.location');
    // Not in the catalog → literal region name.
    expectRejected({ constraints: { location: 'eu-west-1' } }, pc('ok', { gpu: gpu() }), pc('x', { gpu: gpu({ region: 'eu-west-2', zone: 'eu-west-2a' }) }), 'constraints.location');
    // Multi-region: input.location wins over constraints.location and the path names regions.
    expectRejected(
      { constraints: { regions: ['EU', 'US-East'] } },
      pc('ok', { gpu: gpu({ region: 'us-east-1', zone: 'us-east-1a' }) }),
      pc('x', { gpu: gpu() }),
      'constraints.regions',
      { location: 'US-East' },
    );
  });

  it('reads the region even when the fork swapped region and zone', () => {
    const o = offerFromCandidate(pc('x', { gpu: gpu({ region: 'eu-west-1a', zone: 'eu-west-1' }) }));
    expect(o.region).toBe('eu-west-1');
    expect(o.zone).toBe('eu-west-1a');
  });

  it('availability_zone', () => {
    expectRejected({ constraints: { availability_zone: 'eu-west-1b' } }, pc('ok', { gpu: gpu({ zone: 'eu-west-1b' }) }), pc('x', { gpu: gpu() }), 'constraints.availability_zone');
  });

  it('hourly cost of the requested partition: rate × requested GPUs ≤ max_hourly_cost', () => {
    // 2 GPUs requested: 2 × 2.40 = 4.80 ≤ 5; 2 × 3.50 = 7.00 > 5 (the offer's 4 GPUs do not count).
    const r = expectRejected(
      { gpu: { count: 2 }, constraints: { max_hourly_cost: 5 } },
      pc('ok', { gpu: gpu({ hourly_rate: 2.4 }) }),
      pc('dear', { gpu: gpu({ hourly_rate: '3.5' }) }),
      'constraints.max_hourly_cost',
    );
    expect(r).toBe('7.00 EUR/h for 2 GPUs > max 5.00 EUR/h');
  });

  it('a multi-region budget is shared equally by the placements', () => {
    // 3 regions, 9 EUR/h for the whole workload → 3 EUR/h per placement: 1 × 2.90 fits, 1 × 3.50 does not.
    const r = expectRejected(
      { gpu: { count: 1 }, constraints: { regions: ['EU', 'US-East', 'Asia-Pacific'], max_hourly_cost: 9 } },
      pc('ok', { gpu: gpu({ hourly_rate: 2.9 }) }),
      pc('dear', { gpu: gpu({ hourly_rate: 3.5 }) }),
      'constraints.max_hourly_cost',
      { location: 'EU' },
    );
    expect(r).toBe('3.50 EUR/h for 1 GPU > max 3.00 EUR/h (max_hourly_cost 9.00 EUR, shared by 3 placements)');
    // The NoMatch suggestion raises the whole budget so that the share fits: 3 × 3.50.
    const d = rank({
      intent: intent({ gpu: { count: 1 }, constraints: { regions: ['EU', 'US-East', 'Asia-Pacific'], max_hourly_cost: 9 } }),
      config: config(),
      candidates: [pc('dear', { gpu: gpu({ hourly_rate: 3.5 }) })],
      location: 'EU',
    });
    expect(d.chosen).toBeUndefined();
    expect(d.suggestions[0]?.change).toEqual({ path: 'constraints.max_hourly_cost', value: '10.50 EUR' });
  });

  it('max_total_cost over the batch timeout bounds the hourly rate', () => {
    // 20 EUR over a 4 h timeout → 5 EUR/h.
    expectRejected(
      { timeout: 4 * 3600, constraints: { max_total_cost: 20 } },
      pc('ok', { gpu: gpu({ hourly_rate: 4.9 }) }),
      pc('dear', { gpu: gpu({ hourly_rate: 5.1 }) }),
      'constraints.max_total_cost',
    );
  });

  it('max_latency_ms, from network_latency_ms or else the Flavor latency property', () => {
    const r = expectRejected({ constraints: { max_latency_ms: 20 } }, pc('ok', { gpu: gpu({ network_latency_ms: 12 }) }), pc('far', { gpu: gpu({ network_latency_ms: 45 }) }), 'constraints.max_latency_ms');
    expect(r).toBe('latency 45 ms > max 20 ms');
    expectRejected(
      { constraints: { max_latency_ms: 20 } },
      pc('ok', { gpu: gpu({ network_latency_ms: undefined }), latencyProperty: 8 }),
      pc('far', { gpu: gpu({ network_latency_ms: undefined }), latencyProperty: 50 }),
      'constraints.max_latency_ms',
    );
  });

  it('preemptible: false (default) rejects preemptible offers, true allows both', () => {
    expectRejected({}, pc('ok', { gpu: gpu() }), pc('spot', { gpu: gpu({ pre_emptible: true }) }), 'constraints.preemptible');
    const d = rank({ intent: intent({ constraints: { preemptible: true } }), config: config(), candidates: [pc('ok', { gpu: gpu() }), pc('spot', { gpu: gpu({ pre_emptible: true }) })] });
    expect(d.rejected).toEqual([]);
  });

  it('providers allow-list (gpu.provider, else the Flavor owner)', () => {
    expectRejected({ constraints: { providers: ['provider-a'] } }, pc('ok', { gpu: gpu() }), pc('x', { gpu: gpu({ provider: 'provider-b' }) }), 'constraints.providers');
    const owner = { domain: 'p.fluidos.eu', nodeID: 'provider-z', ip: '10.0.0.9' };
    expect(offerFromCandidate(pc('y', { gpu: gpu({ provider: undefined }), owner })).provider).toBe('provider-z');
  });

  it('tenant allowed_locations and quota (GPUs and money) with the usage of other intents', () => {
    const tenant: Tenant = { name: 'team-a', file: 'tenants/team-a.yaml', owners: [], quota: {}, allowed_locations: ['EU'] };
    expectRejected({}, pc('ok', { gpu: gpu() }), pc('us', { gpu: gpu({ region: 'us-east-1', zone: 'us-east-1a' }) }), 'tenant.allowed_locations', { tenant });

    const gpuQuota: Tenant = { ...tenant, allowed_locations: undefined, quota: { gpus: 8 } };
    const within = rank({ intent: intent({ gpu: { count: 2 } }), config: config(), tenant: gpuQuota, tenantUsage: { gpus: 6, hourly_cost: 0 }, candidates: [pc('a', { gpu: gpu() })] });
    expect(within.chosen?.candidate).toBe('a');
    const over = rank({ intent: intent({ gpu: { count: 2 } }), config: config(), tenant: gpuQuota, tenantUsage: { gpus: 7, hourly_cost: 0 }, candidates: [pc('a', { gpu: gpu() })] });
    expect(over.chosen).toBeUndefined();
    expect(over.rejected[0]!.constraint).toBe('tenant.quota.gpus');

    const money: Tenant = { ...tenant, allowed_locations: undefined, quota: { max_hourly_cost: 10 } };
    expectRejected({}, pc('ok', { gpu: gpu({ hourly_rate: 2 }) }), pc('dear', { gpu: gpu({ hourly_rate: 3 }) }), 'tenant.quota.max_hourly_cost', {
      tenant: money,
      tenantUsage: { gpus: 0, hourly_cost: 7.5 },
    });
  });

  it('unavailable, blocked (contention) and excluded providers are never chosen', () => {
    expectRejected({}, pc('ok', { gpu: gpu() }), pc('gone', { gpu: gpu(), available: false }), 'placement.available');
    expectRejected({}, pc('ok', { gpu: gpu({ hourly_rate: 9 }) }), pc('cheap', { gpu: gpu({ hourly_rate: 1 }) }), 'placement.blocked', { blocked: ['cheap'] });
    expectRejected({}, pc('ok', { gpu: gpu({ hourly_rate: 9 }) }), pc('cheap', { gpu: gpu({ hourly_rate: 1, provider: 'down' }) }), 'placement.excluded_providers', {
      excludedProviders: ['down'],
    });
  });

  it('records the first failing constraint in a fixed order', () => {
    const d = rank({
      intent: intent({ gpu: { model: 'nvidia-h100', memory_min: '80Gi' }, constraints: { max_latency_ms: 10 } }),
      config: config(),
      candidates: [pc('x', { gpu: gpu({ network_latency_ms: 50 }) })],
    });
    expect(d.rejected[0]!.constraint).toBe(`${G}.model`);
  });

  it('uses requirements.gpu paths for capacity-only intents', () => {
    const d = rank({ intent: intent({ type: null, gpu: { count: 8 } }), config: config(), candidates: [pc('x', { gpu: gpu() })] });
    expect(d.rejected[0]!.constraint).toBe('requirements.gpu.count');
  });
});
