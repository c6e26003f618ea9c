import { describe, expect, test } from 'vitest';
import { DEFAULT_CONFIG, type FlareConfig } from '../../src/config/model.js';
import { regionRegex, solverFilters, namesRegex } from '../../src/render/filters.js';
import type { GpuFilter } from '../../src/fluidos/types.js';
import * as h from './helpers.js';

function gpuFilters(i = h.intent(), config: FlareConfig = DEFAULT_CONFIG, location?: string): GpuFilter[] {
  return solverFilters(i, config, location).filters.gpuFilters ?? [];
}
function byField(fs: GpuFilter[], field: string): GpuFilter[] {
  return fs.filter((f) => f.field === field);
}
function withConstraints(c: Record<string, unknown>, gpu: Record<string, unknown> = {}) {
  return h.intent({ gpu, spec: { constraints: { preemptible: false, ...c } } });
}

describe('intent field → gpuFilter (fluidos-facts.md)', () => {
  test('model → StringFilter, omitted for any (undefined)', () => {
    expect(byField(gpuFilters(h.intent({ gpu: { model: 'nvidia-h100' } })), 'model')).toEqual([{ field: 'model', filter: 'StringFilter', data: { value: 'nvidia-h100' } }]);
    expect(byField(gpuFilters(h.intent({ gpu: {} })), 'model')).toEqual([]);
    expect(byField(gpuFilters(h.intent({ gpu: { model: 'any' } })), 'model')).toEqual([]);
  });
  test('count → NumberRangeFilter min', () => {
    expect(byField(gpuFilters(h.intent({ gpu: { count: 4 } })), 'count')).toEqual([{ field: 'count', filter: 'NumberRangeFilter', data: { min: 4 } }]);
  });
  test('memory_min/max → one ResourceRangeSelector on memory', () => {
    expect(byField(gpuFilters(h.intent({ gpu: { memory_min: '40Gi', memory_max: '80Gi' } })), 'memory')).toEqual([
      { field: 'memory', filter: 'ResourceRangeSelector', data: { min: '40Gi', max: '80Gi' } },
    ]);
    expect(byField(gpuFilters(h.intent({ gpu: { memory_max: '24Gi' } })), 'memory')).toEqual([{ field: 'memory', filter: 'ResourceRangeSelector', data: { max: '24Gi' } }]);
  });
  test('cores_min/max → NumberRangeFilter; clock_speed_min → ResourceRangeSelector', () => {
    const fs = gpuFilters(h.intent({ gpu: { cores_min: 5000, cores_max: 20000, clock_speed_min: '1.5G' } }));
    expect(byField(fs, 'cores')).toEqual([{ field: 'cores', filter: 'NumberRangeFilter', data: { min: 5000, max: 20000 } }]);
    expect(byField(fs, 'clock_speed')).toEqual([{ field: 'clock_speed', filter: 'ResourceRangeSelector', data: { min: '1.5G' } }]);
  });
  test('string traits → StringFilter unless any', () => {
    const fs = gpuFilters(h.intent({ gpu: { compute_capability: '9.0', architecture: 'hopper', tier: 'premium', interconnect: 'nvlink', topology: 'all-to-all' } }));
    for (const [field, value] of [['compute_capability', '9.0'], ['architecture', 'hopper'], ['tier', 'premium'], ['interconnect', 'nvlink'], ['topology', 'all-to-all']]) {
      expect(byField(fs, field!)).toEqual([{ field, filter: 'StringFilter', data: { value } }]);
    }
    const any = gpuFilters(h.intent({ gpu: { tier: 'any', interconnect: 'ANY', architecture: 'any' } }));
    expect(any.map((f) => f.field)).toEqual(['count']);
  });
  test('fp32_tflops, multi_gpu_efficiency → NumberRangeFilter min', () => {
    const fs = gpuFilters(h.intent({ gpu: { fp32_tflops: 60, multi_gpu_efficiency: 0.9 } }));
    expect(byField(fs, 'fp32_tflops')).toEqual([{ field: 'fp32_tflops', filter: 'NumberRangeFilter', data: { min: 60 } }]);
    expect(byField(fs, 'multi_gpu_efficiency')).toEqual([{ field: 'multi_gpu_efficiency', filter: 'NumberRangeFilter', data: { min: 0.9 } }]);
  });
  test('booleans → BooleanFilter true only when true', () => {
    const on = gpuFilters(h.intent({ gpu: { shared: true, interruptible: true, multi_instance: true, dedicated: true } }));
    for (const f of ['shared', 'interruptible', 'multi_instance', 'dedicated']) expect(byField(on, f)).toEqual([{ field: f, filter: 'BooleanFilter', data: true }]);
    const off = gpuFilters(h.intent({ gpu: { shared: false, interruptible: false, multi_instance: false, dedicated: false } }));
    expect(off.some((f) => f.filter === 'BooleanFilter')).toBe(false);
  });
  test('max_hourly_cost → hourly_rate max = budget ÷ GPU count', () => {
    expect(byField(gpuFilters(withConstraints({ max_hourly_cost: 10 }, { count: 4 })), 'hourly_rate')).toEqual([
      { field: 'hourly_rate', filter: 'NumberRangeFilter', data: { max: 2.5 } },
    ]);
    // 5 / 3 rounds up at 1e-4 so an offer at exactly the cap is never rejected by float noise
    expect(byField(gpuFilters(withConstraints({ max_hourly_cost: 5 }, { count: 3 })), 'hourly_rate')[0]?.data).toEqual({ max: 1.6667 });
  });
  test('a multi-region budget is shared by the placements: each Solver caps budget ÷ regions ÷ GPU count', () => {
    const i = withConstraints({ max_hourly_cost: 24, regions: ['EU', 'US-East', 'Asia-Pacific'] }, { count: 2 });
    expect(byField(gpuFilters(i, DEFAULT_CONFIG, 'EU'), 'hourly_rate')[0]?.data).toEqual({ max: 4 });
  });
  test('max_total_cost ÷ runtime (batch timeout, else default runtime) ÷ GPU count', () => {
    const batch = h.intent({
      gpu: { count: 2 },
      spec: { constraints: { preemptible: false, max_total_cost: 40 } },
      workload: { type: 'batch', batch: { parallel_tasks: 1, max_retries: 3, completion_policy: 'All', timeout: 4 * 3600 } },
    });
    expect(byField(gpuFilters(batch), 'hourly_rate')[0]?.data).toEqual({ max: 5 }); // 40 / 4h / 2 GPUs
    const svc = withConstraints({ max_total_cost: 40 }, { count: 2 });
    expect(byField(gpuFilters(svc, { ...DEFAULT_CONFIG, default_runtime_seconds: 2 * 3600 }), 'hourly_rate')[0]?.data).toEqual({ max: 10 });
    // both: the stricter cap wins
    expect(byField(gpuFilters(withConstraints({ max_total_cost: 40, max_hourly_cost: 6 }, { count: 2 })), 'hourly_rate')[0]?.data).toEqual({ max: 3 });
  });
  test('max_latency_ms → network_latency_ms max; availability_zone → zone', () => {
    const fs = gpuFilters(withConstraints({ max_latency_ms: 50, availability_zone: 'eu-west-1a' }));
    expect(byField(fs, 'network_latency_ms')).toEqual([{ field: 'network_latency_ms', filter: 'NumberRangeFilter', data: { max: 50 } }]);
    expect(byField(fs, 'zone')).toEqual([{ field: 'zone', filter: 'StringFilter', data: { value: 'eu-west-1a' } }]);
  });
  test('providers → provider StringRangeSelector with an anchored regex of escaped names', () => {
    const fs = gpuFilters(withConstraints({ providers: ['aws.eu', 'gcp+x'] }));
    const f = byField(fs, 'provider');
    expect(f).toEqual([{ field: 'provider', filter: 'StringRangeSelector', data: { regex: '^(?:aws\\.eu|gcp\\+x)$' } }]);
    const re = new RegExp((f[0]!.data as { regex: string }).regex);
    expect(re.test('aws.eu')).toBe(true);
    expect(re.test('awsXeu')).toBe(false);
    expect(re.test('aws.eu-2')).toBe(false);
    expect(namesRegex(['one'])).toBe('^one$');
  });
  test('location → region regex from the catalog; unknown location is a literal region; any omitted', () => {
    const eu = byField(gpuFilters(withConstraints({ location: 'EU' })), 'region');
    expect(eu).toEqual([{ field: 'region', filter: 'StringRangeSelector', data: { regex: '^eu-[a-z0-9-]*$' } }]);
    const re = new RegExp((eu[0]!.data as { regex: string }).regex);
    expect(re.test('eu-west-1')).toBe(true);
    expect(re.test('us-east-1')).toBe(false);
    expect(re.test('xeu-west')).toBe(false);
    expect(regionRegex('eu-central-1', DEFAULT_CONFIG)).toBe('^eu-central-1$');
    expect(regionRegex('my.region', DEFAULT_CONFIG)).toBe('^my\\.region$');
    expect(regionRegex('edge', DEFAULT_CONFIG)).toBe('^[a-z0-9-]*edge[a-z0-9-]*$');
    expect(regionRegex('eu', DEFAULT_CONFIG)).toBe('^eu-[a-z0-9-]*$'); // case-insensitive catalog hit
    expect(byField(gpuFilters(withConstraints({ location: 'any' })), 'region')).toEqual([]);
    const multi = { ...DEFAULT_CONFIG, locations: { Nordics: ['eu-north-*', 'no-*'] } };
    expect(regionRegex('Nordics', multi)).toBe('^(?:eu-north-[a-z0-9-]*|no-[a-z0-9-]*)$');
  });
  test('a placement region replaces constraints.location', () => {
    const i = withConstraints({ location: 'EU', regions: ['US-East'] });
    expect(byField(gpuFilters(i, DEFAULT_CONFIG, 'US-East'), 'region')[0]?.data).toEqual({ regex: '^us-east-[a-z0-9-]*$' });
  });
  test('cpu/memory → cpuFilter/memoryFilter Range min; no locationFilter; fixed order', () => {
    const i = h.intent({
      gpu: { model: 'nvidia-a100', memory_min: '40Gi', tier: 'premium', shared: true },
      spec: { resources: { cpu: '8', memory: '32Gi', gpu: h.gpu() }, constraints: { preemptible: false, location: 'EU', max_hourly_cost: 8, providers: ['p1'], availability_zone: 'z', max_latency_ms: 20 } },
    });
    const f = solverFilters(i, DEFAULT_CONFIG).filters;
    expect(f.cpuFilter).toEqual({ name: 'Range', data: { min: '8' } });
    expect(f.memoryFilter).toEqual({ name: 'Range', data: { min: '32Gi' } });
    expect(Object.keys(f)).not.toContain('locationFilter');
    expect(f.gpuFilters?.map((g) => g.field)).toEqual(['model', 'count', 'memory', 'tier', 'shared', 'hourly_rate', 'network_latency_ms', 'provider', 'zone', 'region']);
  });
});
