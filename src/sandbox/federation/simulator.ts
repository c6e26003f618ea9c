import { refOf, type KubeObject, type ObjectRef } from '../../k8s/object.js';
import { API } from '../../fluidos/types.js';
import type { FluidosIdentity } from '../../config/model.js';
import { DEFAULT_CONFIG } from '../../config/model.js';
import type { ObjectStore } from '../api/store.js';
import type { Federation, FederationProvider } from './model.js';
import { FLUIDOS_NAMESPACE, LABEL_PROVIDER, flavorFromNode, federationNodes, NO_USAGE, type Usage } from './flavors.js';
import { WorkQueue } from './queue.js';
import { FM_FLUIDOS } from './field-managers.js';
import type { Holding, SimulatorHost } from './host.js';
import { sharedView, type StoreView } from './view.js';
import { reconcileAllocation, reconcileDiscovery, reconcileReservation, reconcileSolver, releaseAllocation, releaseReservation, solverGone, syncCandidatesOfFlavor, loseProviderAllocations } from './fluidos-controllers.js';
import { reconcileOffloading, isVirtualNode, matchNodeSelector } from './liqo-controllers.js';
import { reconcileDeployment, reconcileJob } from './workloads.js';

export interface SimulatorOptions {
  /** Delay between two observable steps of a controller (ms). Default 20. */
  stepDelayMs?: number;
  /** How long a simulated Job pod runs before it succeeds (ms). Default 1000. */
  jobDurationMs?: number;
  /** The consumer's FLUIDOS identity (buyer of FLUIDOS-made Reservations). */
  consumer?: FluidosIdentity;
  /** The consumer's Liqo cluster id (Contract.buyerClusterID). */
  consumerClusterId?: string;
  /** Called when a reconcile throws (it is retried with backoff). */
  onError?: (key: string, err: unknown) => void;
  /** The simulator's time (default: the store's clock, so objects and their status agree). */
  clock?: () => Date;
}

interface Refusal {
  provider?: string;
  flavor?: string;
  remaining: number;
}

export interface SimulatorStats {
  reconciles: number;
  reconcileErrors: number;
  reservationsAccepted: number;
  reservationsRefused: number;
  holdings: number;
  providersDown: string[];
}


const WATCHED: { apiVersion: string; kind: string }[] = [
  { apiVersion: API.nodecore, kind: 'Solver' },
  { apiVersion: API.advertisement, kind: 'Discovery' },
  { apiVersion: API.reservation, kind: 'Reservation' },
  { apiVersion: API.nodecore, kind: 'Allocation' },
  { apiVersion: API.nodecore, kind: 'Flavor' },
  { apiVersion: API.offloading, kind: 'NamespaceOffloading' },
  { apiVersion: 'v1', kind: 'Node' },
  { apiVersion: 'v1', kind: 'Pod' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'batch/v1', kind: 'Job' },
];

/**
 * The simulated FLUIDOS + Liqo + kube-controller side of the sandbox. Controllers watch the
 * object store and write through it, one step per `stepDelayMs`, so every phase is visible to
 * kubectl and to the reconciler over HTTP.
 */
export class FederationSimulator implements SimulatorHost {
  readonly stepDelayMs: number;
  readonly jobDurationMs: number;
  readonly consumer: FluidosIdentity;
  readonly consumerClusterId: string;
  readonly providers = new Map<string, FederationProvider>();
  readonly providersByLiqo = new Map<string, FederationProvider>();
  readonly holdings = new Map<string, Holding>();
  readonly down = new Set<string>();
  /** Providers whose virtual nodes have no room left for new pods (faults.providerFull). */
  readonly full = new Set<string>();
  readonly refusals: Refusal[] = [];
  readonly counters = { accepted: 0, refused: 0 };
  /** The store without copies, for the controllers (see StoreView). */
  readonly view: StoreView;
  private readonly queue: WorkQueue;
  private readonly onError: (err: unknown) => void;
  private readonly stops: (() => void)[] = [];
  /** Labels of each Node as last seen, so a relabelled virtual node also requeues what it left. */
  private readonly nodeLabels = new Map<string, Record<string, string>>();
  private started = false;
  private readonly clock: () => Date;

  constructor(
    readonly store: ObjectStore,
    readonly federation: Federation,
    opts: SimulatorOptions = {},
  ) {
    this.view = sharedView(store);
    this.clock = opts.clock ?? store.clock;
    this.stepDelayMs = opts.stepDelayMs ?? 20;
    this.jobDurationMs = opts.jobDurationMs ?? 1000;
    this.consumer = opts.consumer ?? DEFAULT_CONFIG.consumer;
    this.consumerClusterId = opts.consumerClusterId ?? 'liqo-consumer';
    for (const p of federation.providers) {
      this.providers.set(p.name, p);
      this.providersByLiqo.set(p.liqoClusterId, p);
    }
    this.onError = (err) => opts.onError?.('release', err);
    this.queue = new WorkQueue((key) => this.dispatch(key), opts.onError);
  }

  /** Creates the fluidos namespace, the provider Nodes and their Flavors, then starts watching. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const ns of [FLUIDOS_NAMESPACE, 'default']) {
      if (!this.view.get({ apiVersion: 'v1', kind: 'Namespace', name: ns })) {
        this.view.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      }
    }
    for (const node of federationNodes(this.federation)) {
      const live = this.view.get(refOf(node));
      if (!live) this.view.create(node, { fieldManager: FM_FLUIDOS });
    }
    for (const p of this.federation.providers) for (const n of p.nodes) this.syncFlavor(`${p.name}/${n.name}`);
    for (const w of WATCHED) {
      this.stops.push(this.store.watchShared(w.apiVersion, w.kind, {}, (e) => this.onEvent(w.kind, e.type, e.object)));
    }
  }

  close(): void {
    for (const s of this.stops.splice(0)) s();
    this.queue.close();
  }

  /** Queues a reconcile of `kind/ns/name` after `delay` (default one step). */
  enqueue(kind: string, namespace: string | undefined, name: string, delay = this.stepDelayMs): void {
    this.queue.add(`${kind}|${namespace ?? ''}|${name}`, delay);
  }

  private onEvent(kind: string, type: string, o: KubeObject): void {
    const ns = o.metadata.namespace;
    const name = o.metadata.name;
    switch (kind) {
      case 'Solver':
        if (type === 'DELETED') this.enqueue('SolverGone', ns, name, 0);
        else this.enqueue('Solver', ns, name);
        break;
      case 'Discovery':
        if (type !== 'DELETED') this.enqueue('Discovery', ns, name);
        for (const ref of ownersOf(o, 'Solver')) this.enqueue('Solver', ns, ref);
        break;
      case 'Reservation':
        if (type === 'DELETED') this.guard(() => releaseReservation(this, o));
        else this.enqueue('Reservation', ns, name);
        for (const ref of ownersOf(o, 'Solver')) this.enqueue('Solver', ns, ref);
        break;
      case 'Allocation':
        if (type === 'DELETED') this.guard(() => releaseAllocation(this, o));
        else this.enqueue('Allocation', ns, name);
        for (const ref of ownersOf(o, 'Solver')) this.enqueue('Solver', ns, ref);
        break;
      case 'Flavor':
        this.enqueue('FlavorCandidates', ns, name, 0);
        break;
      case 'Node': {
        const provider = o.metadata.labels?.[LABEL_PROVIDER];
        const pnode = o.metadata.labels?.['sandbox.flare.io/node'];
        if (provider && pnode && !isVirtualNode(o)) this.enqueue('ProviderNode', undefined, `${provider}/${pnode}`, 0);
        const before = this.nodeLabels.get(name);
        if (type === 'DELETED') this.nodeLabels.delete(name);
        else this.nodeLabels.set(name, o.metadata.labels ?? {});
        if (isVirtualNode(o)) this.enqueueAffectedBy(o, before);
        break;
      }
      case 'NamespaceOffloading':
        if (type !== 'DELETED') this.enqueue('NamespaceOffloading', ns, name);
        if (ns) this.enqueueWorkloads(ns);
        break;
      case 'Pod':
        for (const ref of ownersOf(o, 'Deployment')) this.enqueue('Deployment', ns, ref);
        for (const ref of ownersOf(o, 'Job')) this.enqueue('Job', ns, ref);
        break;
      case 'Deployment':
        if (type !== 'DELETED') this.enqueue('Deployment', ns, name);
        break;
      case 'Job':
        if (type !== 'DELETED') this.enqueue('Job', ns, name);
        break;
    }
  }

  /** Runs a release handler inside a watch callback; errors go where reconcile errors go. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onError(err);
    }
  }

  /**
   * What a virtual node's change can affect: the NamespaceOffloadings whose cluster selector
   * picks it (with its labels now or before), the workloads of their namespaces (pods may now
   * fit, or not) and the workloads with pods bound to it. Nothing else reads that node, so
   * requeueing every offloading and workload (what this replaced) changed nothing more, at a
   * cost that grew with the square of the nodes.
   */
  enqueueAffectedBy(node: KubeObject, labelsBefore: Record<string, string> | undefined): void {
    const was: KubeObject | undefined = labelsBefore ? { ...node, metadata: { ...node.metadata, labels: labelsBefore } } : undefined;
    const namespaces = new Set<string>();
    for (const no of this.view.list(API.offloading, 'NamespaceOffloading').items) {
      const sel = no.spec?.clusterSelector;
      if (!matchNodeSelector(sel, node) && !(was && matchNodeSelector(sel, was))) continue;
      this.enqueue('NamespaceOffloading', no.metadata.namespace, no.metadata.name);
      if (no.metadata.namespace) namespaces.add(no.metadata.namespace);
    }
    const owners = new Set<string>();
    for (const p of this.view.list('v1', 'Pod').items) {
      if (p.spec?.nodeName !== node.metadata.name) continue;
      for (const r of (p.metadata.ownerReferences ?? []) as { kind?: string; name?: string }[]) {
        if ((r.kind === 'Deployment' || r.kind === 'Job') && typeof r.name === 'string') owners.add(`${r.kind}|${p.metadata.namespace ?? ''}|${r.name}`);
      }
    }
    for (const kind of ['Deployment', 'Job'] as const) {
      for (const o of this.view.list(kind === 'Deployment' ? 'apps/v1' : 'batch/v1', kind).items) {
        const ns = o.metadata.namespace ?? '';
        if (namespaces.has(ns) || owners.has(`${kind}|${ns}|${o.metadata.name}`)) this.enqueue(kind, o.metadata.namespace, o.metadata.name);
      }
    }
  }

  enqueueAllOffloadingAndWorkloads(): void {
    for (const no of this.view.list(API.offloading, 'NamespaceOffloading').items) {
      this.enqueue('NamespaceOffloading', no.metadata.namespace, no.metadata.name);
    }
    for (const kind of ['Deployment', 'Job'] as const) {
      for (const o of this.view.list(kind === 'Deployment' ? 'apps/v1' : 'batch/v1', kind).items) {
        this.enqueue(kind, o.metadata.namespace, o.metadata.name);
      }
    }
  }

  enqueueWorkloads(namespace: string): void {
    for (const o of this.view.list('apps/v1', 'Deployment', { namespace }).items) this.enqueue('Deployment', namespace, o.metadata.name);
    for (const o of this.view.list('batch/v1', 'Job', { namespace }).items) this.enqueue('Job', namespace, o.metadata.name);
  }

  private dispatch(key: string): number | void {
    const [kind = '', ns = '', name = ''] = key.split('|');
    const namespace = ns || undefined;
    switch (kind) {
      case 'Solver':
        return reconcileSolver(this, namespace!, name);
      case 'SolverGone':
        return solverGone(this, namespace!, name);
      case 'Discovery':
        return reconcileDiscovery(this, namespace!, name);
      case 'Reservation':
        return reconcileReservation(this, namespace!, name);
      case 'Allocation':
        return reconcileAllocation(this, namespace!, name);
      case 'FlavorCandidates':
        return syncCandidatesOfFlavor(this, name);
      case 'ProviderNode':
        return this.syncFlavor(name);
      case 'NamespaceOffloading':
        return reconcileOffloading(this, namespace!, name);
      case 'Deployment':
        return reconcileDeployment(this, namespace!, name);
      case 'Job':
        return reconcileJob(this, namespace!, name);
    }
  }

  // ------------------------------------------------------------ provider side: nodes → flavors

  /** Usage held on a Flavor by all reservations. */
  usageOf(flavor: string): Usage {
    const u = { ...NO_USAGE };
    for (const h of this.holdings.values()) {
      if (h.flavor !== flavor) continue;
      u.gpus += h.usage.gpus;
      u.cpu += h.usage.cpu;
      u.memory += h.usage.memory;
      u.pods += h.usage.pods;
    }
    return u;
  }

  /** Regenerates the Flavor of `<provider>/<node>` from its Node, holdings and the provider's state. */
  syncFlavor(providerSlashNode: string): void {
    const [pname = '', nname = ''] = providerSlashNode.split('/');
    const p = this.providers.get(pname);
    if (!p) return;
    const node = this.view
      .list('v1', 'Node', { labelSelector: `${LABEL_PROVIDER}=${pname},sandbox.flare.io/node=${nname}` })
      .items.find((n) => !isVirtualNode(n));
    const existing = this.view.list(API.nodecore, 'Flavor', { namespace: FLUIDOS_NAMESPACE, labelSelector: `${LABEL_PROVIDER}=${pname},sandbox.flare.io/node=${nname}` }).items;
    if (!node) {
      for (const f of existing) this.deleteQuietly(refOf(f));
      return;
    }
    const probe = flavorFromNode(p, node, NO_USAGE);
    const flavor = probe ? flavorFromNode(p, node, this.usageOf(probe.metadata.name), !this.down.has(pname)) : undefined;
    if (!flavor) {
      for (const f of existing) this.deleteQuietly(refOf(f));
      return;
    }
    this.view.apply(flavor, { fieldManager: FM_FLUIDOS, force: true });
  }

  /** Re-syncs the Flavor a holding refers to. */
  syncFlavorByName(flavor: string): void {
    const f = this.view.get({ apiVersion: API.nodecore, kind: 'Flavor', namespace: FLUIDOS_NAMESPACE, name: flavor });
    const p = f?.metadata.labels?.[LABEL_PROVIDER];
    const n = f?.metadata.labels?.['sandbox.flare.io/node'];
    if (p && n) this.syncFlavor(`${p}/${n}`);
  }

  providerOfFlavor(flavor: KubeObject): FederationProvider | undefined {
    const label = flavor.metadata.labels?.[LABEL_PROVIDER];
    if (label && this.providers.has(label)) return this.providers.get(label);
    const liqo = flavor.spec?.owner?.additionalInformation?.liqoID;
    if (liqo) return this.providersByLiqo.get(liqo);
    const nodeID = flavor.spec?.owner?.nodeID;
    return [...this.providers.values()].find((p) => p.nodeID === nodeID);
  }

  deleteQuietly(ref: ObjectRef): boolean {
    try {
      this.view.delete(ref);
      return true;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return false;
      throw err;
    }
  }

  // ------------------------------------------------------------ faults

  /** Takes a provider down: Flavors unavailable, its virtual nodes NotReady, its allocations lost. */
  providerDown(name: string): void {
    if (!this.providers.has(name)) throw new Error(`no provider ${name} in the federation`);
    this.down.add(name);
    loseProviderAllocations(this, name);
    for (const n of this.providers.get(name)!.nodes) this.syncFlavor(`${name}/${n.name}`);
  }

  /** Brings a provider back: its Flavors are offered again; lost allocations stay lost. */
  providerUp(name: string): void {
    if (!this.providers.has(name)) throw new Error(`no provider ${name} in the federation`);
    this.down.delete(name);
    for (const n of this.providers.get(name)!.nodes) this.syncFlavor(`${name}/${n.name}`);
  }

  /** Refuses the next `count` reservations on a provider or flavor (or anywhere). */
  refuseReservations(count: number, target: { provider?: string; flavor?: string } = {}): void {
    this.refusals.push({ ...target, remaining: count });
  }

  /** Consumes a refusal matching this flavor, if any. */
  takeRefusal(provider: string, flavor: string): boolean {
    const r = this.refusals.find(
      (x) => x.remaining > 0 && (x.provider === undefined || x.provider === provider) && (x.flavor === undefined || x.flavor === flavor),
    );
    if (!r) return false;
    r.remaining -= 1;
    if (r.remaining <= 0) this.refusals.splice(this.refusals.indexOf(r), 1);
    return true;
  }

  /** The provider's capacity is taken by someone else: new pods on its virtual nodes stay Pending. */
  providerFull(name: string, full = true): void {
    if (!this.providers.has(name)) throw new Error(`no provider ${name} in the federation`);
    if (full) this.full.add(name);
    else this.full.delete(name);
  }

  clearFaults(): void {
    this.full.clear();
    this.refusals.splice(0);
    for (const p of [...this.down]) this.providerUp(p);
  }

  stats(): SimulatorStats {
    return {
      reconciles: this.queue.processed,
      reconcileErrors: this.queue.errors,
      reservationsAccepted: this.counters.accepted,
      reservationsRefused: this.counters.refused,
      holdings: this.holdings.size,
      providersDown: [...this.down].sort(),
    };
  }

  /** The simulator's time as a Kubernetes timestamp (whole seconds). */
  now(): string {
    return this.clock().toISOString().replace(/\.\d+Z$/, 'Z');
  }

  /** The simulator's time in ms: what Job durations and expirations are measured against. */
  nowMs(): number {
    return this.clock().getTime();
  }
}

function ownersOf(o: KubeObject, kind: string): string[] {
  const refs = o.metadata.ownerReferences;
  if (!Array.isArray(refs)) return [];
  return refs.flatMap((r) => {
    const x = r as { kind?: string; name?: string };
    return x.kind === kind && typeof x.name === 'string' ? [x.name] : [];
  });
}
