// What every part of advance() shares: its arguments, the cycle's working state (Ctx) and the
// small readings of observed objects the placement, workload and schedule parts all make.
import type { FlareConfig, Tenant } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import type { KubeObject } from '../k8s/object.js';
import type { ChosenCandidate, Decision, RankInput, Suggestion } from '../select/types.js';
import type { IntentStatus, Placement } from '../status/model.js';
import { canonicalize } from '../k8s/serialize.js';
import type { Observed } from './observe.js';

export interface TenantUsage {
  gpus: number;
  hourly_cost: number;
}

export interface AdvanceArgs {
  intent: Intent;
  status?: IntentStatus;
  observed: Observed;
  now: Date;
  config: FlareConfig;
  tenant?: Tenant;
  rank: (input: RankInput) => Decision;
  /** What the tenant's other intents already hold (quota re-check in the ranker). */
  tenantUsage?: TenantUsage;
  /**
   * GPUs other intents chose on a candidate (by PeeringCandidate name) that its advertised count
   * does not reflect yet (their Reservation is not accepted yet): two intents of one cycle must
   * not both count on the same free GPUs.
   */
  claims?: ReadonlyMap<string, number>;
  /** Warnings the renderer gave for this intent (GPU overcommit…): they belong in its status. */
  renderWarnings?: readonly string[];
}

export interface AdvanceResult {
  status: IntentStatus;
  /** false when the status is exactly the one passed in (a no-op cycle commits nothing). */
  changed: boolean;
  /**
   * Solvers whose discovery must run again (NoMatch retry, spec change): the cycle deletes them
   * so the next apply recreates them and FLUIDOS discovers afresh (FLUIDOS never requeues).
   */
  rediscover: string[];
}

/** Where one placement stands after this cycle. */
export type PlacementState = 'pending' | 'discovering' | 'nomatch' | 'reserving' | 'allocating' | 'ready' | 'failed';

const DISCOVERY_DONE = new Set(['Solved', 'Failed', 'Timed Out', 'TimedOut', 'Active', 'Inactive']);
export const ALLOCATION_LOST = new Set(['Failed', 'Error', 'Lost', 'Inactive', 'Released']);

export interface Ctx {
  args: AdvanceArgs;
  status: IntentStatus;
  events: string[];
  rediscover: Set<string>;
  suggestions: Suggestion[];
  nowIso: string;
  /** What the tenant's other intents hold. */
  usage: TenantUsage;
  /** A NoMatch placement waits for its probe Solver's discovery. */
  probing?: boolean;
  /** A NoMatch placement whose probe is re-discovering keeps the suggestions it had. */
  keepSuggestions?: boolean;
}

export function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonicalize(a)) === JSON.stringify(canonicalize(b));
}

export function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

export function condition(o: KubeObject | undefined, type: string): string | undefined {
  const conds: unknown = o?.status?.conditions;
  if (!Array.isArray(conds)) return undefined;
  const c = conds.find((x: { type?: string }) => x?.type === type) as { status?: unknown } | undefined;
  return c ? String(c.status) : undefined;
}

export function nodeReady(node: KubeObject): boolean {
  return condition(node, 'Ready') === 'True';
}

export function solverDiscoveryDone(solver: KubeObject): boolean {
  const st = solver.status ?? {};
  const phases = [st.solverPhase?.phase, st.discoveryPhase, st.findCandidate];
  return phases.some((p) => typeof p === 'string' && DISCOVERY_DONE.has(p));
}

export function solverFailed(solver: KubeObject): boolean {
  const st = solver.status ?? {};
  return [st.solverPhase?.phase, st.reservationPhase, st.reserveAndBuy].some((p) => p === 'Failed' || p === 'Timed Out');
}

export function reservationPhase(res: KubeObject): string | undefined {
  const p = res.status?.phase;
  if (typeof p === 'string') return p;
  return typeof p?.phase === 'string' ? p.phase : undefined;
}

export function describeChoice(c: ChosenCandidate, currency: string): string {
  return `${c.provider} ${c.model} in ${c.region} at ${c.hourly_cost.toFixed(2)} ${currency}/h (candidate ${c.candidate}, score ${c.score.toFixed(3)})`;
}

export function loc(p: Placement): string {
  return p.location ? ` [${p.location}]` : '';
}

/** Clears everything tied to the current choice; the next choice gets a new attempt number. */
export function dropChoice(p: Placement): void {
  delete p.chosen;
  delete p.runners_up;
  delete p.rejected;
  delete p.reservation;
  delete p.contract;
  delete p.allocation;
  delete p.remote_cluster_id;
  delete p.virtual_node;
  p.attempt += 1;
}

export function addUnique(list: string[] | undefined, v: string): string[] {
  const out = list ? [...list] : [];
  if (!out.includes(v)) out.push(v);
  return out;
}

export function solverMessage(solver: KubeObject | undefined): string | undefined {
  const st = solver?.status ?? {};
  const failed = st.solverPhase?.phase === 'Failed' || st.discoveryPhase === 'Failed' || st.findCandidate === 'Failed';
  const m: unknown = st.solverPhase?.message;
  return failed && typeof m === 'string' && m ? m : undefined;
}
