import { own } from '../util/own.js';
import type { Intent } from '../intent/model.js';
import type { KubeObject } from '../k8s/object.js';
import { firstFailure, requirementsOf } from './feasibility.js';
import { offerFromCandidate, type Offer } from './offer.js';
import { compareScored, round4, scoreAll, type Scored } from './score.js';
import { suggest } from './suggest.js';
import { scoreKindOf } from './traits.js';
import type { ChosenCandidate, Decision, RankInput, RankedCandidate, RejectedCandidate } from './types.js';
import { placementGpus } from '../intent/budget.js';

/** Runners-up kept in a Decision (status stays small; the next one is all failover needs). */
const MAX_RUNNERS_UP = 10;

function cents(x: number): number {
  return Math.round(x * 100) / 100;
}

function chosenOf(s: Scored, count: number): ChosenCandidate {
  const o = s.offer;
  const c: ChosenCandidate = {
    candidate: o.name,
    flavor: o.flavor,
    provider: o.provider,
    owner: { ...o.owner },
    model: o.model ?? '',
    count: o.count,
    memory: o.memory ?? '',
    region: o.region ?? '',
    // Unknown rate only survives when the intent has no budget; 0 keeps the status type numeric.
    hourly_rate: o.hourly_rate ?? 0,
    hourly_cost: cents((o.hourly_rate ?? 0) * count),
    score: round4(s.score),
    breakdown: {
      cost: round4(s.breakdown.cost),
      performance: round4(s.breakdown.performance),
      latency: round4(s.breakdown.latency),
      energy: round4(s.breakdown.energy),
    },
  };
  if (o.zone !== undefined) c.zone = o.zone;
  if (o.latency_ms !== undefined) c.latency_ms = o.latency_ms;
  if (o.vendor) c.vendor = o.vendor;
  return c;
}

function rankedOf(s: Scored, count: number): RankedCandidate {
  return {
    candidate: s.offer.name,
    provider: s.offer.provider,
    model: s.offer.model ?? '',
    score: round4(s.score),
    hourly_cost: cents((s.offer.hourly_rate ?? 0) * count),
  };
}

/** Ranks already-extracted offers: the entry point when a caller keeps Offers between calls. */
export function rankOffers(input: Omit<RankInput, 'candidates'>, offers: readonly Offer[]): Decision {
  const req = requirementsOf({ ...input, candidates: [] });
  const count = req.count;
  const feasible: Offer[] = [];
  const rejected: RejectedCandidate[] = [];
  for (const o of offers) {
    const f = firstFailure(o, req);
    if (f) rejected.push({ candidate: o.name, provider: o.provider, model: o.model ?? '', constraint: f.constraint, reason: f.reason });
    else feasible.push(o);
  }
  rejected.sort((a, b) => (a.candidate < b.candidate ? -1 : a.candidate > b.candidate ? 1 : 0));
  const kind = scoreKindOf(input.intent.spec.workload?.type);
  if (feasible.length === 0) {
    return { runners_up: [], rejected, suggestions: suggest(offers, req, kind) };
  }
  const weights = own(input.config.weights, input.intent.spec.objective) ?? input.config.weights.Balanced_Optimization;
  const scored = scoreAll(feasible, count, kind, weights).sort(compareScored);
  const [best, ...rest] = scored;
  return {
    chosen: chosenOf(best!, count),
    runners_up: rest.slice(0, MAX_RUNNERS_UP).map((s) => rankedOf(s, count)),
    rejected,
    suggestions: [],
  };
}

/**
 * Ranks the PeeringCandidates of one placement: consumer-side feasibility, weighted normalized
 * score, deterministic order. Pure: reads no clock, cluster or files.
 */
export function rank(input: RankInput): Decision {
  return rankOffers(input, input.candidates.map(offerFromCandidate));
}

/**
 * A multi-region intent has one Solver, hence one candidate list, per entry of
 * constraints.regions. Each placement is ranked with `location` set to its region; the tenant
 * quota re-check counts the placements chosen before it, so N regions cannot together exceed
 * the quota. Placements are ranked in the order of constraints.regions.
 */
export function rankPlacements(
  base: Omit<RankInput, 'candidates' | 'location'>,
  candidatesByLocation: Readonly<Record<string, readonly KubeObject[]>>,
): Record<string, Decision> {
  const regions = regionsOf(base.intent, Object.keys(candidatesByLocation));
  const usage = { ...(base.tenantUsage ?? { gpus: 0, hourly_cost: 0 }) };
  const out: Record<string, Decision> = {};
  for (const location of regions) {
    const d = rank({ ...base, tenantUsage: { ...usage }, location, candidates: own(candidatesByLocation, location) ?? [] });
    if (d.chosen) {
      usage.gpus += placementGpus(base.intent);
      usage.hourly_cost += d.chosen.hourly_cost;
    }
    // defineProperty: a location named __proto__ is a key, not the prototype
    Object.defineProperty(out, location, { value: d, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function regionsOf(intent: Intent, given: string[]): string[] {
  const declared = intent.spec.constraints.regions ?? [];
  const extra = given.filter((g) => !declared.includes(g)).sort();
  return [...declared, ...extra];
}
