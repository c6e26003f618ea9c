import type { Intent, IntentSpec } from '../../src/intent/model.js';
import type { KubeObject } from '../../src/k8s/object.js';
import { intentId } from '../../src/k8s/names.js';

/** A normalized service intent; `spec` fields override the defaults. */
export function makeIntent(tenant: string, name: string, spec: Partial<IntentSpec> = {}, withWorkload = true): Intent {
  const base: IntentSpec = {
    objective: 'Cost_Minimization',
    resources: { gpu: { count: 1, shared: false, interruptible: false, multi_instance: false, dedicated: false } },
    constraints: { preemptible: false },
  };
  if (withWorkload) {
    base.workload = {
      type: 'service',
      name,
      containers: [{ name, image: 'nginx:1.27' }],
      env: [],
      ports: [],
      volumes: [],
      secrets: [],
      replicas: 1,
      scaling: { min_replicas: 1, max_replicas: 1, auto_scale: false, target_cpu_percent: 70, target_gpu_percent: 80 },
    };
  }
  return {
    id: intentId(tenant, name),
    tenant,
    name,
    file: `intents/${tenant}/${name}.yaml`,
    shape: 'envelope',
    labels: {},
    spec: { ...base, ...spec },
  };
}

export interface OfferSpec {
  provider: string;
  model?: string;
  count?: number;
  memory?: string;
  rate: number;
  region?: string;
  latency?: number;
  available?: boolean;
}

export function peeringCandidate(name: string, solvers: string[], o: OfferSpec): KubeObject {
  return {
    apiVersion: 'advertisement.fluidos.eu/v1alpha1',
    kind: 'PeeringCandidate',
    metadata: { name, namespace: 'fluidos' },
    spec: {
      interestedSolverIDs: solvers,
      available: o.available ?? true,
      flavor: {
        metadata: { name: `flavor-${name}` },
        spec: {
          owner: { domain: `${o.provider}.fluidos.local`, nodeID: `${o.provider}-node`, ip: '10.0.0.1' },
          providerID: o.provider,
          availability: true,
          flavorType: {
            typeName: 'K8Slice',
            typeData: {
              characteristics: {
                cpu: '64',
                memory: '512Gi',
                pods: '110',
                gpu: {
                  vendor: 'nvidia',
                  model: o.model ?? 'nvidia-a100',
                  count: o.count ?? 8,
                  memory: o.memory ?? '80Gi',
                  region: o.region ?? 'eu-west-1',
                  hourly_rate: o.rate,
                  provider: o.provider,
                  fp32_tflops: 19.5,
                  network_latency_ms: o.latency ?? 10,
                },
              },
            },
          },
        },
      },
    },
  };
}

export function solver(name: string, phase = 'Solved'): KubeObject {
  return {
    apiVersion: 'nodecore.fluidos.eu/v1alpha1',
    kind: 'Solver',
    metadata: { name, namespace: 'fluidos', labels: { 'app.kubernetes.io/managed-by': 'flare' } },
    spec: {},
    status: { solverPhase: { phase }, discoveryPhase: phase },
  };
}

export function reservation(name: string, solverId: string, pc: string, phase?: string, contract?: string): KubeObject {
  const status: Record<string, unknown> = {};
  if (phase) status.phase = { phase, message: phase === 'Failed' ? 'flavor no longer available' : '' };
  if (contract) status.contract = { name: contract, namespace: 'fluidos' };
  return {
    apiVersion: 'reservation.fluidos.eu/v1alpha1',
    kind: 'Reservation',
    metadata: { name, namespace: 'fluidos' },
    spec: { solverID: solverId, peeringCandidate: { name: pc, namespace: 'fluidos' }, reserve: true, purchase: true },
    status,
  };
}

export function contract(name: string, liqoId: string): KubeObject {
  return {
    apiVersion: 'reservation.fluidos.eu/v1alpha1',
    kind: 'Contract',
    metadata: { name, namespace: 'fluidos' },
    spec: { peeringTargetCredentials: { liqoID: liqoId } },
  };
}

export function allocation(name: string, contractName: string, status?: string): KubeObject {
  return {
    apiVersion: 'nodecore.fluidos.eu/v1alpha1',
    kind: 'Allocation',
    metadata: { name, namespace: 'fluidos' },
    spec: { contract: { name: contractName, namespace: 'fluidos' } },
    status: status ? { status } : {},
  };
}

export function virtualNode(name: string, liqoId: string, ready: boolean): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'liqo.io/type': 'virtual-node', 'liqo.io/remote-cluster-id': liqoId } },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

export function deployment(intent: Intent, replicas: number, ready: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: intent.name,
      namespace: `flare-${intent.tenant}-${intent.name}`,
      labels: { 'app.kubernetes.io/managed-by': 'flare', 'flare.io/intent-id': intent.id },
    },
    spec: { replicas },
    status: { readyReplicas: ready },
  };
}

export function job(intent: Intent, state: 'running' | 'complete' | 'failed'): KubeObject {
  const conditions = state === 'complete' ? [{ type: 'Complete', status: 'True' }] : state === 'failed' ? [{ type: 'Failed', status: 'True' }] : [];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: intent.name,
      namespace: `flare-${intent.tenant}-${intent.name}`,
      labels: { 'app.kubernetes.io/managed-by': 'flare', 'flare.io/intent-id': intent.id },
    },
    spec: { completions: 1 },
    status: { succeeded: state === 'complete' ? 1 : 0, failed: state === 'failed' ? 4 : 0, conditions },
  };
}
