import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/model.js';
import { parseIntent } from '../../src/intent/parse.js';

const opts = { tenant: 'team-a', config: DEFAULT_CONFIG };

function envelope(envLines: string[], secrets: string[] = []): string {
  return [
    'apiVersion: flare.fluidos.eu/v1alpha1',
    'kind: Intent',
    'metadata:',
    '  name: web',
    'spec:',
    '  objective: Cost_Minimization',
    '  workload:',
    '    type: service',
    '    image: nginx:1.27',
    '    env:',
    ...envLines.map((e) => `      - ${e}`),
    ...(secrets.length ? ['    secrets:', ...secrets.map((s) => `      - {name: s, env: ${s}}`)] : []),
    '    resources:',
    '      gpu: {model: any, count: 1}',
    '  constraints:',
    '    location: EU',
    '',
  ].join('\n');
}

describe('device-visibility environment variables', () => {
  const cases: [string, string][] = [
    ['NVIDIA_VISIBLE_DEVICES', 'all'],
    ['NVIDIA_VISIBLE_DEVICES', '0'],
    ['NVIDIA_DRIVER_CAPABILITIES', 'all'],
    ['CUDA_VISIBLE_DEVICES', 'all'],
    ['CUDA_VISIBLE_DEVICES', '0,1'],
    ['CUDA_VISIBLE_DEVICES', 'GPU-8f6e1a2b'],
    ['ROCR_VISIBLE_DEVICES', '3'],
    ['HIP_VISIBLE_DEVICES', '0,1,2,3'],
    ['GPU_DEVICE_ORDINAL', '1'],
    ['ZE_AFFINITY_MASK', 'all'],
  ];
  for (const [name, value] of cases) {
    it(`${name}=${value} with one GPU reserved is a located error with a hint`, () => {
      const r = parseIntent(envelope(['A=1', `${name}=${value}`]), 'intents/team-a/web.yaml', opts);
      const e = r.diagnostics.filter((d) => d.code === 'device-env');
      expect(e).toHaveLength(1);
      expect(e[0]).toMatchObject({ severity: 'error', file: 'intents/team-a/web.yaml', line: 12, path: 'workload.env[1]' });
      expect(e[0]!.column).toBeGreaterThan(0);
      expect(e[0]!.message).toContain(name);
      expect(e[0]!.hint).toMatch(/gpu\.count/);
      expect(r.intent).toBeUndefined();
    });
  }

  it('a secret cannot set one either', () => {
    const r = parseIntent(envelope(['A=1'], ['CUDA_VISIBLE_DEVICES']), 'intents/team-a/web.yaml', opts);
    expect(r.diagnostics.filter((d) => d.code === 'device-env').map((d) => d.path)).toEqual(['workload.secrets[0].env']);
  });

  it('indices of the pod\'s own GPUs and other GPU-ish names stay allowed', () => {
    const r = parseIntent(envelope(['CUDA_VISIBLE_DEVICES=0', 'CUDA_HOME=/usr/local/cuda', 'NVIDIA_REQUIRE_CUDA=cuda>=12.0', 'HIP_PLATFORM=amd']), 'intents/team-a/web.yaml', opts);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
