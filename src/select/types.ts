import type { FlareConfig, Tenant } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import type { KubeObject } from '../k8s/object.js';
import type { ChosenCandidate, RankedCandidate, RejectedCandidate, Suggestion } from '../status/model.js';

/** Everything the ranker needs; it reads no clock, no cluster, no files. */
export interface RankInput {
  intent: Intent;
  config: FlareConfig;
  tenant?: Tenant;
  /** PeeringCandidates observed for this placement's Solver. */
  candidates: readonly KubeObject[];
  /** For a multi-region placement: the location (one of constraints.regions) it must satisfy. */
  location?: string;
  /** Candidate names that refused a reservation this attempt (contention). */
  blocked?: readonly string[];
  /** Providers excluded after a failure (failover). */
  excludedProviders?: readonly string[];
  /** GPUs/EUR per hour the tenant's *other* intents already hold, for the quota re-check. */
  tenantUsage?: { gpus: number; hourly_cost: number };
}

export interface Decision {
  chosen?: ChosenCandidate;
  /** Feasible candidates after the chosen one, best first. */
  runners_up: RankedCandidate[];
  /** Infeasible candidates with the constraint that rejected each. */
  rejected: RejectedCandidate[];
  /** Only when nothing is feasible: relaxations computed from the candidates seen. */
  suggestions: Suggestion[];
}
