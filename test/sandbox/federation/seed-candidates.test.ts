import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuFilter, SolverFilters } from '../../../src/fluidos/types.js';
import { candidatesOf, solved, solver, startSim, type Sim } from './helpers.js';

// Filters written by hand from each seed example, following the fluidos-facts.md mapping:
// model → StringFilter; count → NumberRangeFilter min; memory → ResourceRangeSelector min;
// tier/interconnect → StringFilter; budget ÷ GPUs → hourly_rate max; max_latency_ms →
// network_latency_ms max; location → region StringRangeSelector from the location catalog;
// cpu/memory → cpuFilter/memoryFilter Range min.
const EU = '^eu-[a-z0-9-]*$';
const US_EAST = '^us-east-[a-z0-9-]*$';
const ASIA_PACIFIC = '^ap-[a-z0-9-]*$';
const EDGE = '^[a-z0-9-]*edge[a-z0-9-]*$';

const model = (v: string): GpuFilter => ({ field: 'model', filter: 'StringFilter', data: { value: v } });
const count = (min: number): GpuFilter => ({ field: 'count', filter: 'NumberRangeFilter', data: { min } });
const mem = (min: string): GpuFilter => ({ field: 'memory', filter: 'ResourceRangeSelector', data: { min } });
const str = (field: GpuFilter['field'], value: string): GpuFilter => ({ field, filter: 'StringFilter', data: { value } });
const rateMax = (max: number): GpuFilter => ({ field: 'hourly_rate', filter: 'NumberRangeFilter', data: { max } });
const latencyMax = (max: number): GpuFilter => ({ field: 'network_latency_ms', filter: 'NumberRangeFilter', data: { max } });
const region = (regex: string): GpuFilter => ({ field: 'region', filter: 'StringRangeSelector', data: { regex } });
const res = (cpu?: string, memory?: string): SolverFilters => ({
  ...(cpu ? { cpuFilter: { name: 'Range' as const, data: { min: cpu } } } : {}),
  ...(memory ? { memoryFilter: { name: 'Range' as const, data: { min: memory } } } : {}),
});
const pc = (provider: string, node: string) => `pc-k8slice-${provider}-${node}`;

const ALL_A100 = [
  pc('provider-de', 'a100-1x'),
  pc('provider-de', 'a100-8x'),
  pc('provider-fr', 'a100-1x'),
  pc('provider-fr', 'a100-4x'),
  pc('provider-nl', 'a100-2x'),
  pc('provider-nl', 'a100-8x'),
  pc('provider-se', 'a100-80g-4x'),
  pc('provider-sg', 'a100-1x'),
];

const CASES: { name: string; seed: string; filters: SolverFilters; expected: string[] }[] = [
  {
    name: 'guide-a100-performance',
    seed: '000 one-call intent: a100 x1 40Gi, cpu 2, 8Gi, Performance',
    filters: { ...res('2', '8Gi'), gpuFilters: [model('nvidia-a100'), count(1), mem('40Gi')] },
    expected: ALL_A100,
  },
  {
    name: 'guide-a100-latency',
    seed: '000 inference workload: a100 x1 40Gi, Latency',
    filters: { gpuFilters: [model('nvidia-a100'), count(1), mem('40Gi')] },
    expected: ALL_A100,
  },
  {
    name: 'guide-h100-training',
    seed: '000 training workload: h100 x4 80Gi, Performance',
    filters: { gpuFilters: [model('nvidia-h100'), count(4), mem('80Gi')] },
    expected: [pc('provider-de', 'h100-8x'), pc('provider-ie', 'h100-4x'), pc('provider-nl', 'h100-8x')],
  },
  {
    name: 'guide-any-24gi-cost',
    seed: '000 batch: any x1 24Gi, Cost',
    filters: { gpuFilters: [count(1), mem('24Gi')] },
    expected: [
      pc('provider-de', 'a100-1x'),
      pc('provider-de', 'a100-8x'),
      pc('provider-de', 'h100-8x'),
      pc('provider-de', 'rtx4090-2x'),
      pc('provider-fr', 'a100-1x'),
      pc('provider-fr', 'a100-4x'),
      pc('provider-fr', 'rtx4090-8x'),
      pc('provider-ie', 'h100-4x'),
      pc('provider-nl', 'a100-2x'),
      pc('provider-nl', 'a100-8x'),
      pc('provider-nl', 'h100-8x'),
      pc('provider-nl', 'rtx4090-1x'),
      pc('provider-pl', 'rtx4090-8x'),
      pc('provider-se', 'a100-80g-4x'),
      pc('provider-sg', 'a100-1x'),
      pc('provider-us', 'mi300x-2x'),
      pc('provider-us', 'rtx4090-1x'),
    ].sort(),
  },
  {
    name: 'arch-deepseek-eu',
    seed: '001 basic flow: any x2 80Gi, cpu 8, 32Gi, EU, 10 EUR/h, 50 ms, Performance',
    filters: { ...res('8', '32Gi'), gpuFilters: [count(2), mem('80Gi'), rateMax(5), latencyMax(50), region(EU)] },
    expected: [pc('provider-ie', 'h100-4x'), pc('provider-se', 'a100-80g-4x')],
  },
  {
    name: 'uc1-llama2-inference',
    seed: '003 #1: t4 x1 16Gi, cpu 8, 32Gi, EU, 5 EUR, Cost',
    filters: { ...res('8', '32Gi'), gpuFilters: [model('nvidia-t4'), count(1), mem('16Gi'), rateMax(5), region(EU)] },
    expected: [pc('edge-milan', 't4-1x'), pc('provider-de', 't4-4x')],
  },
  {
    name: 'uc2-bert-training',
    seed: '003 #2: rtx-4090 x8 24Gi nvlink, cpu 64, 256Gi, EU, Performance',
    filters: { ...res('64', '256Gi'), gpuFilters: [model('nvidia-rtx-4090'), count(8), mem('24Gi'), str('interconnect', 'nvlink'), region(EU)] },
    expected: [pc('provider-fr', 'rtx4090-8x'), pc('provider-pl', 'rtx4090-8x')],
  },
  {
    name: 'uc3-lora-finetuning',
    seed: '003 #3: rtx-4080 x1 12Gi, cpu 16, 64Gi, 8 EUR, Cost',
    filters: { ...res('16', '64Gi'), gpuFilters: [model('nvidia-rtx-4080'), count(1), mem('12Gi'), rateMax(8)] },
    expected: [
      pc('edge-amsterdam', 'rtx4080-2x'),
      pc('edge-frankfurt', 'rtx4080-2x'),
      pc('provider-de', 'rtx4080-1x'),
      pc('provider-de', 'rtx4080-4x-spot'),
      pc('provider-jp', 'rtx4080-1x'),
      pc('provider-pl', 'rtx4080-4x'),
      pc('provider-sg', 'rtx4080-2x'),
      pc('provider-us', 'rtx4080-1x'),
    ],
  },
  {
    name: 'uc4-molecular-dynamics',
    seed: '003 #4: a100 x8 40Gi nvlink, cpu 64, 256Gi, 100 EUR, Performance',
    filters: { ...res('64', '256Gi'), gpuFilters: [model('nvidia-a100'), count(8), mem('40Gi'), str('interconnect', 'nvlink'), rateMax(12.5)] },
    expected: [pc('provider-de', 'a100-8x'), pc('provider-nl', 'a100-8x')],
  },
  {
    name: 'uc5-video-analytics',
    seed: '003 #5: rtx-4080 x1 12Gi gaming, cpu 16, 64Gi, EU, 20 ms, Latency',
    filters: { ...res('16', '64Gi'), gpuFilters: [model('nvidia-rtx-4080'), count(1), mem('12Gi'), str('tier', 'gaming'), latencyMax(20), region(EU)] },
    expected: [pc('edge-amsterdam', 'rtx4080-2x'), pc('edge-frankfurt', 'rtx4080-2x')],
  },
  {
    name: 'uc6-iot-edge-inference',
    seed: '003 #6: t4 x1 4Gi inference, cpu 4, 8Gi, edge, 50 ms, 2 EUR, Cost',
    filters: { ...res('4', '8Gi'), gpuFilters: [model('nvidia-t4'), count(1), mem('4Gi'), str('tier', 'inference'), rateMax(2), latencyMax(50), region(EDGE)] },
    expected: [pc('edge-milan', 't4-1x'), pc('edge-vienna', 't4-1x')],
  },
  {
    name: 'uc7-batch-processing',
    seed: '003 #7: rtx-4080 x4 16Gi, cpu 32, 128Gi, preemptible, 50 EUR total, Cost',
    filters: { ...res('32', '128Gi'), gpuFilters: [model('nvidia-rtx-4080'), count(4), mem('16Gi'), rateMax(12.5)] },
    expected: [pc('provider-de', 'rtx4080-4x-spot'), pc('provider-pl', 'rtx4080-4x')],
  },
  {
    name: 'uc8-tenant-a-ml',
    seed: '003 #8: rtx-4090 x2 16Gi, cpu 8, 32Gi, 15 EUR, Balanced',
    filters: { ...res('8', '32Gi'), gpuFilters: [model('nvidia-rtx-4090'), count(2), mem('16Gi'), rateMax(7.5)] },
    expected: [pc('provider-de', 'rtx4090-2x'), pc('provider-fr', 'rtx4090-8x'), pc('provider-pl', 'rtx4090-8x')],
  },
  {
    name: 'uc9-global-eu',
    seed: '003 #9 EU: rtx-4080 x1 16Gi, cpu 8, 32Gi, Balanced',
    filters: { ...res('8', '32Gi'), gpuFilters: [model('nvidia-rtx-4080'), count(1), mem('16Gi'), rateMax(8.33), region(EU)] },
    expected: [
      pc('edge-amsterdam', 'rtx4080-2x'),
      pc('edge-frankfurt', 'rtx4080-2x'),
      pc('provider-de', 'rtx4080-1x'),
      pc('provider-de', 'rtx4080-4x-spot'),
      pc('provider-pl', 'rtx4080-4x'),
    ],
  },
  {
    name: 'uc9-global-us-east',
    seed: '003 #9 US-East',
    filters: { ...res('8', '32Gi'), gpuFilters: [model('nvidia-rtx-4080'), count(1), mem('16Gi'), rateMax(8.33), region(US_EAST)] },
    expected: [pc('provider-us', 'rtx4080-1x')],
  },
  {
    name: 'uc9-global-asia-pacific',
    seed: '003 #9 Asia-Pacific',
    filters: { ...res('8', '32Gi'), gpuFilters: [model('nvidia-rtx-4080'), count(1), mem('16Gi'), rateMax(8.33), region(ASIA_PACIFIC)] },
    expected: [pc('provider-jp', 'rtx4080-1x'), pc('provider-sg', 'rtx4080-2x')],
  },
];

describe('default federation: PeeringCandidates of every seed example', () => {
  let s: Sim;
  beforeAll(() => {
    s = startSim();
    for (const c of CASES) s.store.create(solver(c.name, c.filters));
  });
  afterAll(() => s.close());

  for (const c of CASES) {
    it(`${c.name} (${c.seed})`, async () => {
      const sol = await solved(s.store, c.name);
      expect(sol.status.solverPhase.phase).toBe('Solved');
      expect(sol.status.findCandidate).toBe('Solved');
      expect(candidatesOf(s.store, c.name)).toEqual(c.expected);
      // The Discovery lists the same candidates.
      const d = s.store.get({ apiVersion: 'advertisement.fluidos.eu/v1alpha1', kind: 'Discovery', namespace: 'fluidos', name: `discovery-${c.name}` });
      expect(d?.status?.peeringCandidateList?.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort()).toEqual(c.expected);
    });
  }

  it('a Solver nothing matches fails without requeue', async () => {
    s.store.create(solver('nothing-matches', { gpuFilters: [model('nvidia-b200')] }));
    const sol = await solved(s.store, 'nothing-matches');
    expect(sol.status.solverPhase.phase).toBe('Failed');
    expect(sol.status.findCandidate).toBe('Failed');
    expect(candidatesOf(s.store, 'nothing-matches')).toEqual([]);
  });

  it('the objectives have something to choose between: cheapest, fastest and nearest differ', () => {
    // Read from the candidates' flavors, as a ranker would.
    const flavors = (name: string) =>
      s.store
        .list('advertisement.fluidos.eu/v1alpha1', 'PeeringCandidate', { namespace: 'fluidos' })
        .items.filter((p) => p.spec.interestedSolverIDs.includes(name))
        .map((p) => p.spec.flavor.spec.flavorType.typeData.characteristics.gpu);
    const best = (name: string, key: (g: any) => number) => flavors(name).sort((a, b) => key(a) - key(b))[0];
    const any24 = 'guide-any-24gi-cost';
    expect(best(any24, (g) => g.hourly_rate).model).toBe('nvidia-rtx-4090');
    expect(best(any24, (g) => -g.fp32_tflops).model).toBe('amd-mi300x');
    expect(best(any24, (g) => g.network_latency_ms).region).toBe('eu-west-4');
    const edge = 'uc6-iot-edge-inference';
    expect(best(edge, (g) => g.hourly_rate).provider).toBe('edge-vienna');
    expect(best(edge, (g) => g.network_latency_ms).provider).toBe('edge-milan');
    const eu80 = 'arch-deepseek-eu';
    expect(best(eu80, (g) => g.hourly_rate).model).toBe('nvidia-a100');
    expect(best(eu80, (g) => -g.fp32_tflops).model).toBe('nvidia-h100');
  });
});
