import { describe, expect, test } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/model.js';
import { explainIntent, formatExplain } from '../../src/render/explain.js';
import * as h from './helpers.js';

describe('explainIntent', () => {
  test('each used field lists the Solver filter and manifest field it became', () => {
    const i = h.intent({
      name: 'llm',
      gpu: { model: 'nvidia-a100', count: 2, memory_min: '40Gi', memory_max: '80Gi', shared: true },
      spec: { resources: { cpu: '8', memory: '32Gi', gpu: h.gpu() }, constraints: { preemptible: false, max_hourly_cost: 10, location: 'EU' } },
    });
    const r = explainIntent(i, DEFAULT_CONFIG);
    const of = (f: string) => r.fields.find((e) => e.field === f)?.becomes ?? [];
    expect(of('workload.resources.gpu.memory_min')).toContain('Solver flare-team-a-llm gpuFilters[field=memory] ResourceRangeSelector min 40Gi max 80Gi');
    expect(of('workload.resources.gpu.memory_max')).toContain('Solver flare-team-a-llm gpuFilters[field=memory] ResourceRangeSelector min 40Gi max 80Gi');
    expect(of('constraints.max_hourly_cost')[0]).toBe('Solver flare-team-a-llm gpuFilters[field=hourly_rate] NumberRangeFilter max 5');
    expect(of('workload.resources.gpu.count')).toContain('Deployment.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"] = 2 per pod × 1 pod(s)');
    expect(of('workload.resources.gpu.shared')).toEqual(expect.arrayContaining(['Solver flare-team-a-llm gpuFilters[field=shared] BooleanFilter true']));
    expect(of('workload.resources.cpu')[0]).toBe('Solver flare-team-a-llm spec.selector.filters.cpuFilter Range min 8');
    expect(of('constraints.location')[0]).toBe('Solver flare-team-a-llm gpuFilters[field=region] StringRangeSelector regex ^eu-[a-z0-9-]*$');
    expect(of('constraints.preemptible')).toEqual(['ranker: preemptible offers are rejected']);
    // false booleans produce no filter and no entry
    expect(r.fields.some((e) => e.field === 'workload.resources.gpu.dedicated')).toBe(false);
  });

  test('max_total_cost: explained as a cap ÷ runtime ÷ GPUs', () => {
    const i = h.intent({ gpu: { count: 2 }, spec: { constraints: { preemptible: false, max_total_cost: 40 } }, workload: { type: 'batch', batch: { parallel_tasks: 1, max_retries: 3, completion_policy: 'All', timeout: 4 * 3600 } } });
    const e = explainIntent(i, DEFAULT_CONFIG).fields.find((f) => f.field === 'constraints.max_total_cost')!;
    expect(e.becomes[0]).toBe('Solver flare-team-a-app gpuFilters[field=hourly_rate] NumberRangeFilter max 5');
    expect(e.becomes).toContain('hourly cap 40 EUR ÷ 4 h expected runtime (batch.timeout)');
  });

  test('recorded, not enforced: compliance, energy, sla, deny rules, strategies, volume sources', () => {
    const i = h.intent({
      spec: {
        constraints: {
          preemptible: true,
          compliance: { gdpr_compliant: true, certifications: ['ISO27001'] },
          energy: { renewable_energy_only: true },
          security: { network_isolation: 'public', vpn_access: true, firewall_rules: [{ port: 22, action: 'deny', source: '0.0.0.0/0' }] },
        },
        sla: { availability: '99.9%' },
      },
      workload: { deployment_strategy: 'distributed', volumes: [{ name: 'd', size: '1Gi', type: 'temporary', path: '/d', source: { type: 's3', uri: 's3://b/k' } }] },
    });
    const r = explainIntent(i, DEFAULT_CONFIG);
    expect(r.notEnforced.map((f) => f.field).sort()).toEqual([
      'constraints.compliance.certifications',
      'constraints.compliance.gdpr_compliant',
      'constraints.energy.renewable_energy_only',
      'constraints.security.firewall_rules[0]',
      'constraints.security.network_isolation',
      'constraints.security.vpn_access',
      'sla.availability',
      'workload.deployment_strategy',
      'workload.storage.volumes[0].source',
    ]);
    expect(formatExplain(r)).toMatch(/recorded, not enforced:\n(\s+.*\n)*\s+sla\.availability = "99\.9%"/);
  });

  test('capacity-only intents say so', () => {
    const r = explainIntent(h.intent({ workload: null }), DEFAULT_CONFIG);
    expect(r.fields.find((f) => f.field === 'workload')?.becomes[0]).toMatch(/capacity-only/);
  });
});
