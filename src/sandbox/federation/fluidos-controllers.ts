import { refOf, type KubeObject, type ObjectRef } from '../../k8s/object.js';
import { dnsLabel } from '../../k8s/names.js';
import { API, flavorGpu, type SolverFilters } from '../../fluidos/types.js';
import { matchSolverFilters, solverFilterProblems } from '../../fluidos/filters.js';
import { FLUIDOS_NAMESPACE, LABEL_PROVIDER } from './flavors.js';
import { configurationData, partitionFromFilters, partitionOf, type Partition } from './partition.js';
import type { Holding, SimulatorHost } from './host.js';
import { FM_FLUIDOS } from './field-managers.js';
import { createVirtualNode, deleteVirtualNodeOf, markVirtualNodesNotReady } from './liqo-controllers.js';

const ref = (apiVersion: string, kind: string, namespace: string | undefined, name: string): ObjectRef =>
  namespace ? { apiVersion, kind, namespace, name } : { apiVersion, kind, name };

const solverRef = (ns: string, name: string) => ref(API.nodecore, 'Solver', ns, name);

const discoveryName = (solver: string) => dnsLabel(['discovery', solver]);
const fluidosReservationName = (solver: string) => dnsLabel(['reservation', solver]);
const fluidosAllocationName = (solver: string) => dnsLabel(['allocation', solver]);
const candidateName = (flavor: string) => dnsLabel(['pc', flavor]);
const contractName = (reservation: string) => dnsLabel(['contract', reservation]);
const transactionName = (reservation: string) => dnsLabel(['transaction', reservation]);

function ownerRef(o: KubeObject): Record<string, unknown> {
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid, controller: true, blockOwnerDeletion: true };
}

function flavorSnapshot(f: KubeObject): KubeObject {
  return { apiVersion: f.apiVersion, kind: f.kind, metadata: { name: f.metadata.name, namespace: f.metadata.namespace ?? FLUIDOS_NAMESPACE }, spec: f.spec };
}

function identity(o: { domain?: string; nodeID?: string; ip?: string } | undefined): { domain: string; nodeID: string; ip: string } {
  return { domain: o?.domain ?? '', nodeID: o?.nodeID ?? '', ip: o?.ip ?? '' };
}

const TERMINAL = new Set(['Solved', 'Failed', 'Timed Out']);

// ------------------------------------------------------------------------------------ Solver

interface SolverUpdate {
  findCandidate?: string;
  reserveAndBuy?: string;
  peering?: string;
  discoveryPhase?: string;
  reservationPhase?: string;
  consumePhase?: string;
  phase?: string;
  message?: string;
}

/** Writes only what changes, so a reconcile of a settled Solver writes nothing. */
function updateSolver(sim: SimulatorHost, s: KubeObject, u: SolverUpdate): void {
  const st = s.status ?? {};
  const patch: Record<string, unknown> = {};
  for (const k of ['findCandidate', 'reserveAndBuy', 'peering', 'discoveryPhase', 'reservationPhase', 'consumePhase'] as const) {
    if (u[k] !== undefined && st[k] !== u[k]) patch[k] = u[k];
  }
  const sp = st.solverPhase ?? {};
  if ((u.phase !== undefined && sp.phase !== u.phase) || (u.message !== undefined && sp.message !== u.message)) {
    const now = sim.now();
    const phase = u.phase ?? sp.phase ?? 'Pending';
    const next: Record<string, unknown> = { phase, message: u.message ?? sp.message ?? '', lastChangeTime: now, startTime: sp.startTime ?? now };
    if (TERMINAL.has(phase)) next.endTime = now;
    patch.solverPhase = next;
  }
  if (Object.keys(patch).length) sim.view.patchStatus(refOf(s), patch, { fieldManager: FM_FLUIDOS });
}

export function reconcileSolver(sim: SimulatorHost, ns: string, name: string): number | void {
  const s = sim.view.get(solverRef(ns, name));
  if (!s || s.metadata.deletionTimestamp) return;
  const st = s.status ?? {};
  const spec = s.spec ?? {};
  if (!st.solverPhase) {
    updateSolver(sim, s, {
      findCandidate: 'Idle', reserveAndBuy: 'Idle', peering: 'Idle', discoveryPhase: 'Idle', reservationPhase: 'Idle', consumePhase: 'Idle',
      phase: 'Pending', message: 'Solver created',
    });
    return;
  }
  if (TERMINAL.has(st.solverPhase.phase)) return;
  if (spec.findCandidate !== true) {
    updateSolver(sim, s, { phase: 'Idle', message: 'findCandidate is false: nothing to do' });
    return;
  }
  const filters = spec.selector?.filters as SolverFilters | undefined;
  const problems = solverFilterProblems(filters);
  if (spec.selector?.flavorType !== undefined && spec.selector.flavorType !== 'K8Slice') problems.push(`flavorType ${String(spec.selector.flavorType)} is not supported (K8Slice only)`);
  if (problems.length) {
    updateSolver(sim, s, { findCandidate: 'Failed', discoveryPhase: 'Failed', phase: 'Failed', message: `invalid selector: ${problems.join('; ')}` });
    return;
  }

  // Discovery
  const dref = ref(API.advertisement, 'Discovery', ns, discoveryName(name));
  const discovery = sim.view.get(dref);
  if (!discovery) {
    sim.view.create(
      {
        apiVersion: API.advertisement,
        kind: 'Discovery',
        metadata: { name: dref.name, namespace: ns, labels: { 'sandbox.flare.io/solver': name }, ownerReferences: [ownerRef(s)] },
        spec: { solverID: name, subscribe: false, selector: { flavorType: spec.selector?.flavorType ?? 'K8Slice', filters: filters ?? {} } },
      },
      { fieldManager: FM_FLUIDOS },
    );
    updateSolver(sim, s, { findCandidate: 'Running', discoveryPhase: 'Running', phase: 'Running', message: 'Discovering PeeringCandidates' });
    return;
  }
  const dphase = discovery.status?.phase?.phase;
  if (dphase !== 'Solved' && dphase !== 'Failed') return;
  const found = (discovery.status?.peeringCandidateList?.items ?? []) as KubeObject[];
  if (dphase === 'Failed' || found.length === 0) {
    // FLUIDOS gives up without requeue when nothing matches.
    updateSolver(sim, s, { findCandidate: 'Failed', discoveryPhase: 'Failed', phase: 'Failed', message: discovery.status?.phase?.message ?? 'No PeeringCandidates found' });
    return;
  }
  if (spec.reserveAndBuy !== true) {
    updateSolver(sim, s, { findCandidate: 'Solved', discoveryPhase: 'Solved', phase: 'Solved', message: `${found.length} PeeringCandidates found` });
    return;
  }
  updateSolver(sim, s, { findCandidate: 'Solved', discoveryPhase: 'Solved' });

  // Reservation: FLUIDOS's first match, no ranking.
  const rname = fluidosReservationName(name);
  const rref = ref(API.reservation, 'Reservation', ns, rname);
  const reservation = sim.view.get(rref);
  if (!reservation) {
    const pc = sim.view
      .list(API.advertisement, 'PeeringCandidate', { namespace: ns })
      .items.filter((c) => c.spec?.available === true && (c.spec?.interestedSolverIDs ?? []).includes(name))
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0))[0];
    if (!pc) {
      updateSolver(sim, s, { reserveAndBuy: 'Failed', reservationPhase: 'Failed', phase: 'Failed', message: 'No available PeeringCandidate to reserve' });
      return;
    }
    const flavor = pc.spec.flavor as KubeObject;
    const part = partitionFromFilters(filters, flavor);
    if (typeof part === 'string') {
      updateSolver(sim, s, { reserveAndBuy: 'Failed', reservationPhase: 'Failed', phase: 'Failed', message: part });
      return;
    }
    sim.view.create(
      {
        apiVersion: API.reservation,
        kind: 'Reservation',
        metadata: { name: rname, namespace: ns, labels: { 'sandbox.flare.io/solver': name }, ownerReferences: [ownerRef(s)] },
        spec: {
          solverID: name,
          buyer: identity(sim.consumer),
          seller: identity(flavor.spec?.owner),
          peeringCandidate: { name: pc.metadata.name, namespace: ns },
          reserve: true,
          purchase: true,
          configuration: { type: 'K8Slice', data: configurationData(part) },
        },
      },
      { fieldManager: FM_FLUIDOS },
    );
    updateSolver(sim, s, { reserveAndBuy: 'Running', reservationPhase: 'Running', phase: 'Running', message: `Reserving ${pc.metadata.name}` });
    return;
  }
  const rphase = reservation.status?.phase?.phase;
  if (rphase === 'Failed') {
    updateSolver(sim, s, { reserveAndBuy: 'Failed', reservationPhase: 'Failed', phase: 'Failed', message: reservation.status?.phase?.message ?? 'Reservation failed' });
    return;
  }
  if (rphase !== 'Solved' || !reservation.status?.contract?.name) return;
  if (spec.establishPeering !== true) {
    updateSolver(sim, s, { reserveAndBuy: 'Solved', reservationPhase: 'Solved', phase: 'Solved', message: `Contract ${reservation.status.contract.name} bought` });
    return;
  }
  updateSolver(sim, s, { reserveAndBuy: 'Solved', reservationPhase: 'Solved' });

  // Allocation
  const aref = ref(API.nodecore, 'Allocation', ns, fluidosAllocationName(name));
  const allocation = sim.view.get(aref);
  if (!allocation) {
    sim.view.create(
      {
        apiVersion: API.nodecore,
        kind: 'Allocation',
        metadata: { name: aref.name, namespace: ns, labels: { 'sandbox.flare.io/solver': name }, ownerReferences: [ownerRef(s)] },
        spec: { contract: { name: reservation.status.contract.name, namespace: reservation.status.contract.namespace ?? ns }, forwarding: false },
      },
      { fieldManager: FM_FLUIDOS },
    );
    updateSolver(sim, s, { peering: 'Running', consumePhase: 'Running', phase: 'Allocating', message: 'Establishing peering' });
    return;
  }
  const astatus = allocation.status?.status;
  if (astatus === 'Active') updateSolver(sim, s, { peering: 'Solved', consumePhase: 'Solved', phase: 'Solved', message: 'Solver has completed all the phases' });
  else if (astatus === 'Inactive' || astatus === 'Error') {
    updateSolver(sim, s, { peering: 'Failed', consumePhase: 'Failed', phase: 'Failed', message: allocation.status?.message ?? 'Allocation failed' });
  }
}

/** A deleted Solver leaves the PeeringCandidates it was interested in; unwanted ones go. */
export function solverGone(sim: SimulatorHost, ns: string, name: string): void {
  for (const pc of sim.view.list(API.advertisement, 'PeeringCandidate', { namespace: ns }).items) {
    const ids: string[] = pc.spec?.interestedSolverIDs ?? [];
    if (!ids.includes(name)) continue;
    const rest = ids.filter((x) => x !== name);
    if (rest.length === 0) sim.deleteQuietly(refOf(pc));
    else sim.view.patch(refOf(pc), { spec: { interestedSolverIDs: rest } }, 'merge', { fieldManager: FM_FLUIDOS });
  }
}

// ------------------------------------------------------------------------------------ Discovery

export function reconcileDiscovery(sim: SimulatorHost, ns: string, name: string): void {
  const d = sim.view.get(ref(API.advertisement, 'Discovery', ns, name));
  if (!d) return;
  const phase = d.status?.phase?.phase;
  if (phase === 'Solved' || phase === 'Failed') return;
  const now = sim.now();
  if (!phase) {
    sim.view.patchStatus(refOf(d), { phase: { phase: 'Running', message: 'Querying known providers', startTime: now, lastChangeTime: now } }, { fieldManager: FM_FLUIDOS });
    return;
  }
  const solverID: string = d.spec?.solverID ?? name;
  const flavorType = d.spec?.selector?.flavorType ?? 'K8Slice';
  const filters = d.spec?.selector?.filters as SolverFilters | undefined;
  const flavors = sim.view
    .list(API.nodecore, 'Flavor', { namespace: FLUIDOS_NAMESPACE })
    .items.filter((f) => f.spec?.availability === true && f.spec?.flavorType?.typeIdentifier === flavorType && matchSolverFilters(filters, f));
  const items: KubeObject[] = [];
  for (const f of flavors) items.push(upsertCandidate(sim, ns, f, solverID));
  sim.view.patchStatus(
    refOf(d),
    {
      phase: {
        phase: 'Solved',
        message: items.length ? `${items.length} PeeringCandidates found` : 'No PeeringCandidates found',
        startTime: d.status?.phase?.startTime ?? now,
        lastChangeTime: now,
        endTime: now,
      },
      peeringCandidateList: {
        apiVersion: API.advertisement,
        kind: 'PeeringCandidateList',
        metadata: {},
        items: items.map((pc) => ({ apiVersion: pc.apiVersion, kind: pc.kind, metadata: { name: pc.metadata.name, namespace: pc.metadata.namespace }, spec: pc.spec })),
      },
    },
    { fieldManager: FM_FLUIDOS },
  );
}

/** One PeeringCandidate per Flavor per namespace, shared by the Solvers interested in it (as FLUIDOS does). */
function upsertCandidate(sim: SimulatorHost, ns: string, flavor: KubeObject, solverID: string): KubeObject {
  const pref = ref(API.advertisement, 'PeeringCandidate', ns, candidateName(flavor.metadata.name));
  const live = sim.view.get(pref);
  const ids: string[] = live?.spec?.interestedSolverIDs ?? [];
  const provider = flavor.metadata.labels?.[LABEL_PROVIDER];
  const obj: KubeObject = {
    apiVersion: API.advertisement,
    kind: 'PeeringCandidate',
    metadata: { name: pref.name, namespace: ns, labels: { 'sandbox.flare.io/flavor': flavor.metadata.name, ...(provider ? { [LABEL_PROVIDER]: provider } : {}) } },
    spec: { interestedSolverIDs: ids.includes(solverID) ? ids : [...ids, solverID], flavor: flavorSnapshot(flavor), available: flavor.spec?.availability === true },
  };
  const out = sim.view.apply(obj, { fieldManager: FM_FLUIDOS, force: true });
  if (!live) {
    const now = sim.now();
    return sim.view.patchStatus(pref, { creationTime: now, lastUpdateTime: now }, { fieldManager: FM_FLUIDOS });
  }
  return out;
}

/** PeeringCandidates follow their Flavor: its spec (remaining capacity) and availability. */
export function syncCandidatesOfFlavor(sim: SimulatorHost, flavorName: string): void {
  const flavor = sim.view.get(ref(API.nodecore, 'Flavor', FLUIDOS_NAMESPACE, flavorName));
  for (const pc of sim.view.list(API.advertisement, 'PeeringCandidate', { labelSelector: `sandbox.flare.io/flavor=${flavorName}` }).items) {
    const available = flavor?.spec?.availability === true;
    const patch: Record<string, unknown> = { spec: { available } };
    if (flavor) (patch.spec as Record<string, unknown>).flavor = flavorSnapshot(flavor);
    const before = JSON.stringify({ a: pc.spec?.available, f: pc.spec?.flavor?.spec });
    const after = JSON.stringify({ a: available, f: flavor ? flavor.spec : pc.spec?.flavor?.spec });
    if (before === after) continue;
    sim.view.patch(refOf(pc), patch, 'merge', { fieldManager: FM_FLUIDOS });
    sim.view.patchStatus(refOf(pc), { lastUpdateTime: sim.now() }, { fieldManager: FM_FLUIDOS });
  }
}

// ------------------------------------------------------------------------------------ Reservation

function failReservation(sim: SimulatorHost, r: KubeObject, message: string, refused = true): void {
  const now = sim.now();
  if (refused) sim.counters.refused++;
  sim.view.patchStatus(
    refOf(r),
    {
      phase: { phase: 'Failed', message, startTime: r.status?.phase?.startTime ?? now, lastChangeTime: now, endTime: now },
      reservePhase: r.status?.reservePhase === 'Solved' ? 'Solved' : 'Failed',
      purchasePhase: r.spec?.purchase ? 'Failed' : 'Idle',
    },
    { fieldManager: FM_FLUIDOS },
  );
}

const holdingKey = (ns: string, name: string) => `${ns}/${name}`;

export function reconcileReservation(sim: SimulatorHost, ns: string, name: string): void {
  const r = sim.view.get(ref(API.reservation, 'Reservation', ns, name));
  if (!r || r.metadata.deletionTimestamp) return;
  const st = r.status ?? {};
  const phase = st.phase?.phase;
  if (phase === 'Failed') return;
  const now = sim.now();
  if (!phase) {
    sim.view.patchStatus(
      refOf(r),
      { phase: { phase: 'Running', message: 'Reserving', startTime: now, lastChangeTime: now }, reservePhase: r.spec?.reserve ? 'Running' : 'Idle', purchasePhase: 'Idle' },
      { fieldManager: FM_FLUIDOS },
    );
    return;
  }
  const key = holdingKey(ns, name);

  if (st.reservePhase !== 'Solved') {
    if (r.spec?.reserve !== true) return;
    const pcRef = r.spec?.peeringCandidate ?? {};
    const pc = pcRef.name ? sim.view.get(ref(API.advertisement, 'PeeringCandidate', pcRef.namespace ?? ns, pcRef.name)) : undefined;
    if (!pc) return failReservation(sim, r, `PeeringCandidate ${pcRef.namespace ?? ns}/${pcRef.name ?? '?'} not found`);
    const flavorName: string | undefined = pc.spec?.flavor?.metadata?.name;
    const flavor = flavorName ? sim.view.get(ref(API.nodecore, 'Flavor', FLUIDOS_NAMESPACE, flavorName)) : undefined;
    if (!flavor || !flavorName) return failReservation(sim, r, `Flavor ${flavorName ?? '?'} is no longer offered`);
    const provider = sim.providerOfFlavor(flavor);
    if (!provider) return failReservation(sim, r, `Flavor ${flavorName} has no known provider`);
    if (sim.down.has(provider.name)) return failReservation(sim, r, `provider ${provider.name} is unreachable`);
    if (sim.takeRefusal(provider.name, flavorName)) return failReservation(sim, r, `provider ${provider.name} refused the reservation of ${flavorName}: resources contended`);
    const full = sim.view.get(ref(API.nodecore, 'Flavor', FLUIDOS_NAMESPACE, flavorName))!;
    const part = partitionOf(r.spec?.configuration, full);
    if (typeof part === 'string') return failReservation(sim, r, part);
    const lack = shortfall(full, part);
    if (lack) return failReservation(sim, r, `Flavor ${flavorName} cannot host the partition: ${lack}`);
    const holding: Holding = { flavor: flavorName, provider: provider.name, usage: { gpus: part.gpus, cpu: part.cpu, memory: part.memory, pods: part.pods } };
    sim.holdings.set(key, holding);
    sim.counters.accepted++;
    sim.syncFlavorByName(flavorName);
    const txName = transactionName(name);
    const tx = sim.view.get(ref(API.reservation, 'Transaction', ns, txName));
    if (!tx) {
      sim.view.create(
        {
          apiVersion: API.reservation,
          kind: 'Transaction',
          metadata: { name: txName, namespace: ns, ownerReferences: [ownerRef(r)] },
          spec: {
            buyer: identity(r.spec?.buyer),
            clusterID: sim.consumerClusterId,
            flavorID: flavorName,
            configuration: { type: 'K8Slice', data: configurationData(part) },
            expirationTime: new Date(sim.nowMs() + 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
          },
        },
        { fieldManager: FM_FLUIDOS },
      );
      sim.view.patchStatus(ref(API.reservation, 'Transaction', ns, txName), { phase: { phase: 'Solved', message: 'Reserved', startTime: now, lastChangeTime: now } }, { fieldManager: FM_FLUIDOS });
    }
    const patch: Record<string, unknown> = { reservePhase: 'Solved', transactionID: txName };
    if (r.spec?.purchase !== true) patch.phase = { phase: 'Solved', message: `Reserved on ${flavorName}`, startTime: st.phase.startTime ?? now, lastChangeTime: now, endTime: now };
    sim.view.patchStatus(refOf(r), patch, { fieldManager: FM_FLUIDOS });
    return;
  }

  if (r.spec?.purchase === true && !st.contract?.name) {
    const holding = sim.holdings.get(key);
    if (!holding) return failReservation(sim, r, 'the reservation no longer holds capacity (provider lost)');
    const flavor = sim.view.get(ref(API.nodecore, 'Flavor', FLUIDOS_NAMESPACE, holding.flavor));
    const provider = sim.providers.get(holding.provider);
    if (!flavor || !provider) return failReservation(sim, r, `Flavor ${holding.flavor} is no longer offered`);
    const cname = contractName(name);
    const part = partitionOf(r.spec?.configuration, flavor);
    const configuration = { type: 'K8Slice', data: typeof part === 'string' ? r.spec?.configuration?.data ?? {} : configurationData(part as Partition) };
    sim.view.create(
      {
        apiVersion: API.reservation,
        kind: 'Contract',
        metadata: {
          name: cname,
          namespace: ns,
          labels: { [LABEL_PROVIDER]: provider.name },
          annotations: { 'sandbox.flare.io/reservation': key },
          ownerReferences: [ownerRef(r)],
        },
        spec: {
          buyer: identity(r.spec?.buyer),
          buyerClusterID: sim.consumerClusterId,
          seller: identity(r.spec?.seller?.nodeID ? r.spec.seller : flavor.spec?.owner),
          flavor: flavorSnapshot(flavor),
          configuration,
          transactionID: st.transactionID ?? transactionName(name),
          expirationTime: new Date(sim.nowMs() + 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
          // A stand-in, never a usable credential.
          peeringTargetCredentials: { liqoID: provider.liqoClusterId, kubeconfig: `sandbox://${provider.liqoClusterId}` },
        },
      },
      { fieldManager: FM_FLUIDOS },
    );
    sim.view.patchStatus(ref(API.reservation, 'Contract', ns, cname), { phase: { phase: 'Active', message: 'Contract bought', startTime: now, lastChangeTime: now } }, { fieldManager: FM_FLUIDOS });
    holding.contract = `${ns}/${cname}`;
    sim.view.patchStatus(
      refOf(r),
      {
        purchasePhase: 'Solved',
        contract: { apiVersion: API.reservation, kind: 'Contract', name: cname, namespace: ns },
        phase: { phase: 'Solved', message: `Contract ${cname} bought from ${provider.name}`, startTime: st.phase.startTime ?? now, lastChangeTime: now, endTime: now },
      },
      { fieldManager: FM_FLUIDOS },
    );
  }
}

/** What the Flavor lacks to host the partition, or undefined when it fits. */
function shortfall(flavor: KubeObject, p: Partition): string | undefined {
  if (flavor.spec?.availability !== true) return 'the Flavor is not available';
  const gpu = flavorGpu(flavor);
  const left = gpu?.count ?? 0;
  if (p.gpus > left) return `requested ${p.gpus} GPUs, ${left} left`;
  if (p.gpu.model !== undefined && gpu?.model !== undefined && p.gpu.model !== gpu.model) return `requested GPU model ${String(p.gpu.model)}, the Flavor has ${gpu.model}`;
  const ch = flavor.spec?.flavorType?.typeData?.characteristics ?? {};
  const cpu = partitionOf({ type: 'K8Slice', data: { cpu: ch.cpu, memory: ch.memory, gpu: 0 } }, flavor);
  if (typeof cpu !== 'string') {
    if (p.cpu > cpu.cpu + 1e-9) return `requested ${p.cpu} CPUs, ${cpu.cpu} left`;
    if (p.memory > cpu.memory) return `requested ${p.memory} bytes of memory, ${cpu.memory} left`;
  }
  return undefined;
}

/** A deleted Reservation frees what it held; Allocations on its contract lose their virtual node. */
export function releaseReservation(sim: SimulatorHost, r: KubeObject): void {
  const ns = r.metadata.namespace ?? FLUIDOS_NAMESPACE;
  const key = holdingKey(ns, r.metadata.name);
  const h = sim.holdings.get(key);
  const contract = h?.contract ?? (r.status?.contract?.name ? `${r.status.contract.namespace ?? ns}/${r.status.contract.name}` : undefined);
  sim.holdings.delete(key);
  if (h) sim.syncFlavorByName(h.flavor);
  if (!contract) return;
  for (const [k, other] of [...sim.holdings]) {
    if (other.contract === contract) {
      sim.holdings.delete(k);
      sim.syncFlavorByName(other.flavor);
    }
  }
  for (const a of sim.view.list(API.nodecore, 'Allocation').items) {
    if (contractKeyOf(a) !== contract) continue;
    deleteVirtualNodeOf(sim, a.metadata.namespace ?? ns, a.metadata.name);
    if (a.status?.status !== 'Inactive') {
      sim.view.patchStatus(refOf(a), { status: 'Inactive', message: `contract ${contract} was released`, lastUpdateTime: sim.now() }, { fieldManager: FM_FLUIDOS });
    }
  }
}

// ------------------------------------------------------------------------------------ Allocation

function contractKeyOf(a: KubeObject): string | undefined {
  const c = a.spec?.contract;
  if (!c?.name) return undefined;
  return `${c.namespace ?? a.metadata.namespace}/${c.name}`;
}

function holdingOfContract(sim: SimulatorHost, contract: string): [string, Holding] | undefined {
  for (const e of sim.holdings) if (e[1].contract === contract) return e;
  return undefined;
}

const NEXT: Record<string, string> = { '': 'Provisioning', Provisioning: 'ResourceCreation', ResourceCreation: 'Peering', Peering: 'Active' };

export function reconcileAllocation(sim: SimulatorHost, ns: string, name: string): number | void {
  const a = sim.view.get(ref(API.nodecore, 'Allocation', ns, name));
  if (!a || a.metadata.deletionTimestamp) return;
  const status: string = a.status?.status ?? '';
  if (status === 'Active' || status === 'Inactive' || status === 'Error' || status === 'Released') return;
  const setStatus = (s: string, message: string, extra: Record<string, unknown> = {}) =>
    sim.view.patchStatus(refOf(a), { status: s, message, lastUpdateTime: sim.now(), ...extra }, { fieldManager: FM_FLUIDOS });
  const ckey = contractKeyOf(a);
  if (!ckey) return void setStatus('Error', 'spec.contract.name is required');
  const [cns = ns, cname = ''] = ckey.split('/');
  const contract = sim.view.get(ref(API.reservation, 'Contract', cns, cname));
  if (!contract) {
    if (status !== 'Provisioning' || a.status?.message !== `waiting for contract ${ckey}`) setStatus('Provisioning', `waiting for contract ${ckey}`);
    return 500;
  }
  const liqo: string | undefined = contract.spec?.peeringTargetCredentials?.liqoID;
  const provider = liqo ? sim.providersByLiqo.get(liqo) : undefined;
  if (!provider) return void setStatus('Error', `contract ${ckey} names unknown Liqo cluster ${liqo ?? '?'}`);
  if (sim.down.has(provider.name)) return void setStatus('Inactive', `provider ${provider.name} is unreachable: peering lost`);
  const next = NEXT[status === 'Provisioning' && a.status?.message?.startsWith('waiting') ? '' : status] ?? 'Provisioning';
  if (next === 'ResourceCreation' && !holdingOfContract(sim, ckey)) {
    // The capacity was released (Allocation deleted before): take it again if it is still there.
    const flavorName: string | undefined = contract.spec?.flavor?.metadata?.name;
    const flavor = flavorName ? sim.view.get(ref(API.nodecore, 'Flavor', FLUIDOS_NAMESPACE, flavorName)) : undefined;
    const part = flavor ? partitionOf(contract.spec?.configuration, flavor) : 'Flavor gone';
    const lack = flavor && typeof part !== 'string' ? shortfall(flavor, part) : typeof part === 'string' ? part : 'Flavor gone';
    if (lack || typeof part === 'string' || !flavorName) return void setStatus('Error', `capacity of contract ${ckey} is no longer available: ${lack}`);
    sim.holdings.set(`allocation:${ns}/${name}`, { flavor: flavorName, provider: provider.name, usage: { gpus: part.gpus, cpu: part.cpu, memory: part.memory, pods: part.pods }, contract: ckey });
    sim.syncFlavorByName(flavorName);
  }
  if (next === 'Active') {
    const node = createVirtualNode(sim, a, contract, provider);
    return void setStatus('Active', `virtual node ${node} is ready`, { resourceRef: { apiVersion: 'v1', kind: 'Node', name: node } });
  }
  const messages: Record<string, string> = {
    Provisioning: 'Allocation accepted',
    ResourceCreation: `creating resources on ${provider.name}`,
    Peering: `peering with Liqo cluster ${provider.liqoClusterId}`,
  };
  setStatus(next, messages[next] ?? next);
}

/** A deleted Allocation frees the capacity of its contract and removes its virtual node. */
export function releaseAllocation(sim: SimulatorHost, a: KubeObject): void {
  const ns = a.metadata.namespace ?? FLUIDOS_NAMESPACE;
  deleteVirtualNodeOf(sim, ns, a.metadata.name);
  const ckey = contractKeyOf(a);
  for (const [key, h] of [...sim.holdings]) {
    if (key === `allocation:${ns}/${a.metadata.name}` || (ckey !== undefined && h.contract === ckey)) {
      sim.holdings.delete(key);
      sim.syncFlavorByName(h.flavor);
    }
  }
}

/** Provider outage: its Allocations are lost (Inactive), its virtual nodes NotReady, its capacity freed. */
export function loseProviderAllocations(sim: SimulatorHost, provider: string): void {
  const p = sim.providers.get(provider);
  if (!p) return;
  for (const a of sim.view.list(API.nodecore, 'Allocation').items) {
    const ckey = contractKeyOf(a);
    if (!ckey) continue;
    const [cns = '', cname = ''] = ckey.split('/');
    const c = sim.view.get(ref(API.reservation, 'Contract', cns, cname));
    if (c?.spec?.peeringTargetCredentials?.liqoID !== p.liqoClusterId) continue;
    if (a.status?.status !== 'Inactive') {
      sim.view.patchStatus(refOf(a), { status: 'Inactive', message: `provider ${provider} is unreachable: peering lost`, lastUpdateTime: sim.now() }, { fieldManager: FM_FLUIDOS });
    }
  }
  markVirtualNodesNotReady(sim, p.liqoClusterId, `provider ${provider} is unreachable`);
  for (const [key, h] of [...sim.holdings]) if (h.provider === provider) sim.holdings.delete(key);
}
