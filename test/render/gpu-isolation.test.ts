import { beforeAll, describe, expect, test } from 'vitest';
import { loadTemplates } from '../../src/render/load-templates.js';
import { render } from '../../src/render/render.js';
import type { TemplateSet } from '../../src/render/templates.js';
import type { KubeObject } from '../../src/k8s/object.js';
import * as h from './helpers.js';

let templates: TemplateSet;
beforeAll(async () => {
  templates = (await loadTemplates()).templates;
});

function find(r: ReturnType<typeof render>, kind: string): KubeObject {
  const o = r.objects.find((x) => x.object.kind === kind);
  if (!o) throw new Error(`no ${kind}`);
  return o.object;
}

describe('GPU isolation inside the pod', () => {
  test('every container gets explicit requests and limits; only the first holds GPUs', () => {
    const i = h.intent({
      gpu: { count: 2 },
      spec: { resources: { cpu: '4', memory: '8Gi', gpu: h.gpu() }, constraints: { preemptible: false } },
      workload: {
        containers: [
          { name: 'server', image: 'vllm/vllm-openai:v0.6.3' },
          { name: 'metrics', image: 'prom/statsd-exporter:v0.27.0' },
          { name: 'proxy', image: 'envoyproxy/envoy:v1.31.0' },
        ],
      },
    });
    const s = h.status(i, [h.placement({ chosen: h.chosen(), remote_cluster_id: 'c1' })]);
    const containers = find(render(h.model([i], { statuses: [s] }), templates), 'Deployment').spec.template.spec.containers;
    expect(containers).toHaveLength(3);
    for (const c of containers) {
      expect(c.resources?.requests, c.name).toBeDefined();
      expect(c.resources?.limits, c.name).toBeDefined();
      // extended resources need limit = request; the memory limit guards the shared partition
      for (const k of ['nvidia.com/gpu', 'memory']) expect(c.resources.limits[k], `${c.name} ${k}`).toBe(c.resources.requests[k]);
    }
    expect(containers[0].resources.limits['nvidia.com/gpu']).toBe('2');
    expect(containers[1].resources.limits['nvidia.com/gpu']).toBe('0');
    expect(containers[2].resources.limits['nvidia.com/gpu']).toBe('0');
    // the pod's share of the partition is split between its containers, never exceeded
    const cpu = containers.map((c: any) => c.resources.requests.cpu);
    expect(cpu).toEqual(['1334m', '1333m', '1333m']);
    expect(containers.map((c: any) => c.resources.limits.memory)).toEqual(containers.map((c: any) => c.resources.requests.memory));
  });

  test('the GPU resource name comes from the chosen offer\'s vendor, so model any runs on AMD and Intel', () => {
    for (const [vendor, model, name] of [['amd', 'amd-mi300x', 'amd.com/gpu'], ['intel', 'intel-arc-a770', 'gpu.intel.com/i915'], ['nvidia', 'nvidia-t4', 'nvidia.com/gpu']] as const) {
      const i = h.intent({ gpu: { model: 'any', count: 1 } });
      const s = h.status(i, [h.placement({ chosen: h.chosen({ model, vendor }), remote_cluster_id: 'c1' })]);
      const r = render(h.model([i], { statuses: [s] }), templates);
      const c = find(r, 'Deployment').spec.template.spec.containers[0];
      expect(c.resources.limits, vendor).toEqual({ [name]: '1' });
      // the Reservation buys the offer's model, not "any"
      expect(find(r, 'Reservation').spec.configuration.data.gpu.model).toBe(model);
    }
  });

  test('without a recorded vendor the chosen model names it (status written before the vendor was recorded)', () => {
    const i = h.intent({ gpu: { model: 'any', count: 1 } });
    const s = h.status(i, [h.placement({ chosen: h.chosen({ model: 'amd-mi300x' }), remote_cluster_id: 'c1' })]);
    const c = find(render(h.model([i], { statuses: [s] }), templates), 'Deployment').spec.template.spec.containers[0];
    expect(c.resources.limits).toEqual({ 'amd.com/gpu': '1' });
  });

  test('the Capsule Tenant quota bounds every vendor\'s GPU resource', () => {
    const i = h.intent({ gpu: { model: 'any', count: 1 } });
    const r = render(h.model([i], { tenants: [{ name: 'team-a', file: 'tenants/team-a.yaml', owners: [], quota: { gpus: 8 } }] }), templates);
    expect(find(r, 'Tenant').spec.resourceQuotas.items[0].hard).toEqual({
      'requests.amd.com/gpu': 8,
      'requests.gpu.intel.com/i915': 8,
      'requests.nvidia.com/gpu': 8,
    });
  });
});
