import { describe, expect, it } from 'vitest';
import { adminValuesFor, parseAdminValues } from '../../src/provider/admin-values.js';
import { checkAnnotations } from '../../src/provider/check.js';
import { annotationsFromLabels } from '../../src/provider/labels.js';

const ADMIN = { region: 'eu-west-1', zone: 'eu-west-1a', hourlyRate: 2, provider: 'acme' };

describe('annotationsFromLabels: NVIDIA', () => {
  it('maps the admin guide RTX A6000 example', () => {
    const r = annotationsFromLabels(
      {
        'nvidia.com/gpu.product': 'NVIDIA-RTX-A6000',
        'nvidia.com/gpu.count': '2',
        'nvidia.com/gpu.memory': '49140',
        'nvidia.com/gpu.family': 'ampere',
        'nvidia.com/gpu.compute.major': '8',
        'nvidia.com/gpu.compute.minor': '6',
      },
      ADMIN,
      { node: 'w1' },
    );
    const a = r.annotations;
    expect(r.gpu).toBe(true);
    expect(a['gpu.fluidos.eu/vendor']).toBe('nvidia');
    expect(a['gpu.fluidos.eu/model']).toBe('nvidia-rtx-a6000');
    expect(a['gpu.fluidos.eu/count']).toBe('2');
    expect(a['gpu.fluidos.eu/memory']).toBe('48Gi');
    expect(a['gpu.fluidos.eu/architecture']).toBe('ampere');
    expect(a['gpu.fluidos.eu/compute_capability']).toBe('8.6');
    // NVIDIA's RTX A6000 data sheet: 10,752 CUDA cores, 38.7 TFLOPS FP32; a workstation card
    expect(a['gpu.fluidos.eu/tier']).toBe('standard');
    expect(a['gpu.fluidos.eu/cores']).toBe('10752');
    expect(a['gpu.fluidos.eu/fp32_tflops']).toBe('38.7');
    expect(a['workload.fluidos.eu/graphics-score']).toBe('0.92');
    expect(a['gpu.fluidos.eu/shared']).toBe('false');
    expect(a['gpu.fluidos.eu/sharing_strategy']).toBe('none');
    expect(a['location.fluidos.eu/region']).toBe('eu-west-1');
    expect(a['location.fluidos.eu/zone']).toBe('eu-west-1a');
    expect(a['cost.fluidos.eu/hourly-rate']).toBe('2');
    expect(a['cost.fluidos.eu/currency']).toBe('EUR');
    expect(a['provider.fluidos.eu/name']).toBe('acme');
    expect(r.warnings).toEqual([]);
    expect(checkAnnotations(a)).toEqual([]);
    // documented spellings only
    expect(Object.keys(a).some((k) => k.includes('memory-per-gpu') || k.includes('compute-capability'))).toBe(false);
  });

  it.each([
    ['NVIDIA-A100-SXM4-40GB', '40960', 'nvidia-a100', '40Gi'],
    ['NVIDIA-A100-SXM4-80GB', '81920', 'nvidia-a100', '80Gi'],
    ['NVIDIA-H100-80GB-HBM3', '81559', 'nvidia-h100', '80Gi'],
    ['Tesla-T4', '15360', 'nvidia-t4', '16Gi'],
    ['NVIDIA-GeForce-RTX-4090', '24564', 'nvidia-rtx-4090', '24Gi'],
  ])('maps %s with %s MiB to %s %s', (product, mib, model, memory) => {
    const r = annotationsFromLabels(
      { 'nvidia.com/gpu.product': product, 'nvidia.com/gpu.count': '1', 'nvidia.com/gpu.memory': mib },
      ADMIN,
    );
    expect(r.annotations['gpu.fluidos.eu/model']).toBe(model);
    expect(r.annotations['gpu.fluidos.eu/memory']).toBe(memory);
    expect(r.annotations['gpu.fluidos.eu/interconnect']).toBe('pcie');
  });

  it('puts 8 H100 SXM on NVLink through NVSwitch', () => {
    const r = annotationsFromLabels(
      { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3', 'nvidia.com/gpu.count': '8', 'nvidia.com/gpu.memory': '81559', 'nvidia.com/gpu.family': 'hopper' },
      ADMIN,
    );
    const a = r.annotations;
    expect(a['gpu.fluidos.eu/interconnect']).toBe('nvlink');
    expect(a['gpu.fluidos.eu/topology']).toBe('nvswitch');
    expect(a['gpu.fluidos.eu/interconnect_bandwidth']).toBe('900');
    expect(Number(a['gpu.fluidos.eu/multi_gpu_efficiency'])).toBeGreaterThan(0.9);
    expect(a['gpu.fluidos.eu/compute_capability']).toBe('9.0'); // from the catalog: no compute labels
    expect(checkAnnotations(a)).toEqual([]);
  });

  it('keeps 2 H100 PCIe cards on PCIe', () => {
    const r = annotationsFromLabels({ 'nvidia.com/gpu.product': 'NVIDIA-H100-PCIe', 'nvidia.com/gpu.count': '2', 'nvidia.com/gpu.memory': '81559' }, ADMIN);
    expect(r.annotations['gpu.fluidos.eu/interconnect']).toBe('pcie');
  });

  it('marks a MIG-capable node as shareable by MIG', () => {
    const r = annotationsFromLabels(
      { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB', 'nvidia.com/gpu.count': '4', 'nvidia.com/gpu.memory': '40960', 'nvidia.com/mig.capable': 'true' },
      ADMIN,
    );
    expect(r.annotations['nvidia.fluidos.eu/mig_capable']).toBe('true');
    expect(r.annotations['gpu.fluidos.eu/sharing_strategy']).toBe('mig');
    expect(r.annotations['gpu.fluidos.eu/shared']).toBe('true');
  });

  it('prefers an explicit time-slicing strategy and strips the SHARED product suffix', () => {
    const r = annotationsFromLabels(
      {
        'nvidia.com/gpu.product': 'Tesla-T4-SHARED',
        'nvidia.com/gpu.count': '1',
        'nvidia.com/gpu.memory': '15360',
        'nvidia.com/mig.capable': 'false',
        'nvidia.com/gpu.sharing-strategy': 'time-slicing',
      },
      ADMIN,
    );
    expect(r.annotations['gpu.fluidos.eu/model']).toBe('nvidia-t4');
    expect(r.annotations['nvidia.fluidos.eu/mig_capable']).toBe('false');
    expect(r.annotations['gpu.fluidos.eu/sharing_strategy']).toBe('time-slicing');
    expect(r.annotations['gpu.fluidos.eu/shared']).toBe('true');
  });

  it('falls back to node capacity for the count and the product for memory', () => {
    const r = annotationsFromLabels({ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB' }, ADMIN, { capacity: { 'nvidia.com/gpu': '2' } });
    expect(r.annotations['gpu.fluidos.eu/count']).toBe('2');
    expect(r.annotations['gpu.fluidos.eu/memory']).toBe('40Gi');
  });

  it('normalizes an unknown model, warns, and invents no traits', () => {
    const r = annotationsFromLabels(
      { 'nvidia.com/gpu.product': 'NVIDIA-Quantum-Z9', 'nvidia.com/gpu.count': '1', 'nvidia.com/gpu.memory': '32768' },
      ADMIN,
      { node: 'odd' },
    );
    const a = r.annotations;
    expect(a['gpu.fluidos.eu/model']).toBe('nvidia-quantum-z9');
    expect(a['gpu.fluidos.eu/vendor']).toBe('nvidia');
    expect(a['gpu.fluidos.eu/memory']).toBe('32Gi');
    for (const k of ['tier', 'cores', 'fp32_tflops', 'interconnect', 'architecture', 'compute_capability', 'clock_speed']) {
      expect(a[`gpu.fluidos.eu/${k}`], k).toBeUndefined();
    }
    expect(Object.keys(a).some((k) => k.startsWith('workload.fluidos.eu/'))).toBe(false);
    expect(r.model).toBeUndefined();
    expect(r.warnings.join('\n')).toMatch(/node odd: GPU 'NVIDIA-Quantum-Z9' is not in the catalog/);
  });

  it('returns nothing for a node without GPU operator labels', () => {
    const r = annotationsFromLabels({ 'kubernetes.io/os': 'linux' }, ADMIN);
    expect(r.gpu).toBe(false);
    expect(r.annotations).toEqual({});
  });
});

describe('annotationsFromLabels: AMD', () => {
  it('maps the MI300X example with decimal MB to the nominal 192Gi', () => {
    const r = annotationsFromLabels(
      { 'amd.com/gpu.product': 'AMD-Instinct-MI300X', 'amd.com/gpu.count': '8', 'amd.com/gpu.memory': '192000', 'amd.com/gpu.family': 'CDNA3' },
      { region: 'us-east-1', hourlyRate: 2 },
    );
    const a = r.annotations;
    expect(a['gpu.fluidos.eu/vendor']).toBe('amd');
    expect(a['gpu.fluidos.eu/model']).toBe('amd-mi300x');
    expect(a['gpu.fluidos.eu/memory']).toBe('192Gi');
    expect(a['gpu.fluidos.eu/architecture']).toBe('cdna3');
    expect(a['gpu.fluidos.eu/interconnect']).toBe('infinity-fabric');
    expect(a['gpu.fluidos.eu/tier']).toBe('premium');
    expect(a['gpu.fluidos.eu/compute_capability']).toBeUndefined();
    expect(a['gpu.fluidos.eu/sharing_strategy']).toBe('none');
    expect(checkAnnotations(a)).toEqual([]);
  });

  it('marks an SR-IOV capable node as shareable by SR-IOV', () => {
    const r = annotationsFromLabels(
      { 'amd.com/gpu.product': 'AMD-Instinct-MI250X', 'amd.com/gpu.count': '2', 'amd.com/gpu.memory': '128000', 'amd.com/sriov.capable': 'true' },
      ADMIN,
    );
    expect(r.annotations['gpu.fluidos.eu/sharing_strategy']).toBe('sriov');
    expect(r.annotations['gpu.fluidos.eu/shared']).toBe('true');
  });

  it('uses the catalog architecture and warns when the family label is not an architecture', () => {
    const r = annotationsFromLabels({ 'amd.com/gpu.product': 'AMD-Instinct-MI300X', 'amd.com/gpu.count': '1', 'amd.com/gpu.family': 'AI' }, ADMIN);
    expect(r.annotations['gpu.fluidos.eu/architecture']).toBe('cdna3');
    expect(r.annotations['gpu.fluidos.eu/memory']).toBe('192Gi');
    expect(r.warnings.join('\n')).toMatch(/amd\.com\/gpu\.family=AI/);
  });
});

describe('admin values', () => {
  it('warns about missing region and rate', () => {
    const r = annotationsFromLabels({ 'nvidia.com/gpu.product': 'Tesla-T4', 'nvidia.com/gpu.count': '1' }, {});
    expect(r.warnings.join('\n')).toMatch(/no region/);
    expect(r.warnings.join('\n')).toMatch(/no hourly rate/);
  });

  it('reports admin values that break the annotation rules', () => {
    const r = annotationsFromLabels({ 'nvidia.com/gpu.product': 'Tesla-T4', 'nvidia.com/gpu.count': '1' }, { region: 'EU West', hourlyRate: 1, currency: 'USD' });
    const w = r.warnings.join('\n');
    expect(w).toMatch(/location\.fluidos\.eu\/region=EU West: must be lowercase/);
    expect(w).toMatch(/cost\.fluidos\.eu\/currency=USD: must be EUR/);
  });

  it('parses a values file with defaults, per-node entries and flag overrides', () => {
    const f = parseAdminValues(
      'defaults:\n  region: eu-west-1\n  hourly_rate: 2\n  provider: acme\nnodes:\n  w2:\n    hourly-rate: "3.5"\n    zone: eu-west-1b\n    preemptible: true\n',
      'admin.yaml',
    );
    expect(adminValuesFor('w1', f, {})).toEqual({ region: 'eu-west-1', hourlyRate: 2, provider: 'acme' });
    expect(adminValuesFor('w2', f, {})).toEqual({ region: 'eu-west-1', hourlyRate: 3.5, provider: 'acme', zone: 'eu-west-1b', preemptible: true });
    expect(adminValuesFor('w2', f, { hourlyRate: 4, region: undefined })).toMatchObject({ hourlyRate: 4, region: 'eu-west-1' });
  });

  it('rejects unknown keys and bad values in a values file', () => {
    expect(() => parseAdminValues('defaults:\n  regoin: x\n  hourlyRate: cheap\n', 'a.yaml')).toThrow(/regoin: unknown admin value[\s\S]*hourlyRate: expected a non-negative number/);
    expect(() => parseAdminValues('other: 1\n', 'a.yaml')).toThrow(/unknown top-level key 'other'/);
  });
});
