import type { Cluster } from '../cluster/types.js';
import type { FlareConfig } from '../config/model.js';
import type { KubeObject } from '../k8s/object.js';
import { API } from '../fluidos/types.js';
import { LABEL_INTENT, MANAGED_BY } from '../k8s/names.js';
import { LABEL_REPO, type RepoIdentity } from './ownership.js';

const REMOTE_CLUSTER_LABEL = 'liqo.io/remote-cluster-id';
const VIRTUAL_NODE_SELECTOR = 'liqo.io/type=virtual-node';
const MANAGED_SELECTOR = `${MANAGED_BY.key}=${MANAGED_BY.value}`;

/**
 * What the reconciler saw in the cluster, indexed for the state machine. One index serves every
 * intent (the maps are keyed by the names the state machine derives from status), so observing
 * 1,000 intents costs one LIST per kind, not one per intent.
 */
export interface Observed {
  /** Solvers by name. */
  solvers: Map<string, KubeObject>;
  /** PeeringCandidates by name. */
  candidates: Map<string, KubeObject>;
  /** PeeringCandidates interested in a Solver, by Solver name, in name order. */
  candidatesBySolver: Map<string, KubeObject[]>;
  /** Reservations by name. */
  reservations: Map<string, KubeObject>;
  /** Reservations by spec.solverID (FLUIDOS creates them itself in fluidos selection mode). */
  reservationsBySolver: Map<string, KubeObject[]>;
  contracts: Map<string, KubeObject>;
  allocations: Map<string, KubeObject>;
  /** Allocations by spec.contract.name. */
  allocationsByContract: Map<string, KubeObject[]>;
  /** Liqo virtual nodes by `liqo.io/remote-cluster-id`. */
  virtualNodes: Map<string, KubeObject[]>;
  /** Liqo virtual nodes by name (an Allocation's status.resourceRef names its own). */
  nodesByName: Map<string, KubeObject>;
  /** NamespaceOffloadings by namespace. */
  offloadings: Map<string, KubeObject>;
  /** Deployments and Jobs by `flare.io/intent-id`. */
  workloads: Map<string, KubeObject[]>;
  /** Pods by `flare.io/intent-id` (why a workload is not ready: unschedulable, image pull, crash). */
  pods: Map<string, KubeObject[]>;
}

/** The kinds observe() lists; exported so the reconciler can watch the same ones. */
interface ObservedKind {
  apiVersion: string;
  kind: string;
  /** true: the FLUIDOS namespace; false: every namespace (or cluster-scoped). */
  fluidosNamespace: boolean;
  labelSelector?: string;
}

export const OBSERVED_KINDS: readonly ObservedKind[] = [
  { apiVersion: API.nodecore, kind: 'Solver', fluidosNamespace: true, labelSelector: MANAGED_SELECTOR },
  { apiVersion: API.advertisement, kind: 'PeeringCandidate', fluidosNamespace: true },
  { apiVersion: API.reservation, kind: 'Reservation', fluidosNamespace: true },
  { apiVersion: API.reservation, kind: 'Contract', fluidosNamespace: true },
  { apiVersion: API.nodecore, kind: 'Allocation', fluidosNamespace: true },
  { apiVersion: 'v1', kind: 'Node', fluidosNamespace: false, labelSelector: VIRTUAL_NODE_SELECTOR },
  { apiVersion: API.offloading, kind: 'NamespaceOffloading', fluidosNamespace: false, labelSelector: MANAGED_SELECTOR },
  { apiVersion: 'apps/v1', kind: 'Deployment', fluidosNamespace: false, labelSelector: MANAGED_SELECTOR },
  { apiVersion: 'batch/v1', kind: 'Job', fluidosNamespace: false, labelSelector: MANAGED_SELECTOR },
  { apiVersion: 'v1', kind: 'Pod', fluidosNamespace: false, labelSelector: MANAGED_SELECTOR },
];

function emptyObserved(): Observed {
  return {
    solvers: new Map(),
    candidates: new Map(),
    candidatesBySolver: new Map(),
    reservations: new Map(),
    reservationsBySolver: new Map(),
    contracts: new Map(),
    allocations: new Map(),
    allocationsByContract: new Map(),
    virtualNodes: new Map(),
    nodesByName: new Map(),
    offloadings: new Map(),
    workloads: new Map(),
    pods: new Map(),
  };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function byName(a: KubeObject, b: KubeObject): number {
  const x = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const y = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Kinds only FLARE creates: an object of another repo (or a hand-made one) is no evidence for this repo. */
const OWN_KINDS = new Set(['Solver', 'NamespaceOffloading', 'Deployment', 'Job']);

/**
 * Whether the state machine may read `x`: objects another repo applied never are, and of the kinds
 * only FLARE creates, only this repo's. FLUIDOS's own objects (candidates, contracts, Reservations
 * in fluidos mode) carry no repo label and are kept.
 */
function visibleTo(x: KubeObject, identity: RepoIdentity): boolean {
  const repo = x.metadata.labels?.[LABEL_REPO];
  if (repo !== undefined) return repo === identity.id;
  return !OWN_KINDS.has(x.kind);
}

/**
 * The pure twin of observe(): indexes a flat list of objects. Objects being deleted are left out
 * (a Reservation with a deletionTimestamp is as good as gone for the state machine); with an
 * identity, so are objects this repo may not read (visibleTo).
 */
export function indexObjects(objects: readonly KubeObject[], identity?: RepoIdentity): Observed {
  const o = emptyObserved();
  const sorted = [...objects].filter((x) => !x.metadata.deletionTimestamp && (!identity || visibleTo(x, identity))).sort(byName);
  for (const obj of sorted) {
    const name = obj.metadata.name;
    switch (obj.kind) {
      case 'Solver':
        o.solvers.set(name, obj);
        break;
      case 'PeeringCandidate': {
        o.candidates.set(name, obj);
        const ids: unknown = obj.spec?.interestedSolverIDs;
        const solvers = new Set<string>();
        if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string') solvers.add(id);
        // older FLUIDOS releases carry a single solverID
        if (typeof obj.spec?.solverID === 'string') solvers.add(obj.spec.solverID);
        for (const s of solvers) push(o.candidatesBySolver, s, obj);
        break;
      }
      case 'Reservation':
        o.reservations.set(name, obj);
        if (typeof obj.spec?.solverID === 'string') push(o.reservationsBySolver, obj.spec.solverID, obj);
        break;
      case 'Contract':
        o.contracts.set(name, obj);
        break;
      case 'Allocation':
        o.allocations.set(name, obj);
        if (typeof obj.spec?.contract?.name === 'string') push(o.allocationsByContract, obj.spec.contract.name, obj);
        break;
      case 'Node': {
        const id = obj.metadata.labels?.[REMOTE_CLUSTER_LABEL];
        if (id) push(o.virtualNodes, id, obj);
        o.nodesByName.set(name, obj);
        break;
      }
      case 'NamespaceOffloading':
        if (obj.metadata.namespace) o.offloadings.set(obj.metadata.namespace, obj);
        break;
      case 'Deployment':
      case 'Job': {
        const id = obj.metadata.labels?.[LABEL_INTENT];
        if (id) push(o.workloads, id, obj);
        break;
      }
      case 'Pod': {
        const id = obj.metadata.labels?.[LABEL_INTENT];
        if (id) push(o.pods, id, obj);
        break;
      }
      default:
        break;
    }
  }
  return o;
}

/**
 * Lists every observed kind once (label selectors and the FLUIDOS namespace keep the lists
 * small) and indexes them. Every intent shares the one index.
 */
export async function observeCluster(cluster: Cluster, config: FlareConfig, identity?: RepoIdentity): Promise<Observed> {
  const lists = await Promise.all(
    OBSERVED_KINDS.map((k) => {
      const opts: { namespace?: string; labelSelector?: string } = {};
      if (k.fluidosNamespace) opts.namespace = config.namespaces.fluidos;
      if (k.labelSelector) opts.labelSelector = k.labelSelector;
      return cluster.list(k.apiVersion, k.kind, opts).then((items) => items.map((i) => withKind(i, k)));
    }),
  );
  return indexObjects(lists.flat(), identity);
}

/** List items may come without apiVersion/kind (a real API server omits them). */
function withKind(o: KubeObject, k: ObservedKind): KubeObject {
  if (o.kind && o.apiVersion) return o;
  return { ...o, apiVersion: k.apiVersion, kind: k.kind };
}

