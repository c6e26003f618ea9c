import type { FlareConfig, Tenant } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import { reservationName, solverName } from '../k8s/names.js';
import { placementLocations } from '../intent/spec-hash.js';
import type { Decision, RankInput } from '../select/types.js';
import type { IntentStatus, Placement } from '../status/model.js';
import type { Observed } from './observe.js';
import { placementGpus } from '../intent/budget.js';

/**
 * GPUs chosen on each candidate that its advertised count does not reflect yet: a choice whose
 * Reservation is not accepted (reservePhase Solved) holds no capacity on the provider so far.
 */
export function pendingClaims(intents: readonly Intent[], statuses: ReadonlyMap<string, IntentStatus>, observed: Observed): Map<string, number> {
  const claims = new Map<string, number>();
  for (const intent of intents) {
    const s = statuses.get(intent.id);
    if (!s || s.selection !== 'flare' || s.phase === 'Completed' || s.phase === 'Failed') continue;
    for (const p of s.placements) {
      if (!p.chosen || p.contract) continue;
      const res = observed.reservations.get(reservationName(intent.id, p.attempt, p.location));
      if (res?.status?.reservePhase === 'Solved') continue;
      claims.set(p.chosen.candidate, (claims.get(p.chosen.candidate) ?? 0) + placementGpus(intent));
    }
  }
  return claims;
}

export function addClaims(claims: Map<string, number>, s: IntentStatus, before: IntentStatus | undefined, gpus: number): void {
  const had = new Set((before?.placements ?? []).map((p) => p.chosen && `${p.attempt}/${p.location ?? ''}/${p.chosen.candidate}`));
  for (const p of s.placements) {
    if (!p.chosen || p.contract || had.has(`${p.attempt}/${p.location ?? ''}/${p.chosen.candidate}`)) continue;
    claims.set(p.chosen.candidate, (claims.get(p.chosen.candidate) ?? 0) + gpus);
  }
}

function discoveryDone(solver: { status?: any } | undefined): boolean {
  const st = solver?.status ?? {};
  return [st.solverPhase?.phase, st.discoveryPhase].some((x) => x === 'Solved' || x === 'Failed');
}

/**
 * The order in which intents choose within one cycle: those that need no new choice first, then
 * the most constrained (fewest feasible candidates), then the earliest deadline, then by id. An
 * intent with one possible provider is not starved by one that had many.
 */
export function choiceOrder(
  intents: readonly Intent[],
  statuses: ReadonlyMap<string, IntentStatus>,
  observed: Observed,
  config: FlareConfig,
  tenants: ReadonlyMap<string, Tenant>,
  rank: (i: RankInput) => Decision,
): Intent[] {
  const keyed = intents.map((intent) => {
    const s = statuses.get(intent.id);
    const selection = intent.spec.selection ?? config.selection;
    let feasible = Number.POSITIVE_INFINITY;
    let needs = false;
    if (selection === 'flare' && s?.phase !== 'Completed' && s?.phase !== 'Failed') {
      const open: Pick<Placement, 'solver' | 'location' | 'blocked' | 'excluded_providers'>[] = s
        ? s.placements.filter((p) => !p.chosen)
        : placementLocations(intent).map((location) => (location === undefined ? { solver: solverName(intent.id) } : { solver: solverName(intent.id, location), location }));
      for (const p of open) {
        needs = true;
        const solver = p.solver;
        if (!discoveryDone(observed.solvers.get(solver))) continue;
        const input: RankInput = { intent, config, candidates: observed.candidatesBySolver.get(solver) ?? [] };
        const t = tenants.get(intent.tenant);
        if (t) input.tenant = t;
        if (p.location !== undefined) input.location = p.location;
        if (p.blocked?.length) input.blocked = p.blocked;
        if (p.excluded_providers?.length) input.excludedProviders = p.excluded_providers;
        const d = rank(input);
        feasible = Math.min(feasible, d.chosen ? 1 + d.runners_up.length : 0);
      }
    }
    const dl = intent.spec.constraints.deadline ? Date.parse(intent.spec.constraints.deadline) : Number.NaN;
    return { intent, needs, feasible, deadline: Number.isNaN(dl) ? Number.POSITIVE_INFINITY : dl };
  });
  keyed.sort(
    (a, b) =>
      Number(a.needs) - Number(b.needs) ||
      a.feasible - b.feasible ||
      a.deadline - b.deadline ||
      (a.intent.id < b.intent.id ? -1 : a.intent.id > b.intent.id ? 1 : 0),
  );
  return keyed.map((k) => k.intent);
}

/**
 * How long an intent whose discovery has not finished holds back the choices of the others: a
 * Solver that never finishes must not stall the federation's newcomers for good.
 */
const CHOICE_BARRIER_MS = 60_000;

/** Phases in which an intent makes its first choice of an attempt. */
const CHOOSING = new Set(['Pending', 'Discovering']);

/**
 * Intents that must not choose this cycle, so identical repos and federations give identical
 * choices. Which discoveries have finished by a given cycle is a race (API latency, watch event
 * order); choosing as each one finishes would make the intents compete in arrival order. Instead
 * every intent about to make its first choice waits until the discoveries of all the others
 * about to choose have finished (or one has been running longer than CHOICE_BARRIER_MS); then
 * they all choose in one cycle, in choiceOrder, which depends only on repo and federation.
 */
export function choiceBarrier(
  intents: readonly Intent[],
  statuses: ReadonlyMap<string, IntentStatus>,
  observed: Observed,
  config: FlareConfig,
  now: Date,
): Set<string> {
  const ready: string[] = [];
  let waitingFresh = false;
  for (const intent of intents) {
    if ((intent.spec.selection ?? config.selection) !== 'flare') continue;
    const s = statuses.get(intent.id);
    if (s && !CHOOSING.has(s.phase)) continue;
    const open = s
      ? s.placements.filter((p) => !p.chosen).map((p) => p.solver)
      : placementLocations(intent).map((location) => solverName(intent.id, location));
    if (open.length === 0) continue;
    if (open.every((name) => discoveryDone(observed.solvers.get(name)))) {
      ready.push(intent.id);
      continue;
    }
    const since = s?.history[s.history.length - 1]?.time;
    const age = since ? now.getTime() - Date.parse(since) : 0;
    if (!(age > CHOICE_BARRIER_MS)) waitingFresh = true;
  }
  return waitingFresh ? new Set(ready) : new Set();
}

/**
 * The observation as an intent held back by choiceBarrier sees it: its own unchosen placements'
 * discoveries still running, so it records no choice this cycle.
 */
export function heldBack(observed: Observed, solvers: readonly string[]): Observed {
  const masked = new Map(observed.solvers);
  for (const name of solvers) {
    const s = masked.get(name);
    if (!s) continue;
    masked.set(name, { ...s, status: { ...(s.status ?? {}), solverPhase: { ...(s.status?.solverPhase ?? {}), phase: 'Running' }, discoveryPhase: 'Running', findCandidate: 'Running' } });
  }
  return { ...observed, solvers: masked };
}
