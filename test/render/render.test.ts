import { beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_CONFIG } from '../../src/config/model.js';
import { loadTemplates } from '../../src/render/load-templates.js';
import { render } from '../../src/render/render.js';
import type { TemplateSet } from '../../src/render/templates.js';
import type { KubeObject } from '../../src/k8s/object.js';
import * as h from './helpers.js';
import { gpuDemand, placementGpus, replicasPerPlacement } from '../../src/intent/budget.js';

let templates: TemplateSet;
beforeAll(async () => {
  templates = (await loadTemplates()).templates;
});

function kinds(objs: { object: KubeObject }[]): string[] {
  return objs.map((o) => o.object.kind).sort();
}
function find(r: ReturnType<typeof render>, kind: string, name?: string): KubeObject {
  const o = r.objects.find((x) => x.object.kind === kind && (name === undefined || x.object.metadata.name === name));
  if (!o) throw new Error(`no ${kind} ${name ?? ''}`);
  return o.object;
}

describe('stages', () => {
  test('stage A only without status: Tenant, Namespace with tenant labels, Solver in the fluidos namespace', () => {
    const i = h.intent({ name: 'llama', gpu: { model: 'nvidia-h100', count: 2 } });
    const r = render(h.model([i], { tenants: [{ name: 'team-a', file: 'tenants/team-a.yaml', owners: [{ kind: 'Group', name: 'ml' }], quota: { gpus: 8 } }] }), templates);
    expect(r.diagnostics).toEqual([]);
    expect(kinds(r.objects)).toEqual(['Namespace', 'Solver', 'Tenant']);
    const ns = find(r, 'Namespace');
    expect(ns.metadata.name).toBe('flare-team-a-llama');
    expect(ns.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'flare',
      'flare.io/intent-id': 'team-a-llama',
      'flare.io/tenant': 'team-a',
      'capsule.clastix.io/tenant': 'team-a',
    });
    const solver = find(r, 'Solver');
    expect(solver.metadata).toMatchObject({ name: 'flare-team-a-llama', namespace: 'fluidos', annotations: { 'argocd.argoproj.io/sync-wave': '0' } });
    expect(solver.spec).toMatchObject({ intentID: 'team-a-llama', findCandidate: true, reserveAndBuy: false, establishPeering: false, selector: { flavorType: 'K8Slice' } });
    const tenant = find(r, 'Tenant');
    expect(tenant.metadata.namespace).toBeUndefined();
    expect(tenant.spec).toEqual({
      owners: [{ kind: 'Group', name: 'ml' }],
      namespaceOptions: { quota: 1 },
      // every vendor's resource: the chosen offer, not the intent, decides the vendor
      resourceQuotas: { scope: 'Tenant', items: [{ hard: { 'requests.amd.com/gpu': 8, 'requests.gpu.intel.com/i915': 8, 'requests.nvidia.com/gpu': 8 } }] },
    });
    expect(tenant.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
  });

  test('fluidos selection sets all three flags; the intent overrides flare.yaml', () => {
    const a = h.intent({ name: 'a', spec: { selection: 'fluidos' } });
    const b = h.intent({ name: 'b' });
    const r = render(h.model([a, b]), templates);
    expect(find(r, 'Solver', 'flare-team-a-a').spec).toMatchObject({ findCandidate: true, reserveAndBuy: true, establishPeering: true });
    expect(find(r, 'Solver', 'flare-team-a-b').spec).toMatchObject({ reserveAndBuy: false, establishPeering: false });
    const r2 = render(h.model([b], { config: { ...DEFAULT_CONFIG, selection: 'fluidos', namespaces: { fluidos: 'fluidos-system' } } }), templates);
    expect(find(r2, 'Solver').spec.reserveAndBuy).toBe(true);
    expect(find(r2, 'Solver').metadata.namespace).toBe('fluidos-system');
  });

  test('stage B: Reservation for exactly the requested partition, buyer = consumer, seller = chosen owner', () => {
    const i = h.intent({ name: 'llama', gpu: { model: 'nvidia-a100', count: 2, memory_min: '40Gi' }, spec: { resources: { cpu: '16', memory: '64Gi', gpu: h.gpu() }, constraints: { preemptible: false } } });
    const s = h.status(i, [h.placement({ attempt: 3, chosen: h.chosen({ candidate: 'pc-7' }) })]);
    const r = render(h.model([i], { statuses: [s] }), templates);
    const res = find(r, 'Reservation');
    expect(res.metadata).toMatchObject({ name: 'flare-team-a-llama-a3', namespace: 'fluidos' });
    expect(res.spec).toEqual({
      solverID: 'flare-team-a-app',
      buyer: DEFAULT_CONFIG.consumer,
      seller: h.chosen().owner,
      peeringCandidate: { name: 'pc-7', namespace: 'fluidos' },
      reserve: true,
      purchase: true,
      configuration: { type: 'K8Slice', data: { cpu: '16', memory: '64Gi', pods: '1', gpu: { count: 2, model: 'nvidia-a100', memory: '40Gi' } } },
    });
    expect(kinds(r.objects)).not.toContain('Allocation');
    expect(kinds(r.objects)).not.toContain('NamespaceOffloading');
  });

  test('fluidos selection never renders Reservation or Allocation', () => {
    const i = h.intent({ spec: { selection: 'fluidos' } });
    const s = h.status(i, [h.placement({ chosen: h.chosen(), contract: { name: 'c', liqo_id: 'l' } })]);
    expect(kinds(render(h.model([i], { statuses: [s] }), templates).objects)).toEqual(['Namespace', 'Solver', 'Tenant']);
  });

  test('stage C: Allocation referencing the contract', () => {
    const i = h.intent();
    const s = h.status(i, [h.placement({ chosen: h.chosen(), contract: { name: 'contract-abc', liqo_id: 'liqo-1' } })]);
    const r = render(h.model([i], { statuses: [s] }), templates);
    const a = find(r, 'Allocation');
    expect(a.spec).toEqual({ contract: { name: 'contract-abc', namespace: 'fluidos' }, forwarding: false });
    expect(a.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('2');
  });

  test('stage D: NamespaceOffloading and a Deployment pinned to the remote cluster with vendor GPU limits', () => {
    const i = h.intent({
      name: 'svc',
      gpu: { model: 'amd-mi300x', count: 1 },
      spec: { resources: { cpu: '8', memory: '32Gi', gpu: h.gpu() }, constraints: { preemptible: false } },
      workload: {
        env: [{ name: 'MODE', value: 'a=b' }],
        secrets: [{ name: 'hf', env: 'HF_TOKEN' }],
        ports: [{ port: 8000, protocol: 'TCP', expose: true, domain: 'llm.example.com' }, { port: 9000, protocol: 'UDP', expose: false }],
        volumes: [{ name: 'Cache', size: '5Gi', type: 'temporary', path: '/cache' }, { name: 'data', size: '100Gi', type: 'persistent', path: '/data' }],
      },
    });
    const s = h.status(i, [h.placement({ chosen: h.chosen({ model: 'amd-mi300x', vendor: 'amd' }), contract: { name: 'c', liqo_id: 'l' }, remote_cluster_id: 'cluster-1', virtual_node: { name: 'liqo-node-1', ready: true } })]);
    const r = render(h.model([i], { statuses: [s] }), templates);
    expect(kinds(r.objects)).toEqual(['Allocation', 'Deployment', 'Ingress', 'Namespace', 'NamespaceOffloading', 'PersistentVolumeClaim', 'Reservation', 'Service', 'Solver', 'Tenant']);
    // only the allocation's own virtual node: the provider may run other intents' nodes too
    const own = [
      { key: 'liqo.io/remote-cluster-id', operator: 'In', values: ['cluster-1'] },
      { key: 'kubernetes.io/hostname', operator: 'In', values: ['liqo-node-1'] },
    ];
    const off = find(r, 'NamespaceOffloading');
    expect(off.metadata).toMatchObject({ name: 'offloading', namespace: 'flare-team-a-svc' });
    expect(off.spec).toEqual({
      namespaceMappingStrategy: 'EnforceSameName',
      podOffloadingStrategy: 'Remote',
      clusterSelector: { nodeSelectorTerms: [{ matchExpressions: own }] },
    });
    const d = find(r, 'Deployment');
    const pod = d.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'liqo.io/remote-cluster-id': 'cluster-1' });
    expect(pod.affinity).toEqual({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: own }] } } });
    expect(pod.tolerations).toEqual([{ key: 'virtual-node.liqo.io/not-allowed', operator: 'Exists', effect: 'NoExecute' }]);
    const c = pod.containers[0];
    expect(c.resources).toEqual({ requests: { cpu: '8', memory: '32Gi', 'amd.com/gpu': '1' }, limits: { memory: '32Gi', 'amd.com/gpu': '1' } });
    expect(c.env).toEqual([{ name: 'MODE', value: 'a=b' }, { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'HF_TOKEN' } } }]);
    expect(pod.volumes).toEqual([{ name: 'cache', emptyDir: { sizeLimit: '5Gi' } }, { name: 'data', persistentVolumeClaim: { claimName: 'data' } }]);
    expect(d.spec.selector.matchLabels).toEqual(d.spec.template.metadata.labels && { 'flare.io/intent-id': 'team-a-svc', 'app.kubernetes.io/name': 'svc' });
    for (const [k, v] of Object.entries(d.spec.selector.matchLabels as Record<string, string>)) expect(d.spec.template.metadata.labels[k]).toBe(v);
    expect(find(r, 'PersistentVolumeClaim').spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Gi' } } });
    expect(find(r, 'Service').spec.ports).toEqual([
      { name: 'tcp-8000', port: 8000, targetPort: 8000, protocol: 'TCP' },
      { name: 'udp-9000', port: 9000, targetPort: 9000, protocol: 'UDP' },
    ]);
    expect(find(r, 'Ingress').spec.rules).toEqual([
      { host: 'llm.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'svc', port: { number: 8000 } } } }] } },
    ]);
    expect(kinds(r.objects)).not.toContain('HorizontalPodAutoscaler');
    expect(kinds(r.objects)).not.toContain('PodDisruptionBudget');
  });

  test('HPA when auto_scale, PDB when replicas > 1', () => {
    const i = h.intent({
      gpu: { count: 2 },
      workload: { replicas: 2, scaling: { min_replicas: 2, max_replicas: 6, auto_scale: true, target_cpu_percent: 60, target_gpu_percent: 80 } },
    });
    const s = h.status(i, [h.placement({ chosen: h.chosen(), remote_cluster_id: 'c1' })]);
    const r = render(h.model([i], { statuses: [s] }), templates);
    expect(find(r, 'HorizontalPodAutoscaler').spec).toMatchObject({ minReplicas: 2, maxReplicas: 6, scaleTargetRef: { kind: 'Deployment', name: 'app' } });
    expect(find(r, 'HorizontalPodAutoscaler').spec.metrics[0].resource.target.averageUtilization).toBe(60);
    expect(find(r, 'PodDisruptionBudget').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'flare.io/intent-id': 'team-a-app', 'app.kubernetes.io/name': 'app' } } });
    expect(find(r, 'Deployment').spec.replicas).toBe(2);
    // gpu.count is per replica; the reservation holds it for every replica the HPA may add
    expect(find(r, 'Deployment').spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('2');
    expect(find(r, 'Reservation').spec.configuration.data.gpu.count).toBe(12);
  });

  test('gpu.count is per replica: one number for the Solver filter, the Reservation, the quota and the cost cap', () => {
    const i = h.intent({ gpu: { count: 1 }, workload: { replicas: 3 } });
    expect(replicasPerPlacement(i)).toBe(3);
    expect(placementGpus(i)).toBe(3);
    const s = h.status(i, [h.placement({ chosen: h.chosen(), remote_cluster_id: 'c1' })]);
    const r = render(h.model([i], { statuses: [s] }), templates);
    expect(find(r, 'Reservation').spec.configuration.data.gpu.count).toBe(3);
    expect(find(r, 'Solver').spec.selector.filters.gpuFilters.find((f: { field: string }) => f.field === 'count').data.min).toBe(3);
    expect(find(r, 'Deployment').spec.replicas).toBe(3);
    expect(find(r, 'Deployment').spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
    // multi-region, one replica per region: one GPU per placement, three in all
    const mr = h.intent({ gpu: { count: 1 }, workload: { replicas: 3 }, spec: { constraints: { preemptible: false, regions: ['EU', 'US-East', 'Asia-Pacific'] } } });
    expect(placementGpus(mr)).toBe(1);
    expect(gpuDemand(mr)).toBe(3);
    // a batch Job's tasks share the placement's GPUs
    const batch = h.intent({ gpu: { count: 4 }, workload: { type: 'batch', batch: { parallel_tasks: 100, max_retries: 3, completion_policy: 'All' } } });
    expect(placementGpus(batch)).toBe(4);
  });

  test('batch: Job with parallelism from the GPUs, completions, backoffLimit, activeDeadlineSeconds', () => {
    const i = h.intent({
      gpu: { count: 4, model: 'nvidia-rtx-4080' },
      spec: { resources: { cpu: '32', memory: '128Gi', gpu: h.gpu() }, constraints: { preemptible: false } },
      workload: { type: 'batch', batch: { parallel_tasks: 100, max_retries: 5, completion_policy: 'All', timeout: 7200 } },
    });
    const s = h.status(i, [h.placement({ remote_cluster_id: 'c1' })]);
    const job = find(render(h.model([i], { statuses: [s] }), templates), 'Job');
    expect(job.spec).toMatchObject({ parallelism: 4, completions: 100, backoffLimit: 5, activeDeadlineSeconds: 7200 });
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.template.spec.containers[0].resources.requests).toEqual({ cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '1' });
    const any = h.intent({ gpu: { count: 2 }, workload: { type: 'batch', batch: { parallel_tasks: 2, max_retries: 3, completion_policy: 'Any' } } });
    const j2 = find(render(h.model([any], { statuses: [h.status(any, [h.placement({ remote_cluster_id: 'c' })])] }), templates), 'Job');
    expect(j2.spec.completions).toBeUndefined();
    expect(j2.spec.parallelism).toBe(2);
    expect(j2.spec.activeDeadlineSeconds).toBeUndefined();
  });

  test('capacity-only intents stop after NamespaceOffloading', () => {
    const i = h.intent({ name: 'pool', workload: null, gpu: { count: 8 } });
    const s = h.status(i, [h.placement({ chosen: h.chosen(), contract: { name: 'c', liqo_id: 'l' }, remote_cluster_id: 'r1' })]);
    const r = render(h.model([i], { statuses: [s] }), templates);
    expect(kinds(r.objects)).toEqual(['Allocation', 'Namespace', 'NamespaceOffloading', 'Reservation', 'Solver', 'Tenant']);
    expect(find(r, 'Reservation').spec.configuration.data.pods).toBe('1');
  });

  test('multi-region: one Solver per region, one workload per placement with toleration', () => {
    const i = h.intent({
      name: 'global',
      spec: { constraints: { preemptible: false, regions: ['EU', 'US-East', 'Asia-Pacific'] } },
      workload: { replicas: 3 },
    });
    const s = h.status(i, [
      h.placement({ location: 'EU', solver: 'flare-team-a-global-eu', chosen: h.chosen(), remote_cluster_id: 'eu-1' }),
      h.placement({ location: 'US-East', solver: 'flare-team-a-global-us-east', chosen: h.chosen(), remote_cluster_id: 'us-1', attempt: 2 }),
      h.placement({ location: 'Asia-Pacific', solver: 'flare-team-a-global-asia-pacific' }),
    ]);
    const r = render(h.model([i], { statuses: [s] }), templates);
    const solvers = r.objects.filter((o) => o.object.kind === 'Solver').map((o) => o.object);
    expect(solvers.map((x) => x.metadata.name).sort()).toEqual(['flare-team-a-global-asia-pacific', 'flare-team-a-global-eu', 'flare-team-a-global-us-east']);
    const region = (x: KubeObject) => x.spec.selector.filters.gpuFilters.find((f: { field: string }) => f.field === 'region').data.regex;
    expect(region(solvers.find((x) => x.metadata.name.endsWith('-eu'))!)).toBe('^eu-[a-z0-9-]*$');
    expect(region(solvers.find((x) => x.metadata.name.endsWith('-us-east'))!)).toBe('^us-east-[a-z0-9-]*$');
    expect(r.objects.filter((o) => o.object.kind === 'Reservation').map((o) => o.object.metadata.name).sort()).toEqual(['flare-team-a-global-eu-a1', 'flare-team-a-global-us-east-a2']);
    expect(find(r, 'NamespaceOffloading').spec.clusterSelector.nodeSelectorTerms[0].matchExpressions[0].values).toEqual(['eu-1', 'us-1']);
    const deps = r.objects.filter((o) => o.object.kind === 'Deployment').map((o) => o.object);
    expect(deps.map((d) => d.metadata.name).sort()).toEqual(['global-eu', 'global-us-east']);
    for (const d of deps) {
      expect(d.spec.replicas).toBe(1);
      expect(d.spec.template.spec.tolerations).toEqual([{ key: 'virtual-node.liqo.io/not-allowed', operator: 'Exists', effect: 'NoExecute' }]);
    }
    expect(deps.find((d) => d.metadata.name === 'global-us-east')!.spec.template.spec.nodeSelector).toEqual({ 'liqo.io/remote-cluster-id': 'us-1' });
  });

  test('NetworkPolicy for private isolation and allow rules; none for public or deny-only', () => {
    const priv = h.intent({ name: 'p', spec: { constraints: { preemptible: false, security: { network_isolation: 'private', firewall_rules: [{ port: 443, protocol: 'tcp', source: '10.0.0.0/8', action: 'allow' }, { port: 22, source: '0.0.0.0/0', action: 'deny' }] } } } });
    const pub = h.intent({ name: 'q', spec: { constraints: { preemptible: false, security: { network_isolation: 'public', firewall_rules: [{ port: 22, action: 'deny' }] } } } });
    const r = render(h.model([priv, pub]), templates);
    const nps = r.objects.filter((o) => o.object.kind === 'NetworkPolicy');
    expect(nps.length).toBe(1);
    expect(nps[0]!.object.metadata.namespace).toBe('flare-team-a-p');
    expect(nps[0]!.object.spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: {} }] }, { from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 443, protocol: 'TCP' }] }],
    });
  });
});

describe('files', () => {
  test('layout, kustomizations, .gitattributes, header; every file parses to its object', () => {
    const a = h.intent({ tenant: 'team-b', name: 'x' });
    const b = h.intent({ tenant: 'team-a', name: 'y' });
    const r = render(h.model([a, b]), templates);
    expect([...r.files.keys()]).toEqual([
      '.gitattributes',
      'kustomization.yaml',
      'team-a/_tenant/tenant-team-a.yaml',
      'team-a/kustomization.yaml',
      'team-a/y/namespace-flare-team-a-y.yaml',
      'team-a/y/solver-flare-team-a-y.yaml',
      'team-b/_tenant/tenant-team-b.yaml',
      'team-b/kustomization.yaml',
      'team-b/x/namespace-flare-team-b-x.yaml',
      'team-b/x/solver-flare-team-b-x.yaml',
    ]);
    expect(parse(r.files.get('kustomization.yaml')!)).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['team-a', 'team-b'] });
    expect(parse(r.files.get('team-a/kustomization.yaml')!).resources).toEqual(['_tenant/tenant-team-a.yaml', 'y/namespace-flare-team-a-y.yaml', 'y/solver-flare-team-a-y.yaml']);
    expect(r.files.get('.gitattributes')).toContain('* linguist-generated=true');
    for (const o of r.objects) {
      const text = r.files.get(o.path)!;
      expect(text.startsWith('# Generated by flare render from ')).toBe(true);
      expect(parse(text)).toEqual(o.object);
      expect(text).not.toMatch(/\d{4}-\d\d-\d\dT/);
    }
  });
  test('deterministic: input order does not matter and two renders are byte-identical', () => {
    const xs = ['c', 'a', 'b'].map((n) => h.intent({ name: n, gpu: { model: 'nvidia-h100' }, spec: { constraints: { preemptible: false, location: 'EU', max_hourly_cost: 3 } } }));
    const r1 = render(h.model(xs), templates);
    const r2 = render(h.model([...xs].reverse()), templates);
    expect([...r2.files.entries()]).toEqual([...r1.files.entries()]);
  });
  test('a broken override template is an error diagnostic naming the template', async () => {
    const { compileTemplates } = await import('../../src/render/templates.js');
    const { readFile } = await import('node:fs/promises');
    const { shippedTemplatesDir } = await import('../../src/render/load-templates.js');
    const path = await import('node:path');
    const names = ['namespace', 'solver', 'tenant'];
    const sources = await Promise.all(names.map(async (n) => ({ name: `${n}.yaml.hbs`, file: `templates/${n}.yaml.hbs`, text: await readFile(path.join(shippedTemplatesDir(), `${n}.yaml.hbs`), 'utf8') })));
    sources.push({ name: 'namespace.yaml.hbs', file: 'repo/templates/namespace.yaml.hbs', text: '# kind: Namespace\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{json name}}\n' });
    const t = compileTemplates(sources).templates;
    const r = render(h.model([h.intent()]), t);
    expect(r.diagnostics.some((d) => d.severity === 'error' && d.file === 'repo/templates/namespace.yaml.hbs' && /kind "ConfigMap"/.test(d.message))).toBe(true);
  });
});
