import type { FlareConfig, ObjectiveWeights, Tenant } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import { placementLocations, specHash } from '../intent/spec-hash.js';
import type { KubeObject } from '../k8s/object.js';
import { dnsLabel } from '../k8s/names.js';
import { firstFailure, requirementsOf } from '../select/feasibility.js';
import { offerFromCandidate, type Offer } from '../select/offer.js';
import { rankOffers } from '../select/rank.js';
import { compareScored, round4, scoreAll } from '../select/score.js';
import { scoreKindOf } from '../select/traits.js';
import type { Decision, ScoreBreakdown, Suggestion } from '../select/types.js';
import type { IntentStatus, Placement } from '../status/model.js';
import { own } from '../util/own.js';

/**
 * `flare plan`: what the ranker would decide for each intent against a set of offers, with
 * every term shown. Pure: the offers, the statuses and the config come in; nothing is read.
 * It reuses the ranker's own feasibility, scoring and order, so a plan cannot disagree with
 * the reconciler about the same offers.
 */

export interface PlanRow {
  candidate: string;
  flavor: string;
  provider: string;
  model: string;
  /** GPUs the offer advertises, and per-GPU memory. */
  count: number;
  memory: string;
  region: string;
  zone?: string;
  /** Per-GPU rate and the cost of the requested partition (rate × requested GPUs); null when not advertised. */
  hourly_rate: number | null;
  hourly_cost: number | null;
  latency_ms: number | null;
  feasible: boolean;
  chosen: boolean;
  /** 1 = best, only for feasible offers. */
  rank?: number;
  /** Normalized score terms (0–1, 1 best) across the feasible set. */
  terms?: ScoreBreakdown;
  score?: number;
  /** For a rejected offer: the first constraint it fails. */
  rejected?: { constraint: string; reason: string };
}

export type ChangeKind = 'place' | 'stay' | 'move' | 'unplace' | 'none';

export interface PlanChange {
  kind: ChangeKind;
  /** One line: "stay on provider-de", "move from provider-de to provider-nl (+0.40 EUR/h)". */
  text: string;
  from?: { provider: string; candidate: string; hourly_cost: number };
  to?: { provider: string; candidate: string; hourly_cost: number };
  /** Hourly cost after minus before. */
  delta_hourly: number;
  /** Whether the workload would be restarted (a new provider, or a first start). */
  restart: boolean;
}

export interface PlacementPlan {
  /** The constraints.regions entry of a multi-region intent. */
  location?: string;
  offers: PlanRow[];
  fit: number;
  total: number;
  /** "0/31 offers fit: 12 location, 10 gpu.model, 9 max_hourly_cost". */
  summary: string;
  chosen?: string;
  suggestions: Suggestion[];
  change: PlanChange;
}

export interface IntentPlan {
  intent: string;
  tenant: string;
  name: string;
  objective: string;
  weights: ObjectiveWeights;
  /** Requested GPUs per placement. */
  gpus: number;
  currency: string;
  /** Phase in the status file, if any. */
  current_phase?: string;
  spec_changed: boolean;
  placements: PlacementPlan[];
}

export interface PlanInput {
  intents: readonly Intent[];
  config: FlareConfig;
  tenants: readonly Tenant[];
  statuses: ReadonlyMap<string, IntentStatus>;
  /** PeeringCandidate-shaped objects (a Flavor in spec.flavor); see candidatesFromFlavors. */
  candidates: readonly KubeObject[];
  /**
   * The offers are live: what each placed intent holds is already taken out of its Flavor. Its
   * own holding is given back when that intent is planned (it would not compete with itself).
   */
  live?: boolean;
}

/** Flavors as the PeeringCandidates a Solver would get (the sandbox names them `pc-<flavor>`). */
export function candidatesFromFlavors(flavors: readonly KubeObject[]): KubeObject[] {
  return flavors.map((f) => ({
    apiVersion: 'advertisement.fluidos.eu/v1alpha1',
    kind: 'PeeringCandidate',
    metadata: { name: dnsLabel(['pc', f.metadata?.name ?? '']), namespace: f.metadata?.namespace ?? 'fluidos' },
    spec: { flavor: f, available: f.spec?.availability !== false },
  }));
}

const cents = (x: number): number => Math.round(x * 100) / 100;

/** `constraints.max_hourly_cost` → `max_hourly_cost`, `workload.resources.gpu.model` → `gpu.model`. */
export function shortConstraint(path: string): string {
  return path.replace(/^constraints\./, '').replace(/^(workload\.resources|requirements)\./, '');
}

/** Karmada-style count line; constraints by how many offers they rejected, then by name. */
export function summaryLine(fit: number, total: number, rejected: readonly { constraint: string }[]): string {
  const byC = new Map<string, number>();
  for (const r of rejected) {
    const k = shortConstraint(r.constraint);
    byC.set(k, (byC.get(k) ?? 0) + 1);
  }
  const parts = [...byC.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, n]) => `${n} ${k}`);
  return `${fit}/${total} offers fit${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** What the tenant's other intents hold (as the reconciler counts it: placed, not finished). */
export function tenantUsageOf(intent: Intent, intents: readonly Intent[], statuses: ReadonlyMap<string, IntentStatus>): { gpus: number; hourly_cost: number } {
  const u = { gpus: 0, hourly_cost: 0 };
  for (const other of intents) {
    if (other.tenant !== intent.tenant || other.id === intent.id) continue;
    const s = statuses.get(other.id);
    if (!s || s.phase === 'Completed' || s.phase === 'Failed') continue;
    for (const p of s.placements) {
      if (!p.chosen) continue;
      u.gpus += other.spec.resources.gpu.count;
      u.hourly_cost += p.chosen.hourly_cost;
    }
  }
  return { gpus: u.gpus, hourly_cost: round4(u.hourly_cost) };
}

const ACTIVE = new Set(['Reserving', 'Allocating', 'Deploying', 'Running']);

function changeOf(decision: Decision, status: IntentStatus | undefined, current: Placement | undefined, specChanged: boolean, currency: string): PlanChange {
  const c = decision.chosen;
  const to = c ? { provider: c.provider, candidate: c.candidate, hourly_cost: c.hourly_cost } : undefined;
  const was = current?.chosen;
  const from = was ? { provider: was.provider, candidate: was.candidate, hourly_cost: was.hourly_cost } : undefined;
  const money = (x: number): string => `${x >= 0 ? '+' : '-'}${Math.abs(cents(x)).toFixed(2)} ${currency}/h`;
  const base = (kind: ChangeKind, text: string, delta: number, restart: boolean): PlanChange => {
    const ch: PlanChange = { kind, text, delta_hourly: cents(delta), restart };
    if (from) ch.from = from;
    if (to) ch.to = to;
    return ch;
  };
  if (status?.phase === 'Completed') return base('none', 'completed: nothing to place', 0, false);
  // An unchanged spec that is placed keeps its provider: the reconciler re-ranks only on a
  // spec change or a failure, so a better offer appearing moves nothing.
  if (from && !specChanged && ACTIVE.has(status?.phase ?? '')) {
    const note = to && to.candidate !== from.candidate ? ` (a fresh choice would be ${to.provider}, ${money(to.hourly_cost - from.hourly_cost)})` : '';
    return base('stay', `stay on ${from.provider}${note}`, 0, false);
  }
  if (!to) {
    return from ? base('unplace', `no offer fits: ${from.provider} would be released (NoMatch)`, -from.hourly_cost, false) : base('none', 'no offer fits: NoMatch', 0, false);
  }
  if (!from) return base('place', `place on ${to.provider} (${money(to.hourly_cost)})`, to.hourly_cost, true);
  if (from.candidate === to.candidate) return base('stay', `stay on ${to.provider}${specChanged ? ' (spec changed: rolled out in place)' : ''}`, to.hourly_cost - from.hourly_cost, false);
  return base('move', `move from ${from.provider} to ${to.provider} (${money(to.hourly_cost - from.hourly_cost)}, workload restarts)`, to.hourly_cost - from.hourly_cost, true);
}

function rowOf(o: Offer, count: number): PlanRow {
  const row: PlanRow = {
    candidate: o.name,
    flavor: o.flavor,
    provider: o.provider,
    model: o.model ?? '',
    count: o.count,
    memory: o.memory ?? '',
    region: o.region ?? '',
    hourly_rate: o.hourly_rate ?? null,
    hourly_cost: o.hourly_rate !== undefined ? cents(o.hourly_rate * count) : null,
    latency_ms: o.latency_ms ?? null,
    feasible: false,
    chosen: false,
  };
  if (o.zone) row.zone = o.zone;
  return row;
}

/** The offers as this intent sees them: its own reserved GPUs back on the Flavors it holds. */
function withOwnHolding(offers: Offer[], intent: Intent, status: IntentStatus | undefined): Offer[] {
  const held = new Map<string, number>();
  for (const p of status?.placements ?? []) if (p.chosen && (p.contract || p.reservation?.phase === 'Solved')) held.set(p.chosen.flavor, (held.get(p.chosen.flavor) ?? 0) + intent.spec.resources.gpu.count);
  if (held.size === 0) return offers;
  return offers.map((o) => {
    const n = held.get(o.flavor);
    return n === undefined ? o : { ...o, count: o.count + n, available: true };
  });
}

function planPlacement(input: PlanInput, intent: Intent, tenant: Tenant | undefined, usage: { gpus: number; hourly_cost: number }, location: string | undefined, offers: Offer[]): { decision: Decision; rows: PlanRow[] } {
  const base: Parameters<typeof rankOffers>[0] = { intent, config: input.config, tenantUsage: usage };
  if (tenant) base.tenant = tenant;
  if (location !== undefined) base.location = location;
  const decision = rankOffers(base, offers);
  const req = requirementsOf({ ...base, candidates: [] });
  const count = req.count;
  const feasible: Offer[] = [];
  const rows = new Map<Offer, PlanRow>();
  for (const o of offers) {
    const row = rowOf(o, count);
    const f = firstFailure(o, req);
    if (f) row.rejected = { constraint: f.constraint, reason: f.reason };
    else {
      row.feasible = true;
      feasible.push(o);
    }
    rows.set(o, row);
  }
  const weights = own(input.config.weights, intent.spec.objective) ?? input.config.weights.Balanced_Optimization;
  const scored = scoreAll(feasible, count, scoreKindOf(intent.spec.workload?.type), weights).sort(compareScored);
  scored.forEach((s, i) => {
    const row = rows.get(s.offer)!;
    row.rank = i + 1;
    row.score = round4(s.score);
    row.terms = { cost: round4(s.breakdown.cost), performance: round4(s.breakdown.performance), latency: round4(s.breakdown.latency), energy: round4(s.breakdown.energy) };
    row.chosen = s.offer.name === decision.chosen?.candidate;
  });
  // feasible best first, then rejected by name
  const ordered = [...scored.map((s) => rows.get(s.offer)!), ...offers.filter((o) => !rows.get(o)!.feasible).map((o) => rows.get(o)!).sort((a, b) => (a.candidate < b.candidate ? -1 : a.candidate > b.candidate ? 1 : 0))];
  return { decision, rows: ordered };
}

export function planIntents(input: PlanInput): IntentPlan[] {
  const offers = input.candidates.map(offerFromCandidate);
  const tenants = new Map(input.tenants.map((t) => [t.name, t]));
  const out: IntentPlan[] = [];
  for (const intent of [...input.intents].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const status = input.statuses.get(intent.id);
    const tenant = tenants.get(intent.tenant);
    const usage = tenantUsageOf(intent, input.intents, input.statuses);
    const specChanged = status !== undefined && status.spec_hash !== specHash(intent, input.config);
    const weights = own(input.config.weights, intent.spec.objective) ?? input.config.weights.Balanced_Optimization;
    const placements: PlacementPlan[] = [];
    for (const location of placementLocations(intent)) {
      const { decision, rows } = planPlacement(input, intent, tenant, { ...usage }, location, input.live ? withOwnHolding(offers, intent, status) : offers);
      if (decision.chosen) {
        // the next placement of a multi-region intent counts this one against the quota
        usage.gpus += intent.spec.resources.gpu.count;
        usage.hourly_cost = round4(usage.hourly_cost + decision.chosen.hourly_cost);
      }
      const current = status?.placements.find((p) => p.location === location) ?? (location === undefined ? status?.placements[0] : undefined);
      const fit = rows.filter((r) => r.feasible).length;
      const pp: PlacementPlan = {
        offers: rows,
        fit,
        total: rows.length,
        summary: summaryLine(fit, rows.length, decision.rejected),
        suggestions: decision.suggestions,
        change: changeOf(decision, status, current, specChanged, input.config.currency),
      };
      if (location !== undefined) pp.location = location;
      if (decision.chosen) pp.chosen = decision.chosen.candidate;
      placements.push(pp);
    }
    const plan: IntentPlan = {
      intent: intent.id,
      tenant: intent.tenant,
      name: intent.name,
      objective: intent.spec.objective ?? 'Balanced_Optimization',
      weights: { ...weights },
      gpus: intent.spec.resources.gpu.count,
      currency: input.config.currency,
      spec_changed: specChanged,
      placements,
    };
    if (status) plan.current_phase = status.phase;
    out.push(plan);
  }
  return out;
}
