import { DEFAULT_CONFIG, type FlareConfig, type Tenant } from '../../src/config/model.js';
import { specHash } from '../../src/intent/spec-hash.js';
import type { GpuRequest, Intent, IntentSpec, Workload } from '../../src/intent/model.js';
import type { IntentStatus, Placement } from '../../src/status/model.js';
import type { RepoModel } from '../../src/repo/model.js';
import { intentId } from '../../src/k8s/names.js';

export function gpu(over: Partial<GpuRequest> = {}): GpuRequest {
  return { count: 1, shared: false, interruptible: false, multi_instance: false, dedicated: false, ...over };
}

export function workload(over: Partial<Workload> = {}): Workload {
  return {
    type: 'service',
    name: 'app',
    containers: [{ name: 'app', image: 'nginx:1.27' }],
    env: [],
    ports: [],
    volumes: [],
    secrets: [],
    replicas: 1,
    scaling: { min_replicas: 1, max_replicas: 10, auto_scale: false, target_cpu_percent: 70, target_gpu_percent: 80 },
    ...over,
  };
}

export interface IntentOptions {
  tenant?: string;
  name?: string;
  spec?: Partial<IntentSpec>;
  gpu?: Partial<GpuRequest>;
  workload?: Partial<Workload> | null;
}

/** A normalized intent built by hand, as the parser would produce it. */
export function intent(o: IntentOptions = {}): Intent {
  const tenant = o.tenant ?? 'team-a';
  const name = o.name ?? o.workload?.name ?? 'app';
  const spec: IntentSpec = {
    objective: 'Cost_Minimization',
    resources: { gpu: gpu(o.gpu) },
    constraints: { preemptible: false },
    ...o.spec,
  };
  if (o.workload !== null) spec.workload = workload({ name, ...o.workload });
  if (o.gpu && o.spec?.resources) spec.resources = { ...o.spec.resources, gpu: gpu(o.gpu) };
  return { id: intentId(tenant, name), tenant, name, file: `intents/${tenant}/${name}.yaml`, shape: 'envelope', labels: {}, spec };
}

export function placement(over: Partial<Placement> = {}): Placement {
  return { solver: 'flare-team-a-app', attempt: 1, ...over };
}

export function chosen(over: Partial<NonNullable<Placement['chosen']>> = {}): NonNullable<Placement['chosen']> {
  return {
    candidate: 'pc-provider-1-h100',
    flavor: 'flavor-h100',
    provider: 'provider-1',
    owner: { domain: 'provider-1.fluidos.local', nodeID: 'provider-1', ip: '10.0.0.2' },
    model: 'nvidia-h100',
    count: 8,
    memory: '80Gi',
    region: 'eu-west-1',
    hourly_rate: 2,
    hourly_cost: 2,
    score: 0.9,
    breakdown: { cost: 0.5, performance: 0.3, latency: 0.1, energy: 0 },
    ...over,
  };
}

export function status(i: Intent, placements: Placement[], config: FlareConfig = DEFAULT_CONFIG): IntentStatus {
  return {
    intent_id: i.id,
    tenant: i.tenant,
    name: i.name,
    phase: 'Reserving',
    selection: 'flare',
    spec_hash: specHash(i, config),
    placements,
    history: [],
  };
}

export function model(intents: Intent[], o: { config?: FlareConfig; tenants?: Tenant[]; statuses?: IntentStatus[] } = {}): RepoModel {
  return {
    config: o.config ?? DEFAULT_CONFIG,
    tenants: o.tenants ?? [],
    intents,
    statuses: new Map((o.statuses ?? []).map((s) => [s.intent_id, s])),
    diagnostics: [],
  };
}
