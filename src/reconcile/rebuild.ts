import { placementGpus } from '../intent/budget.js';
import type { FlareConfig } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import type { KubeObject } from '../k8s/object.js';
import { HISTORY_LIMIT, type IntentStatus, type Phase, type Placement } from '../status/model.js';
import type { ChosenCandidate } from '../select/types.js';
import { LABEL_INTENT, allocationName, intentNamespace, solverName } from '../k8s/names.js';
import { placementLocations, specHash } from '../intent/spec-hash.js';
import { chosenFromCandidate } from '../select/offer.js';
import type { Observed } from './observe.js';
import { nodeReady } from './advance-context.js';

/**
 * Status from the cluster. A status file is input from Git: it may be missing, unparsable or
 * edited by hand. When it disagrees with what this repo's live objects show, the intent keeps
 * running on what the cluster shows: its status is rebuilt from the objects labelled for it
 * (same placement, same attempt), and a terminal phase is never taken from such a file. Pure.
 */

/** Kinds whose live presence means the intent holds a placement (a Solver alone does not). */
const PLACEMENT_KINDS = new Set(['Reservation', 'Allocation', 'NamespaceOffloading', 'Deployment', 'Job']);

const REBUILT_NOTE = 'rebuilt from cluster';

/** This repo's live objects (listed by its identity) that show a placement, by intent id. */
export function placementEvidence(live: readonly KubeObject[]): Map<string, KubeObject[]> {
  const out = new Map<string, KubeObject[]>();
  for (const o of live) {
    const id = o.metadata.labels?.[LABEL_INTENT];
    if (!id || !PLACEMENT_KINDS.has(o.kind) || o.metadata.deletionTimestamp) continue;
    const list = out.get(id);
    if (list) list.push(o);
    else out.set(id, [o]);
  }
  return out;
}

/**
 * Why the status read from Git can't be taken as is (undefined: it can).
 * @param fileText the status file's text, undefined when there is none
 * @param status what the parser made of it, undefined when it was rejected
 * @param evidence this repo's live placement objects of the intent
 */
export function doubtStatus(intent: Intent, fileText: string | undefined, status: IntentStatus | undefined, evidence: readonly KubeObject[]): string | undefined {
  const live = evidence.length > 0;
  if (fileText === undefined) return live ? 'status file missing while the intent has live objects' : undefined;
  if (!status) return 'status file does not parse';
  // names derive from the intent id (a placement of an older spec may have another location)
  const foreign = status.placements.find((p) => p.solver !== solverName(intent.id, typeof p.location === 'string' ? p.location : undefined));
  if (foreign) return `status names Solver ${foreign.solver}, which is not one of this intent's`;
  if ((status.phase === 'Failed' || status.phase === 'Completed') && live) {
    return `status says ${status.phase} but the intent's objects are live (${evidence.map((o) => `${o.kind} ${o.metadata.name}`).sort().join(', ')})`;
  }
  if ((status.selection ?? intent.spec.selection) === 'flare') {
    const behind = behindCluster(intent, status, evidence);
    if (behind) return behind;
  }
  // the reconciler records every phase it sets in the history: a terminal phase it never recorded was written by hand
  if ((status.phase === 'Failed' || status.phase === 'Completed') && status.history.at(-1)?.phase !== status.phase) {
    return `status says ${status.phase} but its history does not record it`;
  }
  return undefined;
}

/**
 * A flare-mode status older than the cluster (a revert, a hand edit): the reconciler creates a
 * Reservation only after committing the choice, and an Allocation only after committing the
 * contract, and it drops either only with a new attempt. So a live Reservation of a later attempt,
 * or of this attempt without a choice, or a live Allocation of this attempt without a contract,
 * means the file lost what the cluster still holds.
 */
function behindCluster(intent: Intent, status: IntentStatus, evidence: readonly KubeObject[]): string | undefined {
  for (const p of status.placements) {
    const loc = typeof p.location === 'string' ? p.location : undefined;
    for (const o of evidence) {
      if (o.kind === 'Reservation' && o.spec?.solverID === p.solver) {
        const a = attemptOf(o.metadata.name);
        if (a > p.attempt || (a === p.attempt && !p.chosen)) return `status is older than the cluster: Reservation ${o.metadata.name} is live`;
      }
      if (o.kind === 'Allocation' && o.metadata.name === allocationName(intent.id, p.attempt, loc) && !p.contract) {
        return `status is older than the cluster: Allocation ${o.metadata.name} is live`;
      }
    }
  }
  return undefined;
}

function attemptOf(name: string): number {
  const m = /-a(\d+)$/.exec(name);
  return m ? Number(m[1]) : 0;
}

function reservationPhase(res: KubeObject): string | undefined {
  const p = res.status?.phase;
  if (typeof p === 'string') return p;
  return typeof p?.phase === 'string' ? p.phase : undefined;
}

/** The offer a Reservation bought: its PeeringCandidate, or the Flavor snapshot in its Contract. */
function chosenOf(res: KubeObject, obs: Observed, gpus: number): ChosenCandidate | undefined {
  const pcName: unknown = res.spec?.peeringCandidate?.name;
  if (typeof pcName !== 'string') return undefined;
  let pc = obs.candidates.get(pcName);
  if (!pc) {
    const cName: unknown = res.status?.contract?.name;
    const contract = typeof cName === 'string' ? obs.contracts.get(cName) : undefined;
    if (!contract?.spec?.flavor) return undefined;
    pc = { apiVersion: 'advertisement.fluidos.eu/v1alpha1', kind: 'PeeringCandidate', metadata: { name: pcName }, spec: { flavor: contract.spec.flavor } };
  }
  return chosenFromCandidate(pc, gpus);
}

/** The live Reservation of a placement: this intent's own (flare), or the one FLUIDOS made for its Solver. */
function reservationOf(intent: Intent, solver: string, obs: Observed, flareMode: boolean): KubeObject | undefined {
  const list = flareMode
    ? [...obs.reservations.values()].filter((r) => r.metadata.labels?.[LABEL_INTENT] === intent.id && r.spec?.solverID === solver)
    : obs.reservationsBySolver.get(solver) ?? [];
  const usable = list.filter((r) => reservationPhase(r) !== 'Failed');
  return usable.sort((a, b) => attemptOf(b.metadata.name) - attemptOf(a.metadata.name))[0];
}

function placementFrom(intent: Intent, location: string | undefined, obs: Observed, flareMode: boolean, stageD: boolean): Placement {
  const solver = solverName(intent.id, location);
  const p: Placement = { solver, attempt: 1 };
  if (location !== undefined) p.location = location;
  const res = reservationOf(intent, solver, obs, flareMode);
  if (!res) return p;
  if (flareMode) p.attempt = Math.max(1, attemptOf(res.metadata.name));
  const chosen = chosenOf(res, obs, placementGpus(intent));
  if (!chosen) return p;
  p.chosen = chosen;
  const phase = reservationPhase(res);
  p.reservation = phase ? { name: res.metadata.name, phase } : { name: res.metadata.name };
  const cName: unknown = res.status?.contract?.name;
  const contract = typeof cName === 'string' ? obs.contracts.get(cName) : undefined;
  const liqo: unknown = contract?.spec?.peeringTargetCredentials?.liqoID;
  if (!contract || typeof liqo !== 'string' || !liqo) return p;
  p.contract = { name: contract.metadata.name, liqo_id: liqo };
  const alloc = (obs.allocationsByContract.get(contract.metadata.name) ?? [])[0];
  if (!alloc) return p;
  const st: unknown = alloc.status?.status;
  p.allocation = typeof st === 'string' && st ? { name: alloc.metadata.name, status: st } : { name: alloc.metadata.name };
  // stage D was reached when the offloading or the workload is live: keep rendering it
  const own: unknown = alloc.status?.resourceRef?.name;
  const nodes = typeof own === 'string' ? [obs.nodesByName.get(own)].filter((n): n is KubeObject => !!n) : obs.virtualNodes.get(liqo) ?? [];
  const ready = nodes.find(nodeReady);
  if (stageD || (st === 'Active' && ready)) {
    p.remote_cluster_id = liqo;
    if (ready) p.virtual_node = { name: ready.metadata.name, ready: true };
  }
  return p;
}

/**
 * The status the live objects of an intent show, or undefined when they show no placement (the
 * state machine then starts the intent afresh). Never a terminal phase: the next advance decides
 * Completed or Failed from the cluster.
 */
export function rebuildStatus(args: { intent: Intent; config: FlareConfig; observed: Observed; now: Date; reason: string; previous?: IntentStatus }): IntentStatus | undefined {
  const { intent, config, observed: obs, now, reason } = args;
  const selection = intent.spec.selection ?? config.selection;
  const ns = intentNamespace(intent.tenant, intent.name);
  const stageD = obs.offloadings.has(ns) || (obs.workloads.get(intent.id) ?? []).some((w) => w.metadata.namespace === ns);
  const placements = placementLocations(intent).map((l) => placementFrom(intent, l, obs, selection === 'flare', stageD));
  if (!placements.some((p) => p.chosen)) return undefined;
  let phase: Phase = 'Reserving';
  if (placements.every((p) => p.remote_cluster_id)) phase = 'Deploying';
  else if (placements.every((p) => p.contract)) phase = 'Allocating';
  const time = now.toISOString();
  // history and cost of a readable previous status are kept (it is the audit trail); its claims are not
  const history = [...(args.previous?.history ?? []), { time, phase, message: `status ${REBUILT_NOTE}: ${reason}` }].slice(-HISTORY_LIMIT);
  const s: IntentStatus = {
    intent_id: intent.id,
    tenant: intent.tenant,
    name: intent.name,
    phase,
    message: `status ${REBUILT_NOTE}`,
    selection,
    spec_hash: specHash(intent, config),
    placements,
    history,
  };
  const cost = args.previous?.cost;
  if (cost && typeof cost.since === 'string' && !Number.isNaN(Date.parse(cost.since))) s.cost = { ...cost };
  return s;
}
