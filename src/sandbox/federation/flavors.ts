import type { KubeObject } from '../../k8s/object.js';
import { dnsLabel } from '../../k8s/names.js';
import { API, gpuResourceName } from '../../fluidos/types.js';
import { gpuFromAnnotations } from '../../fluidos/annotations.js';
import { formatBytes, parseQuantity } from '../../util/quantity.js';
import type { Federation, FederationNode, FederationProvider } from './model.js';

export const FLUIDOS_NAMESPACE = 'fluidos';

/** Labels the simulator puts on the objects it owns. */
export const LABEL_PROVIDER = 'sandbox.flare.io/provider';
export const LABEL_PROVIDER_NODE = 'sandbox.flare.io/node';
export const LABEL_FLUIDOS_RESOURCES = 'node-role.fluidos.eu/resources';
export const LABEL_FLUIDOS_GPU = 'node.fluidos.eu/gpu';
/** Taint that keeps consumer workloads off the (simulated) provider nodes. */
export const TAINT_PROVIDER_NODE = 'sandbox.flare.io/provider-node';

/** What reservations currently hold of one Flavor. */
export interface Usage {
  gpus: number;
  /** cores */
  cpu: number;
  /** bytes */
  memory: number;
  pods: number;
}

export const NO_USAGE: Usage = { gpus: 0, cpu: 0, memory: 0, pods: 0 };

export function providerNodeName(provider: string, node: string): string {
  return dnsLabel([provider, node]);
}

/** Deterministic Flavor name, as FLUIDOS names node flavors: `k8slice-<provider>-<node>`. */
export function flavorName(provider: string, node: string): string {
  return dnsLabel(['k8slice', provider, node]);
}

/** The Kubernetes Node of a provider node (cluster-scoped, labelled for the FLUIDOS node controller). */
export function providerNodeObject(p: FederationProvider, n: FederationNode): KubeObject {
  const gpu = gpuFromAnnotations(n.annotations);
  const labels: Record<string, string> = {
    [LABEL_FLUIDOS_RESOURCES]: 'true',
    [LABEL_PROVIDER]: p.name,
    [LABEL_PROVIDER_NODE]: n.name,
    'kubernetes.io/hostname': providerNodeName(p.name, n.name),
    'kubernetes.io/arch': n.architecture,
    'topology.kubernetes.io/region': p.region,
  };
  if (p.zone) labels['topology.kubernetes.io/zone'] = p.zone;
  if (gpu) labels[LABEL_FLUIDOS_GPU] = 'true';
  const capacity: Record<string, string> = { cpu: n.cpu, memory: n.memory, pods: n.pods };
  if (gpu?.count) capacity[gpuResourceName(gpu.vendor ?? gpu.model)] = String(gpu.count);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: providerNodeName(p.name, n.name), labels, annotations: { ...n.annotations } },
    spec: { taints: [{ key: TAINT_PROVIDER_NODE, value: 'true', effect: 'NoSchedule' }] },
    status: {
      capacity,
      allocatable: { ...capacity },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated provider node' }],
      nodeInfo: { architecture: n.architecture, kubeletVersion: 'v1.32.0-sandbox', operatingSystem: 'linux' },
    },
  };
}

export function isNodeReady(node: KubeObject | undefined): boolean {
  const conds = node?.status?.conditions;
  return Array.isArray(conds) && conds.some((c: { type?: string; status?: string }) => c.type === 'Ready' && c.status === 'True');
}

function fmtCpu(cores: number): string {
  if (Number.isInteger(cores)) return String(cores);
  return `${Math.round(cores * 1000)}m`;
}

/**
 * The Flavor a provider node advertises, after what reservations already hold of it. undefined
 * when the node carries no GPU annotations (only GPU nodes become Flavors here). The GPU count,
 * cpu, memory and pods are what is left; availability turns false when no GPU is left, when the
 * node is NotReady, or when the provider is down.
 */
export function flavorFromNode(p: FederationProvider, node: KubeObject, used: Usage = NO_USAGE, providerUp = true): KubeObject | undefined {
  const gpu = gpuFromAnnotations(node.metadata.annotations as Record<string, string> | undefined);
  if (!gpu || !gpu.count) return undefined;
  const alloc = (node.status?.allocatable ?? {}) as Record<string, string>;
  const cpu = Math.max(0, (parseQuantity(alloc.cpu ?? '0') ?? 0) - used.cpu);
  const memory = Math.max(0, (parseQuantity(alloc.memory ?? '0') ?? 0) - used.memory);
  const pods = Math.max(0, (parseQuantity(alloc.pods ?? '0') ?? 0) - used.pods);
  const gpus = Math.max(0, gpu.count - used.gpus);
  const nodeName = (node.metadata.labels?.[LABEL_PROVIDER_NODE] as string | undefined) ?? node.metadata.name;
  const available = gpus > 0 && providerUp && isNodeReady(node);
  const flavorGpu = { ...gpu, count: gpus };
  const ownerRef: Record<string, unknown> = { apiVersion: 'v1', kind: 'Node', name: node.metadata.name };
  if (node.metadata.uid) ownerRef.uid = node.metadata.uid;
  return {
    apiVersion: API.nodecore,
    kind: 'Flavor',
    metadata: {
      name: flavorName(p.name, nodeName),
      namespace: FLUIDOS_NAMESPACE,
      labels: { [LABEL_PROVIDER]: p.name, [LABEL_PROVIDER_NODE]: nodeName },
      ownerReferences: [ownerRef],
    },
    spec: {
      availability: available,
      flavorType: {
        typeIdentifier: 'K8Slice',
        typeData: {
          characteristics: {
            architecture: (node.status?.nodeInfo?.architecture as string | undefined) ?? 'amd64',
            cpu: fmtCpu(cpu),
            memory: formatBytes(memory),
            pods: String(pods),
            gpu: flavorGpu,
          },
          policies: {
            partitionability: {
              cpuMin: '1',
              memoryMin: '1Gi',
              podsMin: '1',
              gpuMin: '1',
              cpuStep: '1',
              memoryStep: '1Gi',
              podsStep: '1',
              gpuStep: '1',
            },
          },
        },
      },
      owner: { domain: p.domain, nodeID: p.nodeID, ip: p.ip, additionalInformation: { liqoID: p.liqoClusterId } },
      providerID: p.nodeID,
      price: { amount: gpu.hourly_rate !== undefined ? String(gpu.hourly_rate) : '0', currency: 'EUR', period: 'hourly' },
    },
  };
}

/** All Nodes of a federation (provider nodes). */
export function federationNodes(f: Federation): KubeObject[] {
  return f.providers.flatMap((p) => p.nodes.map((n) => providerNodeObject(p, n)));
}

/** All Flavors of a federation with nothing reserved. */
export function federationFlavors(f: Federation): KubeObject[] {
  return f.providers.flatMap((p) => p.nodes.flatMap((n) => flavorFromNode(p, providerNodeObject(p, n)) ?? []));
}
