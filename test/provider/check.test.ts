import { describe, expect, it } from 'vitest';
import { checkAnnotations } from '../../src/provider/check.js';

const VALID: Record<string, string> = {
  'gpu.fluidos.eu/vendor': 'nvidia',
  'gpu.fluidos.eu/model': 'nvidia-h100',
  'gpu.fluidos.eu/count': '4',
  'gpu.fluidos.eu/memory': '80Gi',
  'gpu.fluidos.eu/tier': 'premium',
  'gpu.fluidos.eu/interconnect': 'nvlink',
  'gpu.fluidos.eu/architecture': 'hopper',
  'gpu.fluidos.eu/compute_capability': '9.0',
  'gpu.fluidos.eu/shared': 'false',
  'nvidia.fluidos.eu/mig_capable': 'true',
  'location.fluidos.eu/region': 'eu-west-1',
  'cost.fluidos.eu/hourly-rate': '2',
  'cost.fluidos.eu/currency': 'EUR',
  'workload.fluidos.eu/training-score': '0.98',
  'kubernetes.io/hostname': 'whatever goes',
};

function violationsWith(key: string, value: string) {
  return checkAnnotations({ ...VALID, [key]: value });
}

describe('checkAnnotations', () => {
  it('accepts the admin guide example (and ignores non-FLUIDOS keys)', () => {
    expect(checkAnnotations(VALID)).toEqual([]);
  });

  it('accepts the fork spellings', () => {
    const a = { ...VALID };
    delete a['gpu.fluidos.eu/memory'];
    delete a['gpu.fluidos.eu/compute_capability'];
    a['gpu.fluidos.eu/memory-per-gpu'] = '80Gi';
    a['gpu.fluidos.eu/compute-capability'] = '9.0';
    a['gpu.fluidos.eu/sharing-strategy'] = 'mig';
    expect(checkAnnotations(a)).toEqual([]);
  });

  it.each([
    ['gpu.fluidos.eu/vendor', 'NVIDIA', /must be one of nvidia, amd, intel, custom/],
    ['gpu.fluidos.eu/model', 'H100', /vendor-prefixed/],
    ['gpu.fluidos.eu/memory', '80GB', /quantity in Gi/],
    ['gpu.fluidos.eu/memory', '80', /quantity in Gi/],
    ['gpu.fluidos.eu/count', '0', /positive integer/],
    ['gpu.fluidos.eu/count', '2.5', /positive integer/],
    ['workload.fluidos.eu/training-score', '1.5', /between 0 and 1/],
    ['workload.fluidos.eu/hpc-score', 'high', /between 0 and 1/],
    ['gpu.fluidos.eu/shared', 'True', /lowercase true or false/],
    ['provider.fluidos.eu/preemptible', 'yes', /lowercase true or false/],
    ['cost.fluidos.eu/currency', 'USD', /must be EUR/],
    ['location.fluidos.eu/region', 'EU_West', /lowercase letters and digits separated by hyphens/],
    ['cost.fluidos.eu/hourly-rate', '-1', /non-negative number/],
    ['cost.fluidos.eu/hourly-rate', '2 EUR', /non-negative number/],
    ['gpu.fluidos.eu/compute_capability', '9', /major\.minor/],
    ['gpu.fluidos.eu/fp32_tflops', 'fast', /non-negative number/],
    ['gpu.fluidos.eu/tier', 'gold', /must be one of premium/],
    ['gpu.fluidos.eu/sharing_strategy', 'vgpu', /must be one of mig, sriov/],
    ['gpu.fluidos.eu/interconnect', 'ethernet', /must be one of nvlink/],
    ['gpu.fluidos.eu/topology', 'star', /must be one of all-to-all/],
    ['gpu.fluidos.eu/cores', 'many', /quantity/],
    ['network.fluidos.eu/latency-ms', '5ms', /non-negative number/],
  ])('%s=%s is a violation', (key, value, message) => {
    const v = violationsWith(key, value);
    expect(v).toHaveLength(1);
    expect(v[0]!.key).toBe(key);
    expect(v[0]!.value).toBe(value);
    expect(v[0]!.message).toMatch(message);
  });

  it('flags a model that does not match the vendor', () => {
    const v = violationsWith('gpu.fluidos.eu/model', 'amd-mi300x');
    expect(v).toEqual([{ key: 'gpu.fluidos.eu/model', value: 'amd-mi300x', message: expect.stringMatching(/does not match gpu\.fluidos\.eu\/vendor=nvidia/) }]);
  });

  it('flags unknown keys with a did-you-mean', () => {
    const v = violationsWith('gpu.fluidos.eu/memroy', '80Gi');
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toBe('unknown annotation; did you mean gpu.fluidos.eu/memory?');
    const far = violationsWith('gpu.fluidos.eu/colour', 'green');
    expect(far[0]!.message).toBe('unknown annotation');
    expect(violationsWith('workload.fluidos.eu/training_score', '0.5')[0]!.message).toMatch(/did you mean workload\.fluidos\.eu\/training-score/);
  });

  it('flags both spellings with different values', () => {
    const v = violationsWith('gpu.fluidos.eu/memory-per-gpu', '40Gi');
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toMatch(/conflicts with gpu\.fluidos\.eu\/memory=80Gi/);
    expect(violationsWith('gpu.fluidos.eu/memory-per-gpu', '80Gi')).toEqual([]);
  });

  it('requires model, count and memory on a GPU node', () => {
    const v = checkAnnotations({ 'gpu.fluidos.eu/vendor': 'nvidia' });
    expect(v.map((x) => x.key)).toEqual(['gpu.fluidos.eu/model', 'gpu.fluidos.eu/count', 'gpu.fluidos.eu/memory']);
    expect(v.every((x) => x.message.startsWith('missing'))).toBe(true);
    expect(checkAnnotations({ 'location.fluidos.eu/region': 'eu-west-1' })).toEqual([]);
  });
});
