import { refOf, type KubeObject } from '../../k8s/object.js';
import { dnsLabel } from '../../k8s/names.js';
import { API, gpuResourceName } from '../../fluidos/types.js';
import { formatBytes, parseQuantity } from '../../util/quantity.js';
import { LABEL_PROVIDER, isNodeReady } from './flavors.js';
import type { FederationProvider } from './model.js';
import type { SimulatorHost } from './host.js';
import { FM_LIQO } from './field-managers.js';

export const LABEL_LIQO_TYPE = 'liqo.io/type';
export const LABEL_REMOTE_CLUSTER = 'liqo.io/remote-cluster-id';
const TAINT_VIRTUAL_NODE = 'virtual-node.liqo.io/not-allowed';
const ANN_ALLOCATION = 'sandbox.flare.io/allocation';
const ANN_CONTRACT = 'sandbox.flare.io/contract';

export function isVirtualNode(n: KubeObject): boolean {
  return n.metadata.labels?.[LABEL_LIQO_TYPE] === 'virtual-node';
}

function virtualNodeName(liqoId: string, allocationNs: string, allocation: string): string {
  return dnsLabel(['liqo', liqoId, allocationNs === 'fluidos' ? allocation : `${allocationNs}-${allocation}`]);
}

/** The Liqo virtual node of an Allocation, with the contract's partition as capacity. Returns its name. */
export function createVirtualNode(sim: SimulatorHost, alloc: KubeObject, contract: KubeObject, p: FederationProvider): string {
  const ns = alloc.metadata.namespace ?? 'fluidos';
  const name = virtualNodeName(p.liqoClusterId, ns, alloc.metadata.name);
  const data = (contract.spec?.configuration?.data ?? {}) as Record<string, unknown>;
  const gpu = (data.gpu && typeof data.gpu === 'object' ? data.gpu : {}) as Record<string, unknown>;
  const flavorGpu = contract.spec?.flavor?.spec?.flavorType?.typeData?.characteristics?.gpu ?? {};
  const gpus = Number(gpu.count ?? (typeof data.gpu === 'number' || typeof data.gpu === 'string' ? data.gpu : 1));
  // A partition without cpu/memory gets what the Flavor had left when the contract was bought.
  const chars = contract.spec?.flavor?.spec?.flavorType?.typeData?.characteristics ?? {};
  const cpu = parseQuantity(String(data.cpu ?? chars.cpu ?? '1')) ?? 1;
  const memory = parseQuantity(String(data.memory ?? chars.memory ?? '1Gi')) ?? 2 ** 30;
  const capacity: Record<string, string> = {
    cpu: Number.isInteger(cpu) ? String(cpu) : `${Math.round(cpu * 1000)}m`,
    memory: formatBytes(memory),
    pods: String(data.pods ?? '110'),
  };
  if (gpus > 0) capacity[gpuResourceName(String(gpu.vendor ?? flavorGpu.vendor ?? gpu.model ?? flavorGpu.model ?? 'nvidia'))] = String(gpus);
  const labels: Record<string, string> = {
    [LABEL_LIQO_TYPE]: 'virtual-node',
    [LABEL_REMOTE_CLUSTER]: p.liqoClusterId,
    [LABEL_PROVIDER]: p.name,
    'kubernetes.io/hostname': name,
    'kubernetes.io/role': 'agent',
    'topology.kubernetes.io/region': p.region,
  };
  if (p.zone) labels['topology.kubernetes.io/zone'] = p.zone;
  const model = gpu.model ?? flavorGpu.model;
  if (typeof model === 'string') labels['gpu.fluidos.eu/model'] = model;
  const now = sim.now();
  const node: KubeObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels,
      annotations: { [ANN_ALLOCATION]: `${ns}/${alloc.metadata.name}`, [ANN_CONTRACT]: `${contract.metadata.namespace}/${contract.metadata.name}` },
    },
    spec: { taints: [{ key: TAINT_VIRTUAL_NODE, value: 'true', effect: 'NoExecute' }] },
    status: {
      capacity,
      allocatable: { ...capacity },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: `peered with ${p.liqoClusterId}`, lastHeartbeatTime: now, lastTransitionTime: now }],
      nodeInfo: { architecture: 'amd64', kubeletVersion: 'v1.32.0-liqo-sandbox', operatingSystem: 'linux' },
    },
  };
  if (!sim.view.get({ apiVersion: 'v1', kind: 'Node', name })) sim.view.create(node, { fieldManager: FM_LIQO });
  return name;
}

export function deleteVirtualNodeOf(sim: SimulatorHost, ns: string, allocation: string): void {
  for (const n of sim.view.list('v1', 'Node', { labelSelector: `${LABEL_LIQO_TYPE}=virtual-node` }).items) {
    if (n.metadata.annotations?.[ANN_ALLOCATION] === `${ns}/${allocation}`) sim.deleteQuietly(refOf(n));
  }
}

export function markVirtualNodesNotReady(sim: SimulatorHost, liqoId: string, message: string): void {
  for (const n of sim.view.list('v1', 'Node', { labelSelector: `${LABEL_REMOTE_CLUSTER}=${liqoId}` }).items) {
    if (!isNodeReady(n)) continue;
    const now = sim.now();
    sim.view.patchStatus(refOf(n), { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message, lastHeartbeatTime: now, lastTransitionTime: now }] }, { fieldManager: FM_LIQO });
  }
}

// ------------------------------------------------------------------------------------ selectors

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}

function matchRequirement(r: Requirement, labels: Record<string, string>): boolean {
  const v = labels[r.key];
  switch (r.operator) {
    case 'In':
      return v !== undefined && (r.values ?? []).includes(v);
    case 'NotIn':
      return v === undefined || !(r.values ?? []).includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
    case 'Lt': {
      const a = Number(v);
      const b = Number(r.values?.[0]);
      return Number.isFinite(a) && Number.isFinite(b) && (r.operator === 'Gt' ? a > b : a < b);
    }
    default:
      return false;
  }
}

/** A NodeSelector (`nodeSelectorTerms`: ORed terms of ANDed requirements) against a node. An empty selector selects every node. */
export function matchNodeSelector(selector: { nodeSelectorTerms?: { matchExpressions?: Requirement[]; matchFields?: Requirement[] }[] } | undefined, node: KubeObject): boolean {
  const terms = selector?.nodeSelectorTerms ?? [];
  if (terms.length === 0) return true;
  const labels = (node.metadata.labels ?? {}) as Record<string, string>;
  const fields = { 'metadata.name': node.metadata.name };
  return terms.some((t) => {
    const exprs = t.matchExpressions ?? [];
    const fexprs = t.matchFields ?? [];
    if (exprs.length === 0 && fexprs.length === 0) return false;
    return exprs.every((r) => matchRequirement(r, labels)) && fexprs.every((r) => matchRequirement(r, fields));
  });
}

/** Ready virtual nodes a NamespaceOffloading's clusterSelector selects. */
function selectedVirtualNodes(sim: SimulatorHost, no: KubeObject): KubeObject[] {
  return sim.view
    .list('v1', 'Node', { labelSelector: `${LABEL_LIQO_TYPE}=virtual-node` })
    .items.filter((n) => isNodeReady(n) && matchNodeSelector(no.spec?.clusterSelector, n));
}

/** The Ready NamespaceOffloading of a namespace, if any. */
export function readyOffloading(sim: SimulatorHost, namespace: string): KubeObject | undefined {
  return sim.view.list(API.offloading, 'NamespaceOffloading', { namespace }).items.find((o) => o.status?.offloadingPhase === 'Ready' && !o.metadata.deletionTimestamp);
}

// ------------------------------------------------------------------------------------ NamespaceOffloading

export function reconcileOffloading(sim: SimulatorHost, ns: string, name: string): void {
  const no = sim.view.get({ apiVersion: API.offloading, kind: 'NamespaceOffloading', namespace: ns, name });
  if (!no || no.metadata.deletionTimestamp) return;
  const nodes = selectedVirtualNodes(sim, no);
  const cur = no.status?.offloadingPhase;
  // One observable InProgress step before Ready, as Liqo creates the remote namespaces.
  const phase = nodes.length === 0 ? 'NoClusterSelected' : cur === 'InProgress' || cur === 'Ready' ? 'Ready' : 'InProgress';
  const strategy = no.spec?.namespaceMappingStrategy ?? 'DefaultName';
  const remote = strategy === 'SelectedName' && no.spec?.remoteNamespaceName ? String(no.spec.remoteNamespaceName) : strategy === 'EnforceSameName' ? ns : `${ns}-${sim.consumerClusterId}`;
  const conditions: Record<string, unknown[]> = {};
  const clusters = [...new Set(nodes.map((n) => String(n.metadata.labels?.[LABEL_REMOTE_CLUSTER])))].sort();
  for (const c of clusters) {
    conditions[c] = [
      phase === 'Ready'
        ? { type: 'OffloadingRequired', status: 'True', reason: 'ClusterSelected', message: 'the remote cluster has been selected through the ClusterSelector field' }
        : { type: 'OffloadingRequired', status: 'True', reason: 'ClusterSelected', message: 'creating the remote namespace' },
      phase === 'Ready'
        ? { type: 'Ready', status: 'True', reason: 'NamespaceCreated', message: 'namespace successfully created' }
        : { type: 'Ready', status: 'False', reason: 'Creating', message: 'namespace being created' },
    ];
  }
  const next = { offloadingPhase: phase, remoteNamespaceName: remote, observedGeneration: no.metadata.generation ?? 1, remoteNamespacesConditions: conditions };
  const same =
    cur === next.offloadingPhase &&
    no.status?.remoteNamespaceName === remote &&
    no.status?.observedGeneration === next.observedGeneration &&
    JSON.stringify(no.status?.remoteNamespacesConditions ?? {}) === JSON.stringify(conditions);
  if (same) return;
  // null removes clusters no longer selected (merge patch semantics).
  const patchConds: Record<string, unknown> = { ...conditions };
  for (const k of Object.keys(no.status?.remoteNamespacesConditions ?? {})) if (!(k in conditions)) patchConds[k] = null;
  sim.view.patchStatus(refOf(no), { ...next, remoteNamespacesConditions: patchConds }, { fieldManager: FM_LIQO });
}
