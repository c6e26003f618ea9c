import type { Intent } from '../../src/intent/model.js';
import type { RepoModel } from '../../src/repo/model.js';
import * as h from './helpers.js';

/** Every kind at once: stage A–D of a service, a batch job, a capacity-only and a multi-region intent. */
export function richModel(extra: Intent[] = []): RepoModel {
  const svc = h.intent({
    name: 'svc',
    gpu: { model: 'nvidia-h100', count: 2, memory_min: '80Gi', shared: true, tier: 'premium' },
    spec: {
      resources: { cpu: '8', memory: '32Gi', gpu: h.gpu() },
      constraints: { preemptible: false, location: 'EU', max_hourly_cost: 10, providers: ['p1'], security: { network_isolation: 'private', firewall_rules: [{ port: 443, protocol: 'TCP', source: '10.0.0.0/8', action: 'allow' }] } },
    },
    workload: {
      replicas: 2,
      scaling: { min_replicas: 2, max_replicas: 4, auto_scale: true, target_cpu_percent: 70, target_gpu_percent: 80 },
      ports: [{ port: 8000, protocol: 'TCP', expose: true, domain: 'svc.example.com' }, { port: 9000, protocol: 'TCP', expose: true }],
      volumes: [{ name: 'data', size: '10Gi', type: 'persistent', path: '/data' }, { name: 'tmp', size: '1Gi', type: 'temporary', path: '/tmp' }],
      env: [{ name: 'A', value: '1' }],
      secrets: [{ name: 's', env: 'TOKEN' }],
      containers: [{ name: 'svc', image: 'img:1', command: ['python3'], args: ['-m', 'x'] }],
    },
  });
  const job = h.intent({ name: 'job', gpu: { count: 4 }, workload: { type: 'batch', batch: { parallel_tasks: 8, max_retries: 2, completion_policy: 'All', timeout: 3600 } } });
  const cap = h.intent({ name: 'cap', workload: null });
  const multi = h.intent({ name: 'multi', spec: { constraints: { preemptible: false, regions: ['EU', 'US'] } } });
  const full = (i: ReturnType<typeof h.intent>, loc?: string) =>
    h.placement({ ...(loc ? { location: loc } : {}), chosen: h.chosen(), contract: { name: `c-${i.name}`, liqo_id: 'l' }, allocation: { name: 'a' }, remote_cluster_id: `r-${i.name}-${loc ?? ''}` });
  const statuses = [h.status(svc, [full(svc)]), h.status(job, [full(job)]), h.status(cap, [full(cap)]), h.status(multi, [full(multi, 'EU'), full(multi, 'US')])];
  return h.model([svc, job, cap, multi, ...extra], { statuses, tenants: [{ name: 'team-a', file: 'tenants/team-a.yaml', owners: [{ kind: 'User', name: 'alice' }], quota: { gpus: 16 } }] });
}

