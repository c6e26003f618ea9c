import { DEFAULT_CONFIG, type FlareConfig } from '../../src/config/model.js';
import type { GpuRequest, Intent, Constraints, Objective, WorkloadType } from '../../src/intent/model.js';
import type { KubeObject } from '../../src/k8s/object.js';

/** GPU traits as they appear under `typeData.characteristics.gpu`; values may be strings as in the fork. */
export type GpuTraits = Record<string, unknown>;

export interface PcOptions {
  gpu?: GpuTraits | null;
  cpu?: string;
  memory?: string;
  available?: boolean;
  owner?: { domain: string; nodeID: string; ip: string };
  latencyProperty?: number;
}

/** A PeeringCandidate as discovery creates it: spec {interestedSolverIDs, flavor: full Flavor, available}. */
export function pc(name: string, opts: PcOptions = {}): KubeObject {
  const owner = opts.owner ?? { domain: `${name}.fluidos.eu`, nodeID: `node-${name}`, ip: '10.0.0.1' };
  const characteristics: Record<string, unknown> = {
    architecture: 'amd64',
    cpu: opts.cpu ?? '64',
    memory: opts.memory ?? '256Gi',
    pods: '110',
  };
  if (opts.gpu !== null) characteristics.gpu = opts.gpu ?? {};
  const typeData: Record<string, unknown> = {
    characteristics,
    policies: { partitionability: { cpuMin: '1', memoryMin: '1Gi', podsMin: '1', gpuMin: '1', cpuStep: '1', memoryStep: '1Gi', podsStep: '1', gpuStep: '1' } },
  };
  if (opts.latencyProperty !== undefined) typeData.properties = { latency: opts.latencyProperty };
  return {
    apiVersion: 'advertisement.fluidos.eu/v1alpha1',
    kind: 'PeeringCandidate',
    metadata: { name, namespace: 'fluidos' },
    spec: {
      interestedSolverIDs: ['solver-team-a-job'],
      available: opts.available ?? true,
      flavor: {
        apiVersion: 'nodecore.fluidos.eu/v1alpha1',
        kind: 'Flavor',
        metadata: { name: `flavor-${name}`, namespace: 'fluidos' },
        spec: {
          availability: true,
          providerID: owner.nodeID,
          owner,
          price: { amount: '0', currency: 'EUR', period: 'hourly' },
          flavorType: { typeIdentifier: 'K8Slice', typeData },
        },
      },
    },
  };
}

/** A realistic GPU trait set; override what a test is about. */
export function gpu(over: GpuTraits = {}): GpuTraits {
  return {
    vendor: 'nvidia',
    model: 'nvidia-a100',
    count: 4,
    memory: '40Gi',
    tier: 'premium',
    architecture: 'ampere',
    compute_capability: '8.0',
    fp32_tflops: 19.5,
    cores: '6912',
    clock_speed: '1.41G',
    interconnect: 'nvlink',
    topology: 'all-to-all',
    multi_gpu_efficiency: '0.9',
    region: 'eu-west-1',
    zone: 'eu-west-1a',
    hourly_rate: 3.5,
    provider: 'provider-a',
    network_latency_ms: 20,
    training_score: 0.9,
    inference_score: 0.88,
    ...over,
  };
}

export interface IntentOptions {
  objective?: Objective;
  type?: WorkloadType | null;
  gpu?: Partial<GpuRequest>;
  constraints?: Partial<Constraints>;
  cpu?: string;
  memory?: string;
  timeout?: number;
}

export function intent(o: IntentOptions = {}): Intent {
  const type = o.type === undefined ? 'batch' : o.type;
  const g: GpuRequest = { count: 1, shared: false, interruptible: false, multi_instance: false, dedicated: false, ...o.gpu };
  const resources: Intent['spec']['resources'] = { gpu: g };
  if (o.cpu !== undefined) resources.cpu = o.cpu;
  if (o.memory !== undefined) resources.memory = o.memory;
  const spec: Intent['spec'] = {
    objective: o.objective ?? 'Cost_Minimization',
    resources,
    constraints: { preemptible: false, ...o.constraints },
  };
  if (type !== null) {
    spec.workload = {
      type,
      name: 'job',
      containers: [{ name: 'job', image: 'pytorch/pytorch:2.3.0' }],
      env: [],
      ports: [],
      volumes: [],
      secrets: [],
      replicas: 1,
      scaling: { min_replicas: 1, max_replicas: 10, auto_scale: false, target_cpu_percent: 70, target_gpu_percent: 80 },
      ...(type === 'batch'
        ? { batch: { parallel_tasks: 1, max_retries: 3, completion_policy: 'All' as const, ...(o.timeout !== undefined ? { timeout: o.timeout } : {}) } }
        : {}),
    };
  }
  return { id: 'team-a-job', tenant: 'team-a', name: 'job', file: 'intents/team-a/job.yaml', shape: 'api', labels: {}, spec };
}

export function config(over: Partial<FlareConfig> = {}): FlareConfig {
  return { ...DEFAULT_CONFIG, ...over };
}
