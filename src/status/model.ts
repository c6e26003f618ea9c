import type { SelectionMode } from '../intent/model.js';
import type { ChosenCandidate, RankedCandidate, RejectedCandidate, Suggestion } from '../select/types.js';

/**
 * status/<tenant>/<name>.yaml: written only by the reconciler, read by the renderer (a chosen
 * candidate unlocks stage B, a contract stage C, a remote cluster id stage D) and by
 * `flare status`. Git history of these files is the audit log of every allocation decision.
 */
export type Phase =
  | 'Pending' // rendered, Solver not yet observed
  | 'Discovering' // Solver running, no candidates yet
  | 'Reserving' // candidate chosen (flare mode) / FLUIDOS reserving, waiting for a contract
  | 'Allocating' // contract signed, waiting for the virtual node
  | 'Deploying' // offloading and workload applied, not ready yet
  | 'Running'
  | 'Completed'
  | 'NoMatch'
  | 'Failed'
  | 'Invalid'; // the intent file fails validation: its last good spec keeps running, nothing re-placed

/** History entries a status keeps: the newest, so a status file stays small however long it lives. */
export const HISTORY_LIMIT = 50;

export const PHASES: readonly Phase[] = [
  'Pending',
  'Discovering',
  'Reserving',
  'Allocating',
  'Deploying',
  'Running',
  'Completed',
  'NoMatch',
  'Failed',
  'Invalid',
];

/** One placement: a single-region intent has one; a multi-region intent one per region. */
export interface Placement {
  /** The requested location for multi-region intents; absent for single placement. */
  location?: string;
  solver: string;
  chosen?: ChosenCandidate;
  runners_up?: RankedCandidate[];
  rejected?: RejectedCandidate[];
  /** Candidates that refused a reservation (contention) or failed; never chosen again this attempt. */
  blocked?: string[];
  /** Failed providers excluded after a failover. */
  excluded_providers?: string[];
  /** Increments on each new choice (contention, failover); part of the Reservation name. */
  attempt: number;
  reservation?: { name: string; phase?: string };
  contract?: { name: string; liqo_id: string };
  allocation?: { name: string; status?: string };
  /** The provider's Liqo cluster id: unlocks stage D. */
  remote_cluster_id?: string;
  virtual_node?: { name: string; ready: boolean; not_ready_since?: string };
  /** Why this placement has no candidate (NoMatch): the probe's summary and the Solver's own message. */
  nomatch?: NoMatchExplanation;
}

interface NoMatchExplanation {
  /** "0/31 offers fit: 12 location, 9 max_hourly_cost, 10 gpu.model" (absent until the probe answered). */
  summary?: string;
  /** The Solver's status message, e.g. "No PeeringCandidates found". */
  solver_message?: string;
}

/** A located validation error of the intent file (phase Invalid). */
export interface StatusDiagnostic {
  file: string;
  line: number;
  column: number;
  /** Field path inside the intent, '' for the document. */
  path: string;
  message: string;
  hint?: string;
}

export interface HistoryEntry {
  time: string;
  phase: Phase;
  message: string;
}

export interface IntentStatus {
  intent_id: string;
  tenant: string;
  name: string;
  phase: Phase;
  message?: string;
  selection: SelectionMode;
  /** Fingerprint of the normalized intent spec (the version the status answers). */
  spec_hash: string;
  /**
   * Fingerprint of the placement-relevant part of the spec: a change of it re-places the intent;
   * a change of spec_hash alone (image, env, commands, ports…) rolls the workload in place.
   */
  placement_hash?: string;
  placements: Placement[];
  /**
   * Make-before-break: the placements being replaced after a change that touches placement. They
   * stay reserved and allocated, running the workload, until it runs on `placements`; then they
   * are released.
   */
  retiring?: Placement[];
  suggestions?: Suggestion[];
  /** NoMatch (and a Failed deadline after one): why nothing fitted, over every placement. */
  explanation?: NoMatchExplanation;
  workload?: {
    kind: 'Deployment' | 'Job';
    ready: boolean;
    replicas?: number;
    ready_replicas?: number;
    succeeded?: number;
    failed?: number;
    /** Why it is not ready, in the cluster's words (unschedulable pod, image pull error, job failure). */
    reason?: string;
    /** Whether that reason is the placement's fault (fails over) or the workload's (ends Failed). */
    problem?: 'placement' | 'workload';
  };
  cost?: { hourly: number; currency: string; accrued: number; since: string };
  /** ISO time the workload started Deploying (placed, not ready): deploy_timeout counts from it. */
  deploying_since?: string;
  /** ISO time of the next discovery retry while NoMatch. */
  next_retry_at?: string;
  retries?: number;
  warnings?: string[];
  /** While Invalid: the intent file's errors (bounded); the last good spec is what runs. */
  diagnostics?: StatusDiagnostic[];
  /** Bounded: the last 50 transitions. */
  history: HistoryEntry[];
}

/** The on-disk document wraps the status in an envelope so editors can validate it. */
export interface StatusDocument {
  apiVersion: 'flare.fluidos.eu/v1alpha1';
  kind: 'IntentStatus';
  metadata: { name: string; tenant: string };
  status: IntentStatus;
}
