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
