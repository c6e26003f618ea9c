import type { KubeObject } from '../../k8s/object.js';

/** A `kubectl get` column. `jsonPath` is the CRD's; `value` computes what a jsonPath cannot. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  priority?: number;
  value?: (o: KubeObject) => unknown;
}

/** Everything the sandbox API server needs to know about one kind. */
export interface KindInfo {
  group: string;
  version: string;
  /** `v1` for the core group, otherwise `<group>/<version>`. */
  apiVersion: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories?: string[];
  namespaced: boolean;
  /** Has a `/status` subresource: object writes ignore status, status writes touch only status. */
  hasStatus: boolean;
  /** A custom resource: strategic-merge patches are refused (415) as a real server does. */
  custom: boolean;
  /** Extra Table columns after NAME (AGE is appended unless a column already is a date). */
  columns: PrinterColumn[];
}

interface KindSpec {
  g: string;
  v: string;
  kind: string;
  plural: string;
  short?: string[];
  categories?: string[];
  namespaced?: boolean;
  status?: boolean;
  custom?: boolean;
  columns?: PrinterColumn[];
}

const col = (name: string, jsonPath: string, type: PrinterColumn['type'] = 'string', priority?: number): PrinterColumn =>
  priority === undefined ? { name, type, jsonPath } : { name, type, jsonPath, priority };

const conditionStatus = (o: KubeObject, type: string): string | undefined => {
  const conds = o.status?.conditions;
  if (!Array.isArray(conds)) return undefined;
  const c = conds.find((x: any) => x?.type === type);
  return c ? String(c.status) : undefined;
};

// Facts copied from the real CRDs (../shared/crds): plural, shortNames, scope, printer columns.
// The project must not read ../shared at run time.
const SPECS: KindSpec[] = [
  {
    g: '', v: 'v1', kind: 'Namespace', plural: 'namespaces', short: ['ns'], namespaced: false, status: true,
    columns: [col('Status', '.status.phase')],
  },
  {
    g: '', v: 'v1', kind: 'Node', plural: 'nodes', short: ['no'], namespaced: false, status: true,
    columns: [
      { name: 'Status', type: 'string', jsonPath: '', value: (o) => (conditionStatus(o, 'Ready') === 'True' ? 'Ready' : 'NotReady') },
      col('Version', '.status.nodeInfo.kubeletVersion'),
    ],
  },
  {
    g: '', v: 'v1', kind: 'Pod', plural: 'pods', short: ['po'], categories: ['all'], status: true,
    columns: [col('Status', '.status.phase'), col('Node', '.spec.nodeName', 'string', 1)],
  },
  {
    g: '', v: 'v1', kind: 'Service', plural: 'services', short: ['svc'], categories: ['all'], status: true,
    columns: [col('Type', '.spec.type'), col('Cluster-IP', '.spec.clusterIP')],
  },
  { g: '', v: 'v1', kind: 'ConfigMap', plural: 'configmaps', short: ['cm'] },
  { g: '', v: 'v1', kind: 'Secret', plural: 'secrets', columns: [col('Type', '.type')] },
  {
    g: '', v: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', short: ['pvc'], status: true,
    columns: [col('Status', '.status.phase')],
  },
  {
    g: '', v: 'v1', kind: 'Event', plural: 'events', short: ['ev'],
    columns: [col('Type', '.type'), col('Reason', '.reason'), col('Object', '.involvedObject.name'), col('Message', '.message')],
  },
  {
    g: 'apps', v: 'v1', kind: 'Deployment', plural: 'deployments', short: ['deploy'], categories: ['all'], status: true,
    columns: [
      { name: 'Ready', type: 'string', jsonPath: '', value: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}` },
      col('Up-to-date', '.status.updatedReplicas', 'integer'),
      col('Available', '.status.availableReplicas', 'integer'),
    ],
  },
  {
    g: 'batch', v: 'v1', kind: 'Job', plural: 'jobs', categories: ['all'], status: true,
    columns: [
      {
        name: 'Status', type: 'string', jsonPath: '',
        value: (o) => (conditionStatus(o, 'Complete') === 'True' ? 'Complete' : conditionStatus(o, 'Failed') === 'True' ? 'Failed' : 'Running'),
      },
      { name: 'Completions', type: 'string', jsonPath: '', value: (o) => `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}` },
    ],
  },
  {
    g: 'networking.k8s.io', v: 'v1', kind: 'Ingress', plural: 'ingresses', short: ['ing'], status: true,
    columns: [col('Class', '.spec.ingressClassName')],
  },
  { g: 'networking.k8s.io', v: 'v1', kind: 'NetworkPolicy', plural: 'networkpolicies', short: ['netpol'] },
  {
    g: 'autoscaling', v: 'v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', short: ['hpa'],
    categories: ['all'], status: true,
    columns: [col('MinPods', '.spec.minReplicas', 'integer'), col('MaxPods', '.spec.maxReplicas', 'integer'), col('Replicas', '.status.currentReplicas', 'integer')],
  },
  {
    g: 'policy', v: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', short: ['pdb'], status: true,
    columns: [col('Min Available', '.spec.minAvailable'), col('Max Unavailable', '.spec.maxUnavailable')],
  },
  {
    g: 'coordination.k8s.io', v: 'v1', kind: 'Lease', plural: 'leases',
    columns: [col('Holder', '.spec.holderIdentity')],
  },
  // FLUIDOS (../shared/crds/fluidos)
  {
    g: 'nodecore.fluidos.eu', v: 'v1alpha1', kind: 'Flavor', plural: 'flavors', short: ['fl'], status: true, custom: true,
    columns: [
      col('Provider ID', '.spec.providerID'),
      col('Type', '.spec.flavorType.typeIdentifier'),
      col('Owner Name', '.spec.owner.nodeID', 'string', 1),
      col('Available', '.spec.availability', 'boolean'),
      col('Age', '.metadata.creationTimestamp', 'date'),
      col('Kubernetes Node Owner', '.metadata.ownerReferences[0].name'),
    ],
  },
  {
    g: 'nodecore.fluidos.eu', v: 'v1alpha1', kind: 'Solver', plural: 'solvers', short: ['sol'], status: true, custom: true,
    columns: [
      col('Intent ID', '.spec.intentID'),
      col('Find Candidate', '.spec.findCandidate', 'boolean'),
      col('Reserve and Buy', '.spec.reserveAndBuy', 'boolean'),
      col('Peering', '.spec.establishPeering', 'boolean'),
      col('Candidate Phase', '.status.findCandidate', 'string', 1),
      col('Reserving Phase', '.status.reserveAndBuy', 'string', 1),
      col('Peering Phase', '.status.peering', 'string', 1),
      col('Status', '.status.solverPhase.phase'),
      col('Message', '.status.solverPhase.message'),
      col('Age', '.metadata.creationTimestamp', 'date'),
    ],
  },
  {
    g: 'nodecore.fluidos.eu', v: 'v1alpha1', kind: 'Allocation', plural: 'allocations', short: ['alloc', 'allocs'], status: true, custom: true,
    columns: [
      col('Status', '.status.status'),
      col('Status Message', '.status.message'),
      col('Resource Reference', '.status.resourceRef.name', 'string', 1),
    ],
  },
  {
    g: 'advertisement.fluidos.eu', v: 'v1alpha1', kind: 'Discovery', plural: 'discoveries', short: ['dis'], status: true, custom: true,
    columns: [
      col('Solver ID', '.spec.solverID'),
      col('Subscribe', '.spec.subscribe', 'boolean'),
      col('PC Namespace', '.status.peeringCandidate.namespace'),
      col('PC Name', '.status.peeringCandidate.name'),
      col('Status', '.status.phase.phase'),
      col('Message', '.status.phase.message'),
    ],
  },
  { g: 'advertisement.fluidos.eu', v: 'v1alpha1', kind: 'PeeringCandidate', plural: 'peeringcandidates', status: true, custom: true },
  {
    g: 'reservation.fluidos.eu', v: 'v1alpha1', kind: 'Reservation', plural: 'reservations', short: ['res'], status: true, custom: true,
    columns: [
      col('Solver ID', '.spec.solverID'),
      col('Reserve', '.spec.reserve', 'boolean'),
      col('Purchase', '.spec.purchase', 'boolean'),
      col('Seller Name', '.spec.seller.nodeID'),
      col('Seller Domain', '.spec.buyer.domain', 'string', 1),
      col('Peering Candidate', '.spec.peeringCandidate.name', 'string', 1),
      col('Transaction ID', '.status.transactionID'),
      col('Reserve Phase', '.status.reservePhase', 'string', 1),
      col('Purchase Phase', '.status.purchasePhase', 'string', 1),
      col('Contract Name', '.status.contract.name'),
      col('Status', '.status.phase.phase'),
      col('Message', '.status.phase.message', 'string', 1),
    ],
  },
  {
    g: 'reservation.fluidos.eu', v: 'v1alpha1', kind: 'Contract', plural: 'contracts', short: ['contr'], status: true, custom: true,
    columns: [
      col('Flavor ID', '.spec.flavor.metadata.name'),
      col('Buyer Name', '.spec.buyer.nodeID'),
      col('Buyer Domain', '.spec.buyer.domain', 'string', 1),
      col('Seller Name', '.spec.seller.nodeID'),
      col('Seller Domain', '.spec.seller.domain', 'string', 1),
      col('Transaction ID', '.spec.transactionID', 'string', 1),
      col('Buyer Liqo ID', '.spec.buyerClusterID', 'string', 1),
      col('Expiration Time', '.spec.expirationTime', 'string', 1),
    ],
  },
  {
    g: 'reservation.fluidos.eu', v: 'v1alpha1', kind: 'Transaction', plural: 'transactions', short: ['tr'], status: true, custom: true,
    columns: [
      col('Flavor ID', '.spec.flavorID'),
      col('Buyer Name', '.spec.buyer.nodeID'),
      col('Buyer IP', '.spec.buyer.ip', 'string', 1),
      col('Buyer Domain', '.spec.buyer.domain', 'string', 1),
      col('Cluster ID', '.spec.clusterID'),
      col('Start Time', '.spec.startTime'),
    ],
  },
  // Liqo (../shared/crds/liqo)
  {
    g: 'offloading.liqo.io', v: 'v1beta1', kind: 'NamespaceOffloading', plural: 'namespaceoffloadings',
    short: ['nso', 'nsof', 'nsoff', 'nsoffloading'], categories: ['liqo'], status: true, custom: true,
    columns: [
      col('NamespaceMappingStrategy', '.spec.namespaceMappingStrategy'),
      col('PodOffloadingStrategy', '.spec.podOffloadingStrategy'),
      col('OffloadingPhase', '.status.offloadingPhase'),
      col('RemoteNamespaceName', '.status.remoteNamespaceName', 'string', 10),
      col('Age', '.metadata.creationTimestamp', 'date'),
    ],
  },
  // Capsule (../shared/crds/capsule), storage version v1beta2
  {
    g: 'capsule.clastix.io', v: 'v1beta2', kind: 'Tenant', plural: 'tenants', short: ['tnt'], namespaced: false, status: true, custom: true,
    columns: [
      { name: 'State', type: 'string', jsonPath: '.status.conditions[?(@.type=="Cordoned")].reason', value: (o) => conditionField(o, 'Cordoned', 'reason') },
      col('Namespace quota', '.spec.namespaceOptions.quota', 'integer'),
      col('Namespace count', '.status.size', 'integer'),
      col('Node selector', '.spec.nodeSelector'),
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', value: (o) => conditionField(o, 'Ready', 'status') },
      { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message', value: (o) => conditionField(o, 'Ready', 'message') },
      col('Age', '.metadata.creationTimestamp', 'date'),
    ],
  },
];

function conditionField(o: KubeObject, type: string, field: string): unknown {
  const conds = o.status?.conditions;
  if (!Array.isArray(conds)) return undefined;
  return conds.find((x: any) => x?.type === type)?.[field];
}

function build(s: KindSpec): KindInfo {
  const info: KindInfo = {
    group: s.g,
    version: s.v,
    apiVersion: s.g ? `${s.g}/${s.v}` : s.v,
    kind: s.kind,
    listKind: `${s.kind}List`,
    plural: s.plural,
    singular: s.kind.toLowerCase(),
    shortNames: s.short ?? [],
    namespaced: s.namespaced ?? true,
    hasStatus: s.status ?? false,
    custom: s.custom ?? false,
    columns: s.columns ?? [],
  };
  if (s.categories) info.categories = s.categories;
  return info;
}

/** The kinds the sandbox serves by default. */
export const DEFAULT_KINDS: readonly KindInfo[] = SPECS.map(build);

/** Lookup indexes over a set of kinds. */
export class KindTable {
  readonly all: readonly KindInfo[];
  private readonly byGvk = new Map<string, KindInfo>();
  private readonly byPlural = new Map<string, KindInfo>();

  constructor(kinds: readonly KindInfo[] = DEFAULT_KINDS) {
    this.all = kinds;
    for (const k of kinds) {
      this.byGvk.set(`${k.apiVersion}|${k.kind}`, k);
      this.byPlural.set(`${k.group}|${k.version}|${k.plural}`, k);
    }
  }

  /** The kind for an object's apiVersion + kind, or undefined when not served. */
  lookup(apiVersion: string, kind: string): KindInfo | undefined {
    return this.byGvk.get(`${apiVersion}|${kind}`);
  }

  /** The kind served at /api(s)/<group>/<version>/<plural>. */
  byResource(group: string, version: string, plural: string): KindInfo | undefined {
    return this.byPlural.get(`${group}|${version}|${plural}`);
  }

  /** Served group/versions in a stable order: core first, then groups in table order. */
  groupVersions(): { group: string; version: string }[] {
    const seen = new Set<string>();
    const out: { group: string; version: string }[] = [];
    for (const k of this.all) {
      const key = `${k.group}/${k.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ group: k.group, version: k.version });
    }
    return out;
  }

  inGroupVersion(group: string, version: string): KindInfo[] {
    return this.all.filter((k) => k.group === group && k.version === version);
  }
}

/** `<plural>` or `<plural>.<group>`, the name Kubernetes uses in error messages. */
export function qualifiedResource(k: KindInfo): string {
  return k.group ? `${k.plural}.${k.group}` : k.plural;
}
