import type { FlareConfig, Tenant } from '../config/model.js';
import type { Diagnostic } from '../diagnostics.js';
import type { Intent, Workload } from '../intent/model.js';
import type { IntentStatus, Placement } from '../status/model.js';
import { statusMatches } from '../intent/spec-hash.js';
import { placementGpus, replicasPerPlacement } from '../intent/budget.js';
import { specHash } from '../intent/spec-hash.js';
import { GPU_RESOURCE_NAMES, gpuResourceName } from '../fluidos/types.js';
import {
  LABEL_CAPSULE_TENANT,
  LABEL_INTENT,
  LABEL_TENANT,
  MANAGED_BY,
  allocationName,
  dnsLabel,
  intentNamespace,
  reservationName,
  solverName,
} from '../k8s/names.js';
import { parseQuantity } from '../util/quantity.js';
import { solverFilters } from './filters.js';
import { probeSolvers } from './probe.js';
import { reservedPlacements, rolloutStrategy, stageD } from './move.js';
import { plannedPlacements, podShape } from './workload.js';
import { SYNC_WAVE, type ObjectPlan, type RenderedKind, type Stage } from './types.js';

const TENANT_FOLDER = '_tenant';
const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
const LABEL_NAME = 'app.kubernetes.io/name';
const LABEL_PLACEMENT = 'flare.io/placement';
const REMOTE_CLUSTER_LABEL = 'liqo.io/remote-cluster-id';
const VIRTUAL_NODE_TAINT = 'virtual-node.liqo.io/not-allowed';
const NODE_NAME_LABEL = 'kubernetes.io/hostname';


export function selectionOf(intent: Intent, config: FlareConfig): 'flare' | 'fluidos' {
  return intent.spec.selection ?? config.selection;
}

function intentLabels(intent: Intent): Record<string, string> {
  return { [MANAGED_BY.key]: MANAGED_BY.value, [LABEL_INTENT]: intent.id, [LABEL_TENANT]: intent.tenant };
}

function annotations(wave: number): Record<string, string> {
  return { [SYNC_WAVE_ANNOTATION]: String(wave) };
}

/** The one Capsule Tenant of a tenant, with owners and GPU quotas by vendor resource name. */
export function tenantPlan(name: string, tenant: Tenant | undefined, intents: readonly Intent[]): ObjectPlan {
  // Every vendor's resource: the offer chosen decides the vendor (`model: any` may land on AMD or
  // Intel), and a resource the quota leaves out is unbounded.
  const gpuNames = [...GPU_RESOURCE_NAMES].sort();
  const gpus = tenant?.quota.gpus;
  const hard: Record<string, number> = {};
  if (gpus !== undefined) for (const n of gpuNames) hard[`requests.${n}`] = gpus;
  return {
    kind: 'Tenant',
    stage: 'tenant',
    wave: SYNC_WAVE.tenant,
    tenant: name,
    folder: TENANT_FOLDER,
    source: tenant?.file ?? `tenants/${name}.yaml`,
    context: {
      name,
      labels: { [MANAGED_BY.key]: MANAGED_BY.value, [LABEL_TENANT]: name },
      annotations: annotations(SYNC_WAVE.tenant),
      owners: (tenant?.owners ?? []).map((o) => ({ kind: o.kind, name: o.name })),
      // every intent owns one namespace: the tenant may hold exactly that many
      namespaceQuota: intents.length,
      resourceQuotas: gpus !== undefined ? { scope: 'Tenant', items: [{ hard }] } : undefined,
    },
  };
}

interface Builder {
  plans: ObjectPlan[];
  diagnostics: Diagnostic[];
}

/** Every object of one intent, for the stage its status has reached. */
export function intentPlans(intent: Intent, config: FlareConfig, status: IntentStatus | undefined, tenant?: Tenant): { plans: ObjectPlan[]; diagnostics: Diagnostic[] } {
  const b: Builder = { plans: [], diagnostics: [] };
  const ns = intentNamespace(intent.tenant, intent.name);
  const fluidosNs = config.namespaces.fluidos;
  const labels = intentLabels(intent);
  const add = (kind: RenderedKind, stage: Stage, wave: number, context: Record<string, unknown>): void => {
    b.plans.push({
      kind,
      stage,
      wave,
      tenant: intent.tenant,
      intentId: intent.id,
      folder: intent.name,
      source: intent.file,
      context: { labels, annotations: annotations(wave), ...context },
    });
  };
  const selection = selectionOf(intent, config);
  const flareMode = selection === 'flare';

  // Stage A
  add('Namespace', 'A', SYNC_WAVE.A, {
    name: ns,
    labels: { ...labels, [LABEL_CAPSULE_TENANT]: intent.tenant },
  });
  const regions = intent.spec.constraints.regions;
  const locations: (string | undefined)[] = regions && regions.length > 0 ? regions : [undefined];
  for (const location of locations) {
    // fluidos selection: FLUIDOS takes the first match, so the tenant's locations must be in the filter
    const { filters } = solverFilters(intent, config, location, flareMode ? undefined : tenant?.allowed_locations);
    add('Solver', 'A', SYNC_WAVE.A, {
      name: solverName(intent.id, location),
      namespace: fluidosNs,
      intentID: intent.id,
      findCandidate: true,
      reserveAndBuy: !flareMode,
      establishPeering: !flareMode,
      flavorType: 'K8Slice',
      filters,
    });
  }
  for (const probe of probeSolvers(intent, config, status)) add('Solver', 'A', SYNC_WAVE.A, probe);
  const np = networkPolicy(intent);
  if (np) add('NetworkPolicy', 'A', SYNC_WAVE.A, { name: 'flare-isolation', namespace: ns, ...np });
  const workload = intent.spec.workload;
  for (const v of workload?.volumes ?? []) {
    if (v.type !== 'persistent') continue;
    add('PersistentVolumeClaim', 'A', SYNC_WAVE.A, {
      name: dnsLabel([v.name]),
      namespace: ns,
      accessModes: ['ReadWriteOnce'],
      storage: v.size,
    });
  }

  if (status && (status.phase === 'Completed' || status.phase === 'Failed')) {
    // A finished intent releases what it held: no Solver, Reservation, Allocation, offloading or
    // workload; the namespace and its volumes stay for the results.
    b.plans = b.plans.filter((p) => p.kind !== 'Solver');
    return b;
  }
  if (status && !statusMatches(status, intent, config)) {
    // The status answers an older version of this intent. A running workload keeps its placement
    // (rendered with the new spec) until the reconciler has decided: roll in place, keep, or move;
    // anything not running yet renders stage A only until the reconciler places it again.
    const running = status.phase === 'Running';
    b.diagnostics.push({
      severity: 'warning',
      file: intent.file,
      line: 0,
      column: 0,
      path: '',
      code: 'stale-status',
      message: running
        ? `status/${intent.tenant}/${intent.name}.yaml was written for an earlier version of this intent; its running placement is kept until the reconciler re-ranks it`
        : `status/${intent.tenant}/${intent.name}.yaml was written for an earlier version of this intent; only stage A is rendered until the reconciler places it again`,
    });
    if (!running) return b;
  }

  const placements = status?.placements ?? [];
  const gpu = intent.spec.resources.gpu;
  // Stages B and C: in fluidos mode FLUIDOS reserves and peers by itself
  if (flareMode) {
    for (const p of reservedPlacements(status)) {
      if (!p.chosen) continue;
      const shapePods = workload ? podShape(intent, workload).concurrent : 1;
      const data: Record<string, unknown> = {
        pods: String(shapePods),
        gpu: {
          count: placementGpus(intent),
          // what was bought: `any` names no model
          model: gpu.model !== undefined && gpu.model.toLowerCase() !== 'any' ? gpu.model : p.chosen.model,
          memory: gpu.memory_min ?? p.chosen.memory,
        },
      };
      if (intent.spec.resources.cpu !== undefined) data.cpu = intent.spec.resources.cpu;
      if (intent.spec.resources.memory !== undefined) data.memory = intent.spec.resources.memory;
      add('Reservation', 'B', SYNC_WAVE.B, {
        name: reservationName(intent.id, p.attempt, p.location),
        namespace: fluidosNs,
        solverID: p.solver || solverName(intent.id, p.location),
        buyer: config.consumer,
        seller: p.chosen.owner,
        peeringCandidate: { name: p.chosen.candidate, namespace: fluidosNs },
        configuration: { type: 'K8Slice', data },
      });
    }
    for (const p of reservedPlacements(status)) {
      if (!p.contract) continue;
      add('Allocation', 'C', SYNC_WAVE.C, {
        name: allocationName(intent.id, p.attempt, p.location),
        namespace: fluidosNs,
        contract: { name: p.contract.name, namespace: fluidosNs },
        forwarding: false,
      });
    }
  }

  // Stage D
  const { workload: remote, offload } = stageD(status);
  if (remote.length === 0) return b;
  // the offloading admits the nodes of every placement still holding pods (a retiring one during a move)
  const clusterIds = [...new Set(offload.map((p) => p.remote_cluster_id))];
  add('NamespaceOffloading', 'D', SYNC_WAVE.offloading, {
    name: 'offloading',
    namespace: ns,
    namespaceMappingStrategy: 'EnforceSameName',
    podOffloadingStrategy: 'Remote',
    clusterIds,
    clusterLabel: REMOTE_CLUSTER_LABEL,
    clusterSelector: { nodeSelectorTerms: [{ matchExpressions: ownNodeRequirements(clusterIds, offload) }] },
  });
  if (!workload) return b;
  workloadPlans(intent, workload, ns, remote, add, b, rolloutStrategy(intent, config, status));
  return b;
}

/**
 * Node requirements that select only the virtual node(s) of the intent's own allocations: several
 * contracts with one provider give several virtual nodes with the same remote cluster id, so the
 * cluster id alone lets a pod land on a node another intent (or tenant) reserved. Each virtual node
 * is one allocation's, and its `kubernetes.io/hostname` label (set on every node) is its name, which
 * the status records once the node is Ready.
 */
function ownNodeRequirements(clusterIds: string[], remote: readonly Placement[]): { key: string; operator: 'In'; values: string[] }[] {
  const reqs: { key: string; operator: 'In'; values: string[] }[] = [{ key: REMOTE_CLUSTER_LABEL, operator: 'In', values: clusterIds }];
  const nodes = [...new Set(remote.map((p) => p.virtual_node?.name ?? ''))].filter((n) => n !== '').sort();
  if (nodes.length > 0) reqs.push({ key: NODE_NAME_LABEL, operator: 'In', values: nodes });
  return reqs;
}

function workloadPlans(
  intent: Intent,
  workload: Workload,
  ns: string,
  remote: (Placement & { remote_cluster_id: string })[],
  add: (kind: RenderedKind, stage: Stage, wave: number, context: Record<string, unknown>) => void,
  b: Builder,
  strategy: Record<string, unknown>,
): void {
  const w = SYNC_WAVE.workload;
  const multi = plannedPlacements(intent) > 1 || remote.length > 1;
  const shape = podShape(intent, workload);
  if (shape.overcommitted) {
    b.diagnostics.push({
      severity: 'warning',
      file: intent.file,
      line: 0,
      column: 0,
      path: 'workload.resources.gpu.count',
      code: 'gpu-overcommit',
      message: `${shape.concurrent} pods at ${shape.gpusPerPod} GPU each need more than the ${placementGpus(intent)} GPU(s) reserved per placement`,
      hint: 'raise gpu.count to a multiple of the replicas, or lower the replicas',
    });
  }
  const env = [
    ...workload.env.map((e) => ({ name: e.name, value: e.value })),
    ...workload.secrets.map((s) => ({ name: s.env, valueFrom: { secretKeyRef: { name: s.name, key: s.env } } })),
  ];
  const ports = workload.ports.map((p) => ({ containerPort: p.port, protocol: p.protocol }));
  const mounts = workload.volumes.map((v) => ({ name: dnsLabel([v.name]), mountPath: v.path }));
  const volumes = workload.volumes.map((v) =>
    v.type === 'persistent'
      ? { name: dnsLabel([v.name]), persistentVolumeClaim: { claimName: dnsLabel([v.name]) } }
      : { name: dnsLabel([v.name]), emptyDir: { sizeLimit: v.size } },
  );
  // the first container is the workload: it gets the GPUs, ports, env and volumes; every
  // container gets explicit requests and limits, the others none of the GPUs
  const containersFor = (gpuName: string) => {
    const resources = containerResources(shape, gpuName, workload.containers.length);
    return workload.containers.map((c, i) => ({
      name: c.name,
      image: c.image,
      command: c.command,
      args: c.args,
      resources: resources[i],
      env: i === 0 && env.length > 0 ? env : undefined,
      ports: i === 0 && ports.length > 0 ? ports : undefined,
      volumeMounts: i === 0 && mounts.length > 0 ? mounts : undefined,
    }));
  };
  const appLabels = { [LABEL_INTENT]: intent.id, [LABEL_NAME]: workload.name };

  for (const p of remote) {
    const name = multi && p.location ? dnsLabel([workload.name, p.location]) : workload.name;
    const selector: Record<string, string> = { ...appLabels };
    if (multi && p.location) selector[LABEL_PLACEMENT] = dnsLabel([p.location]);
    const podLabels = { ...intentLabels(intent), ...selector };
    const pod = {
      podLabels,
      nodeSelector: { [REMOTE_CLUSTER_LABEL]: p.remote_cluster_id },
      // the pod's own placement's virtual node only, whatever else the provider runs
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: ownNodeRequirements([p.remote_cluster_id], [p]) }] },
        },
      },
      tolerations: [{ key: VIRTUAL_NODE_TAINT, operator: 'Exists', effect: 'NoExecute' }],
      // the vendor of the offer this placement bought, not the intent's model (`any` fits all)
      containers: containersFor(gpuResourceName(p.chosen?.vendor ?? (p.chosen?.model || intent.spec.resources.gpu.model))),
      volumes: volumes.length > 0 ? volumes : undefined,
    };
    if (workload.type === 'batch') {
      const batch = workload.batch;
      add('Job', 'D', w, {
        name,
        namespace: ns,
        parallelism: shape.concurrent,
        completions: shape.completions,
        backoffLimit: batch?.max_retries ?? 3,
        activeDeadlineSeconds: batch?.timeout,
        restartPolicy: 'Never',
        ...pod,
      });
    } else {
      add('Deployment', 'D', w, { name, namespace: ns, replicas: shape.concurrent, strategy, selector, ...pod });
      if (workload.scaling.auto_scale) {
        add('HorizontalPodAutoscaler', 'D', w, {
          name,
          namespace: ns,
          target: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          minReplicas: Math.max(1, Math.ceil(workload.scaling.min_replicas / plannedPlacements(intent))),
          // capped where the reservation ends: each replica holds gpu.count GPUs
          maxReplicas: replicasPerPlacement(intent),
          targetCpuPercent: workload.scaling.target_cpu_percent,
        });
      }
      if (shape.concurrent > 1) {
        add('PodDisruptionBudget', 'D', w, { name, namespace: ns, maxUnavailable: 1, selector });
      }
    }
  }

  if (workload.ports.length > 0) {
    const needsLb = workload.ports.some((p) => p.expose && !p.domain);
    add('Service', 'D', w, {
      name: workload.name,
      namespace: ns,
      type: needsLb ? 'LoadBalancer' : 'ClusterIP',
      selector: appLabels,
      ports: workload.ports.map((p) => ({
        name: `${p.protocol.toLowerCase()}-${p.port}`,
        port: p.port,
        targetPort: p.port,
        protocol: p.protocol,
      })),
    });
    const rules = workload.ports
      .filter((p) => p.expose && p.domain && p.protocol === 'TCP')
      .map((p) => ({ host: p.domain, serviceName: workload.name, port: p.port }));
    if (rules.length > 0) {
      // TLS only for the ports that ask for it; the certificate lives in the Secret <workload>-tls
      const tlsHosts = [...new Set(workload.ports.filter((p) => p.expose && p.domain && p.protocol === 'TCP' && p.tls).map((p) => p.domain!))];
      const tls = tlsHosts.length > 0 ? [{ hosts: tlsHosts, secretName: `${workload.name}-tls` }] : undefined;
      add('Ingress', 'D', w, { name: workload.name, namespace: ns, rules, tlsHosts, tls });
    }
  }
}

/**
 * Requests and limits of each of a pod's `n` containers: the first holds the pod's GPUs, the others
 * an explicit zero of them; cpu and memory (the pod's share of the partition) are split between the
 * containers, the first taking the remainder, so the pod never asks for more than its share.
 */
function containerResources(shape: ReturnType<typeof podShape>, gpuName: string, n: number): Record<string, unknown>[] {
  const cpu = splitShares(shape.cpu, n, 1e-3, formatMilliCpu);
  const memory = splitShares(shape.memory, n, 2 ** 20, formatMi);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const gpus = String(i === 0 ? shape.gpusPerPod : 0);
    const requests: Record<string, string> = {};
    if (cpu[i] !== undefined) requests.cpu = cpu[i]!;
    if (memory[i] !== undefined) requests.memory = memory[i]!;
    requests[gpuName] = gpus;
    // extended resources (GPUs) need limit = request; the memory limit guards the shared partition
    const limits: Record<string, string> = { [gpuName]: gpus };
    if (memory[i] !== undefined) limits.memory = memory[i]!;
    out.push({ requests, limits });
  }
  return out;
}

/** `total` split in `n` shares of whole `unit`s (millicores, MiB); the first share takes what rounding left over. */
function splitShares(total: string | undefined, n: number, unit: number, format: (units: number) => string): (string | undefined)[] {
  if (total === undefined || n <= 1) return [total];
  const v = parseQuantity(total);
  if (v === undefined) return [total];
  const units = Math.floor(v / unit + 1e-9);
  const each = Math.floor(units / n);
  return [format(units - each * (n - 1)), ...Array.from({ length: n - 1 }, () => format(each))];
}

const formatMilliCpu = (m: number): string => (m % 1000 === 0 ? String(m / 1000) : `${m}m`);
const formatMi = (mi: number): string => (mi % 1024 === 0 && mi > 0 ? `${mi / 1024}Gi` : `${mi}Mi`);


interface FirewallRule {
  port?: number;
  protocol?: string;
  source?: string;
  action?: string;
}

/** NetworkPolicy ingress of `constraints.security`, or undefined when it asks for none. */
export function networkPolicy(intent: Intent): { policyTypes: string[]; ingress: unknown[] } | undefined {
  const sec = intent.spec.constraints.security;
  if (!sec) return undefined;
  const isolation = sec['network_isolation'];
  const rules = (Array.isArray(sec['firewall_rules']) ? sec['firewall_rules'] : []) as FirewallRule[];
  const allow = rules.filter((r) => (r.action ?? 'allow') === 'allow');
  // deny rules cannot be expressed (NetworkPolicy only allows); a policy of deny rules alone would block everything
  if (isolation !== 'private' && allow.length === 0) return undefined;
  const ingress: unknown[] = [];
  // private: only pods of the same namespace may connect
  if (isolation === 'private') ingress.push({ from: [{ podSelector: {} }] });
  for (const r of allow) {
    const entry: Record<string, unknown> = {};
    if (r.source) entry.from = [{ ipBlock: { cidr: r.source } }];
    if (r.port !== undefined) entry.ports = [{ port: r.port, protocol: (r.protocol ?? 'TCP').toUpperCase() }];
    ingress.push(entry);
  }
  return { policyTypes: ['Ingress'], ingress };
}
