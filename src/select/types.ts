import type { FlareConfig, Tenant } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import type { KubeObject } from '../k8s/object.js';
import type { FluidosIdentity } from '../config/model.js';

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

// The parts of a decision, recorded as they are in the status files (status/model.ts).
export interface ScoreBreakdown {
  cost: number;
  performance: number;
  latency: number;
  energy: number;
}

/** What the reconciler knows of one PeeringCandidate's offer. */
interface CandidateSummary {
  /** PeeringCandidate name. */
  candidate: string;
  flavor: string;
  provider: string;
  owner: FluidosIdentity;
  model: string;
  /** GPU vendor of the offer (`nvidia`, `amd`, `intel`): names the pod's GPU resource. */
  vendor?: string;
  /** GPUs of the offer (the Flavor's count). */
  count: number;
  memory: string;
  region: string;
  zone?: string;
  /** Per-GPU hourly rate. */
  hourly_rate: number;
  latency_ms?: number;
}

export interface ChosenCandidate extends CandidateSummary {
  /** Hourly cost of the requested partition: rate × requested GPUs. */
  hourly_cost: number;
  score: number;
  breakdown: ScoreBreakdown;
}

export interface RankedCandidate {
  candidate: string;
  provider: string;
  model: string;
  score: number;
  hourly_cost: number;
}

export interface RejectedCandidate {
  candidate: string;
  provider: string;
  model: string;
  /** The constraint that rejected it, as an intent field path (e.g. `constraints.max_latency_ms`). */
  constraint: string;
  reason: string;
}

export interface Suggestion {
  alternative: string;
  cost_difference: string;
  performance_impact: string;
  /** Intent field path and the value to set, so a tool (or a test) can apply it. */
  change: { path: string; value: unknown };
  /** A relaxation of two constraints at once: every change to apply (`change` is the first). */
  changes?: { path: string; value: unknown }[];
}
