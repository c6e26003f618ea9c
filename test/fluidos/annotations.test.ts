import { describe, expect, it } from 'vitest';
import { GPU_ANNOTATIONS, annotationsFromGpu, gpuFromAnnotations } from '../../src/fluidos/annotations.js';

describe('gpuFromAnnotations', () => {
  it('reads the documented spelling (admin guide node) with numbers and booleans parsed', () => {
    const gpu = gpuFromAnnotations({
      'gpu.fluidos.eu/model': 'nvidia-h100',
      'gpu.fluidos.eu/count': '4',
      'gpu.fluidos.eu/memory': '80Gi',
      'gpu.fluidos.eu/tier': 'premium',
      'gpu.fluidos.eu/interconnect': 'nvlink',
      'gpu.fluidos.eu/fp32_tflops': '67.5',
      'gpu.fluidos.eu/shared': 'false',
      'gpu.fluidos.eu/dedicated': 'true',
      'nvidia.fluidos.eu/mig_capable': 'true',
      'location.fluidos.eu/region': 'eu-west-1',
      'location.fluidos.eu/zone': 'eu-west-1a',
      'cost.fluidos.eu/hourly-rate': '2',
      'cost.fluidos.eu/currency': 'EUR',
      'workload.fluidos.eu/training-score': '0.98',
      'network.fluidos.eu/latency-ms': '30',
      'provider.fluidos.eu/preemptible': 'true',
    });
    expect(gpu).toEqual({
      model: 'nvidia-h100',
      count: 4,
      memory: '80Gi',
      tier: 'premium',
      interconnect: 'nvlink',
      fp32_tflops: 67.5,
      shared: false,
      dedicated: true,
      multi_instance: true,
      region: 'eu-west-1',
      zone: 'eu-west-1a',
      hourly_rate: 2,
      training_score: 0.98,
      network_latency_ms: 30,
      pre_emptible: true,
    });
  });

  it("reads the fork's spelling, region and zone not swapped, multi_gpu_efficiency kept a string", () => {
    const gpu = gpuFromAnnotations({
      'gpu.fluidos.eu/model': 'nvidia-a100',
      'gpu.fluidos.eu/memory-per-gpu': '40Gi',
      'gpu.fluidos.eu/compute-capability': '8.0',
      'gpu.fluidos.eu/fp32-tflops': '19.5',
      'gpu.fluidos.eu/clock-speed': '1410M',
      'gpu.fluidos.eu/interconnect-bandwidth-gbps': '600',
      'gpu.fluidos.eu/multi-gpu-efficiency': '0.9',
      'gpu.fluidos.eu/sharing-capable': 'true',
      'gpu.fluidos.eu/sharing-strategy': 'mig',
      'nvidia.fluidos.eu/mig-capable': 'true',
      'location.fluidos.eu/region': 'eu-central-1',
      'location.fluidos.eu/zone': 'eu-central-1b',
    });
    expect(gpu).toMatchObject({
      memory: '40Gi',
      compute_capability: '8.0',
      fp32_tflops: 19.5,
      clock_speed: '1410M',
      interconnect_bandwidth: '600',
      multi_gpu_efficiency: '0.9',
      shared: true,
      sharing_strategy: 'mig',
      multi_instance: true,
      region: 'eu-central-1',
      zone: 'eu-central-1b',
    });
  });

  it('prefers the documented key when both spellings are present, and drops malformed values', () => {
    const gpu = gpuFromAnnotations({
      'gpu.fluidos.eu/memory': '48Gi',
      'gpu.fluidos.eu/memory-per-gpu': '40Gi',
      'gpu.fluidos.eu/count': 'four',
      'gpu.fluidos.eu/dedicated': 'yes',
      'cost.fluidos.eu/hourly-rate': '1,5',
    });
    expect(gpu).toEqual({ memory: '48Gi' });
  });

  it('is undefined for a node without GPU annotations', () => {
    expect(gpuFromAnnotations({ 'location.fluidos.eu/region': 'eu-west-1' })).toBeUndefined();
    expect(gpuFromAnnotations(undefined)).toBeUndefined();
  });

  it('exports the table with both spellings, and round-trips through annotationsFromGpu', () => {
    const mem = GPU_ANNOTATIONS.find((a) => a.field === 'memory');
    expect(mem).toEqual({ key: 'gpu.fluidos.eu/memory', forkKey: 'gpu.fluidos.eu/memory-per-gpu', field: 'memory', type: 'quantity' });
    expect(GPU_ANNOTATIONS.find((a) => a.key === 'cost.fluidos.eu/currency')?.field).toBeNull();
    const gpu = { model: 'amd-mi300x', count: 2, memory: '192Gi', shared: false, hourly_rate: 2, region: 'us-east-1' };
    expect(gpuFromAnnotations(annotationsFromGpu(gpu))).toEqual(gpu);
  });
});
