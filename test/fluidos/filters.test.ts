import { describe, expect, it } from 'vitest';
import { gpuFilterProblem, matchGpuFilter, matchSolverFilters, solverFilterProblems } from '../../src/fluidos/filters.js';
import type { GpuCharacteristics, GpuFilter } from '../../src/fluidos/types.js';
import type { KubeObject } from '../../src/k8s/object.js';

const gpu: GpuCharacteristics = {
  model: 'nvidia-a100',
  count: 4,
  memory: '40Gi',
  region: 'eu-west-1',
  hourly_rate: 3.5,
  fp32_tflops: 19.5,
  dedicated: true,
  multi_gpu_efficiency: '0.9',
};
const f = (field: GpuFilter['field'], filter: GpuFilter['filter'], data: GpuFilter['data']): GpuFilter => ({ field, filter, data });

function flavor(g: GpuCharacteristics | undefined, cpu = '16', memory = '64Gi'): KubeObject {
  return {
    apiVersion: 'nodecore.fluidos.eu/v1alpha1',
    kind: 'Flavor',
    metadata: { name: 'x', namespace: 'fluidos' },
    spec: { flavorType: { typeIdentifier: 'K8Slice', typeData: { characteristics: { architecture: 'amd64', cpu, memory, pods: '110', ...(g ? { gpu: g } : {}) } } } },
  };
}

describe('matchGpuFilter, documented semantics', () => {
  it('StringFilter is an exact match', () => {
    expect(matchGpuFilter(f('model', 'StringFilter', { value: 'nvidia-a100' }), gpu)).toBe(true);
    expect(matchGpuFilter(f('model', 'StringFilter', { value: 'nvidia-a100-80gb' }), gpu)).toBe(false);
    expect(matchGpuFilter(f('model', 'StringFilter', { value: 'NVIDIA-A100' }), gpu)).toBe(false);
  });
  it('StringRangeSelector is a regex', () => {
    expect(matchGpuFilter(f('region', 'StringRangeSelector', { regex: '^eu-[a-z0-9-]*$' }), gpu)).toBe(true);
    expect(matchGpuFilter(f('region', 'StringRangeSelector', { regex: '^us-' }), gpu)).toBe(false);
    expect(matchGpuFilter(f('region', 'StringRangeSelector', { regex: '(' }), gpu)).toBe(false);
  });
  it('Number filters compare numbers, bounds inclusive; a Range needs a bound and min <= max', () => {
    expect(matchGpuFilter(f('count', 'NumberRangeFilter', { min: 4 }), gpu)).toBe(true);
    expect(matchGpuFilter(f('count', 'NumberRangeFilter', { min: 5 }), gpu)).toBe(false);
    expect(matchGpuFilter(f('hourly_rate', 'NumberRangeFilter', { max: 3.5 }), gpu)).toBe(true);
    expect(matchGpuFilter(f('hourly_rate', 'NumberRangeFilter', { max: 3.49 }), gpu)).toBe(false);
    expect(matchGpuFilter(f('count', 'NumberMatchFilter', { value: 4 }), gpu)).toBe(true);
    expect(matchGpuFilter(f('count', 'NumberMatchFilter', { value: 2 }), gpu)).toBe(false);
    expect(matchGpuFilter(f('count', 'NumberRangeFilter', {}), gpu)).toBe(false);
    expect(gpuFilterProblem(f('count', 'NumberRangeFilter', {}))).toMatch(/at least one/);
    expect(gpuFilterProblem(f('count', 'NumberRangeFilter', { min: 8, max: 2 }))).toMatch(/greater/);
    expect(matchGpuFilter(f('count', 'NumberRangeFilter', { min: 8, max: 2 }), { count: 5 })).toBe(false);
  });
  it('Resource filters compare quantities', () => {
    expect(matchGpuFilter(f('memory', 'ResourceRangeSelector', { min: '40Gi' }), gpu)).toBe(true);
    expect(matchGpuFilter(f('memory', 'ResourceRangeSelector', { min: '41Gi' }), gpu)).toBe(false);
    expect(matchGpuFilter(f('memory', 'ResourceRangeSelector', { max: '40960Mi' }), gpu)).toBe(true);
    expect(matchGpuFilter(f('memory', 'ResourceMatchSelector', { value: '40960Mi' }), gpu)).toBe(true);
  });
  it('BooleanFilter compares correctly; an absent boolean is false', () => {
    expect(matchGpuFilter(f('dedicated', 'BooleanFilter', true), gpu)).toBe(true);
    expect(matchGpuFilter(f('dedicated', 'BooleanFilter', false), gpu)).toBe(false);
    expect(matchGpuFilter(f('shared', 'BooleanFilter', true), gpu)).toBe(false);
    expect(matchGpuFilter(f('shared', 'BooleanFilter', false), gpu)).toBe(true);
  });
  it('a number filter on the string multi_gpu_efficiency compares its value', () => {
    expect(matchGpuFilter(f('multi_gpu_efficiency', 'NumberRangeFilter', { min: 0.8 }), gpu)).toBe(true);
    expect(matchGpuFilter(f('multi_gpu_efficiency', 'NumberRangeFilter', { min: 0.95 }), gpu)).toBe(false);
  });
  it('a Flavor without GPU traits matches no gpuFilter; an absent field rejects', () => {
    expect(matchGpuFilter(f('count', 'NumberRangeFilter', { min: 1 }), undefined)).toBe(false);
    expect(matchGpuFilter(f('tier', 'StringFilter', { value: 'premium' }), gpu)).toBe(false);
  });
});

describe('matchGpuFilter with upstreamQuirks', () => {
  const q = { upstreamQuirks: true };
  it('a Flavor without GPU traits passes every gpuFilter', () => {
    expect(matchGpuFilter(f('count', 'NumberRangeFilter', { min: 8 }), undefined, q)).toBe(true);
  });
  it('BooleanFilter is inverted and an absent (false) boolean rejects', () => {
    expect(matchGpuFilter(f('dedicated', 'BooleanFilter', true), gpu, q)).toBe(false);
    expect(matchGpuFilter(f('dedicated', 'BooleanFilter', false), gpu, q)).toBe(true);
    expect(matchGpuFilter(f('shared', 'BooleanFilter', false), gpu, q)).toBe(false);
  });
  it('a number filter on multi_gpu_efficiency never matches', () => {
    expect(matchGpuFilter(f('multi_gpu_efficiency', 'NumberRangeFilter', { min: 0.1 }), gpu, q)).toBe(false);
  });
  it('other filters behave as documented', () => {
    expect(matchGpuFilter(f('model', 'StringFilter', { value: 'nvidia-a100' }), gpu, q)).toBe(true);
    expect(matchGpuFilter(f('memory', 'ResourceRangeSelector', { min: '80Gi' }), gpu, q)).toBe(false);
  });
});

describe('matchSolverFilters', () => {
  it('checks cpu/memory Range min against the characteristics, and every gpuFilter', () => {
    const filters = { cpuFilter: { name: 'Range' as const, data: { min: '8' } }, memoryFilter: { name: 'Range' as const, data: { min: '32Gi' } }, gpuFilters: [f('model', 'StringFilter', { value: 'nvidia-a100' })] };
    expect(matchSolverFilters(filters, flavor(gpu))).toBe(true);
    expect(matchSolverFilters(filters, flavor(gpu, '4'))).toBe(false);
    expect(matchSolverFilters(filters, flavor(gpu, '16', '16Gi'))).toBe(false);
    expect(matchSolverFilters(filters, flavor({ ...gpu, model: 'nvidia-t4' }))).toBe(false);
    expect(matchSolverFilters(filters, flavor(undefined))).toBe(false);
    expect(matchSolverFilters(filters, flavor(undefined), { upstreamQuirks: true })).toBe(true);
  });
  it('Match, architecture and the ignored locationFilter', () => {
    expect(matchSolverFilters({ cpuFilter: { name: 'Match', data: { value: '16000m' } } }, flavor(gpu))).toBe(true);
    expect(matchSolverFilters({ architectureFilter: { name: 'Match', data: { value: 'arm64' } } }, flavor(gpu))).toBe(false);
    expect(matchSolverFilters({ architectureFilter: { name: 'Range', data: { regex: '^amd' } } }, flavor(gpu))).toBe(true);
    const withLocation = { locationFilter: { name: 'StringFilter', data: { value: 'US' } } } as never;
    expect(matchSolverFilters(withLocation, flavor(gpu))).toBe(true);
  });
  it('lists problems of malformed filters', () => {
    expect(solverFilterProblems({ cpuFilter: { name: 'Range', data: {} }, gpuFilters: [f('model', 'StringFilter', {})] })).toHaveLength(2);
    expect(solverFilterProblems({ gpuFilters: [f('model', 'StringFilter', { value: 'x' })] })).toEqual([]);
  });
});
