import type { FlareConfig } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import type { KubeObject } from '../k8s/object.js';
import type { Suggestion } from '../select/types.js';
import { HISTORY_LIMIT, type HistoryEntry, type IntentStatus, type Phase, type Placement } from '../status/model.js';
import { solverName } from '../k8s/names.js';
import { canonicalize } from '../k8s/serialize.js';
import { placementHash, placementLocations, specHash, statusMatches } from '../intent/spec-hash.js';
import { gpuDemand } from '../intent/budget.js';
import { reasonLine, workloadHealth } from './workload-health.js';
import { addUnique, type AdvanceArgs, type AdvanceResult, condition, type Ctx, dropChoice, loc, type PlacementState, same } from './advance-context.js';
import { deadlinePassed, deadlineWarning, scheduleRetry } from './schedule.js';
import { advanceFlare, rankPlacement } from './flare-placement.js';
import { advanceFluidos } from './fluidos-placement.js';
import { workloadState } from './workload-state.js';
import { charging, updateCost } from './accrued-cost.js';

const RENDER_PREFIX = 'render: ';

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function selectionOf(intent: Intent, config: FlareConfig): 'flare' | 'fluidos' {
  return intent.spec.selection ?? config.selection;
}

function freshPlacements(intent: Intent, attempt: number): Placement[] {
  return placementLocations(intent).map((location) => {
    const p: Placement = { solver: solverName(intent.id, location), attempt };
    if (location !== undefined) p.location = location;
    return p;
  });
}

function placementMessage(state: PlacementState, p: Placement): string {
  switch (state) {
    case 'pending':
      return `waiting for Solver ${p.solver}`;
    case 'discovering':
      return `discovering candidates (Solver ${p.solver})`;
    case 'reserving':
      return `reserving ${p.chosen?.candidate ?? ''} from ${p.chosen?.provider ?? 'FLUIDOS'}${loc(p)}`.trim();
    case 'allocating':
      return `contract ${p.contract?.name ?? ''} signed; waiting for the virtual node${loc(p)}`;
    default:
      return '';
  }
}

/** The intent's phase and message from its placements' states (and, once all are placed, its workload). */
function decide(ctx: Ctx, states: PlacementState[], prevPhase: Phase | undefined, restarted: boolean): { phase: Phase; message: string } {
  const s = ctx.status;
  let phase: Phase;
  let message: string;
  if (states.includes('failed')) {
    phase = 'Failed';
    message = ctx.events[ctx.events.length - 1] ?? 'provider failed';
  } else if (states.includes('nomatch')) {
    phase = 'NoMatch';
    message = 'no feasible candidate';
  } else if (states.includes('pending') || states.includes('discovering')) {
    // a retried discovery keeps the intent in the queue rather than flapping back to Discovering
    phase = prevPhase === 'NoMatch' && !restarted ? 'NoMatch' : states.includes('pending') ? 'Pending' : 'Discovering';
    const i = states.findIndex((x) => x === 'pending' || x === 'discovering');
    message =
      phase === 'NoMatch'
        ? 'no feasible candidate; discovery retried'
        : restarted
          ? 'intent changed: discovering again'
          : placementMessage(states[i]!, s.placements[i]!);
  } else if (states.includes('reserving')) {
    phase = 'Reserving';
    const i = states.indexOf('reserving');
    message = placementMessage('reserving', s.placements[i]!);
  } else if (states.includes('allocating')) {
    phase = 'Allocating';
    const i = states.indexOf('allocating');
    message = placementMessage('allocating', s.placements[i]!);
  } else {
    const w = workloadState(ctx);
    phase = w.phase;
    message = w.message;
    if (w.status) s.workload = w.status;
    else delete s.workload;
  }
  return { phase, message };
}

/**
 * A workload Deploying for longer than deploy_timeout: a workload problem (image, crash,
 * readiness) ends Failed; a placement problem (unschedulable pods, lost node, nothing running)
 * fails over to the next candidate without the provider (flare selection) or ends Failed
 * (fluidos selection: FLUIDOS chose, FLARE does not re-place).
 */
function deployTimeout(ctx: Ctx, states: PlacementState[]): { phase: Phase; message: string } | undefined {
  const s = ctx.status;
  const { config, now, intent, observed } = ctx.args;
  const limit = config.reconciler.deploy_timeout_seconds;
  const since = Date.parse(s.deploying_since ?? ctx.nowIso);
  const elapsed = (now.getTime() - since) / 1000;
  if (!(elapsed >= limit)) return undefined;
  const pods = observed.pods.get(intent.id) ?? [];
  const health = workloadHealth(pods);
  const why = reasonLine(health) ?? (pods.length ? 'pods not ready, no reason reported' : 'no pod was created');
  const problem = health.problem ?? (pods.length ? 'workload' : 'placement');
  const head = `deploy timeout: not ready after ${Math.round(elapsed)}s (deploy_timeout ${limit}s): ${why}`;
  if (problem === 'workload') {
    const message = `${head} (workload problem: it would fail on any provider; fix the workload and commit)`;
    ctx.events.push(message);
    return { phase: 'Failed', message };
  }
  if (selectionOf(intent, config) === 'fluidos') {
    const message = `${head} (placement problem; fluidos selection mode does not fail over)`;
    ctx.events.push(message);
    return { phase: 'Failed', message };
  }
  // the placements whose virtual node runs none of the intent's ready pods are the stuck ones
  const running = new Set(pods.filter((p) => condition(p, 'Ready') === 'True').map((p) => String(p.spec?.nodeName ?? '')));
  let stuck = s.placements.filter((p) => p.chosen && !running.has(p.virtual_node?.name ?? ''));
  if (stuck.length === 0) stuck = s.placements.filter((p) => p.chosen);
  for (const p of stuck) {
    const provider = p.chosen!.provider;
    ctx.events.push(`${head} (placement problem): failing over without provider ${provider}${loc(p)} (attempt ${p.attempt + 1})`);
    p.excluded_providers = addUnique(p.excluded_providers, provider);
    dropChoice(p);
    states[s.placements.indexOf(p)] = advanceFlare(ctx, p);
  }
  delete s.workload;
  const next = decide(ctx, states, s.phase, false);
  return next.phase === 'Deploying' ? { phase: 'Reserving', message: ctx.events[ctx.events.length - 1]! } : next;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/** The candidate with the GPUs this intent holds on it given back (its advertised count excludes them). */
function plusHeld(pc: KubeObject, held: number): KubeObject {
  const gpu = pc.spec?.flavor?.spec?.flavorType?.typeData?.characteristics?.gpu;
  if (!gpu || !Number.isFinite(Number(gpu.count))) return pc;
  const copy = clone(pc);
  copy.spec.flavor.spec.flavorType.typeData.characteristics.gpu.count = Number(gpu.count) + held;
  copy.spec.available = true;
  return copy;
}

/**
 * A change that touches placement: keep the current placement when every placement is up, the
 * chosen candidate is still feasible under the new spec and scores within `replace_margin` of
 * the best candidate its Solver saw (flare selection; the same set of locations).
 */
function keepPlacement(args: AdvanceArgs, prev: IntentStatus): boolean {
  const { intent, config, observed } = args;
  if (prev.placement_hash === undefined || prev.phase !== 'Running') return false;
  if (selectionOf(intent, config) !== 'flare') return false;
  const locations = placementLocations(intent);
  if (locations.length !== prev.placements.length || locations.some((l, i) => l !== prev.placements[i]!.location)) return false;
  const margin = config.reconciler.replace_margin;
  const status = clone(prev);
  const ctx: Ctx = { args, status, events: [], rediscover: new Set(), suggestions: [], nowIso: args.now.toISOString(), usage: { gpus: args.tenantUsage?.gpus ?? 0, hourly_cost: args.tenantUsage?.hourly_cost ?? 0 } };
  for (const p of status.placements) {
    if (!p.chosen || !p.remote_cluster_id) return false;
    const own = observed.candidates.get(p.chosen.candidate);
    if (!own) return false;
    const others = (observed.candidatesBySolver.get(p.solver) ?? []).filter((c) => c.metadata.name !== own.metadata.name);
    const held = { ...p };
    delete held.chosen;
    // the reservation is sized for the old spec: a different GPU demand needs a new one
    const reserved = p.chosen.hourly_rate > 0 ? Math.round(p.chosen.hourly_cost / p.chosen.hourly_rate) : undefined;
    const demand = gpuDemand(intent) / locations.length;
    if (reserved !== demand) return false;
    const d = rankPlacement(ctx, held, [plusHeld(own, reserved), ...others]);
    if (!d.chosen) return false;
    const mine = d.chosen.candidate === own.metadata.name ? d.chosen.score : d.runners_up.find((r) => r.candidate === own.metadata.name)?.score;
    if (mine === undefined || mine < d.chosen.score * (1 - margin) - 1e-9) return false;
  }
  return true;
}

/**
 * A change that touches placement moves a running service make-before-break (flare selection,
 * same locations); anything else (batch jobs, capacity-only intents, not running yet) is placed
 * again from scratch.
 */
function canMove(args: AdvanceArgs, prev: IntentStatus): boolean {
  const { intent, config } = args;
  if (prev.phase !== 'Running' || selectionOf(intent, config) !== 'flare' || intent.spec.workload?.type !== 'service') return false;
  const locations = placementLocations(intent);
  if (locations.length !== prev.placements.length || locations.some((l, i) => l !== prev.placements[i]!.location)) return false;
  return prev.placements.every((p) => !!p.remote_cluster_id && !!p.virtual_node?.ready);
}

/** Make-before-break: whether the workload runs on the new placements only (then the old ones go). */
function moveDone(ctx: Ctx): { done: boolean; ready: number; want: number; left: number } {
  const { intent, observed } = ctx.args;
  const s = ctx.status;
  const nodes = new Set(s.placements.map((p) => p.virtual_node?.name).filter((n): n is string => !!n));
  const pods = (observed.pods.get(intent.id) ?? []).filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  const want = (observed.workloads.get(intent.id) ?? [])
    .filter((o) => o.kind === 'Deployment')
    .reduce((n, d) => n + (typeof d.spec?.replicas === 'number' ? d.spec.replicas : 1), 0);
  const ready = pods.filter((p) => nodes.has(String(p.spec?.nodeName ?? '')) && condition(p, 'Ready') === 'True').length;
  const left = pods.filter((p) => p.spec?.nodeName && !nodes.has(String(p.spec.nodeName))).length;
  return { done: want > 0 && ready >= want && left === 0, ready, want, left };
}

/**
 * One step of an intent's state machine: pure (clock, cluster and ranker come in as arguments).
 * Phases: Pending → Discovering → Reserving → Allocating → Deploying → Running | Completed, with
 * NoMatch (retried with backoff until the deadline) and Failed; contention and provider failure
 * move a placement to its next attempt.
 */
export function advance(args: AdvanceArgs): AdvanceResult {
  const { intent, config, now } = args;
  const prev = args.status;
  const hash = specHash(intent, config);
  const pHash = placementHash(intent, config);
  const selection = selectionOf(intent, config);
  const nowIso = now.toISOString();
  const events: string[] = [];
  const rediscover = new Set<string>();
  let s: IntentStatus;
  let wasCharging = charging(prev?.phase) || !!prev?.retiring?.length;
  let restarted = false;
  const warnings: string[] = [];

  const terminalPrev = prev?.phase === 'Completed' || prev?.phase === 'Failed';
  const matches = !!prev && statusMatches(prev, intent, config);
  const comparable = !!prev && !matches && prev.selection === selection && !terminalPrev;
  const kept = comparable && keepPlacement(args, prev!);
  const move = comparable && !kept && canMove(args, prev!);
  if (!prev) {
    s = {
      intent_id: intent.id,
      tenant: intent.tenant,
      name: intent.name,
      phase: 'Pending',
      selection,
      spec_hash: hash,
      placement_hash: pHash,
      placements: freshPlacements(intent, 1),
      history: [],
    };
    const w = deadlineWarning(intent, now);
    if (w) warnings.push(w);
    events.push(`intent ${intent.id} seen (${selection} selection)`);
  } else if (move) {
    s = clone(prev);
    restarted = true;
    const attempt = Math.max(0, ...prev.placements.map((p) => p.attempt)) + 1;
    const old = prev.placements.map((p) => {
      const r = clone(p);
      delete r.runners_up;
      delete r.rejected;
      delete r.nomatch;
      return r;
    });
    s.retiring = [...(prev.retiring ?? []), ...old];
    s.spec_hash = hash;
    s.placement_hash = pHash;
    s.placements = freshPlacements(intent, attempt);
    for (const p of s.placements) rediscover.add(p.solver);
    delete s.suggestions;
    delete s.explanation;
    delete s.deploying_since;
    delete s.next_retry_at;
    delete s.retries;
    const from = old.map((p) => `${p.chosen?.provider ?? '?'}${loc(p)}`).join(', ');
    events.push(
      `intent changed in ways that touch placement and the current placement no longer fits or is not within ${pct(config.reconciler.replace_margin)} of the best: make-before-break, placing attempt ${attempt} while ${from} keeps the workload running`,
    );
  } else if (prev.selection !== selection || (!matches && !kept) || (terminalPrev && prev.spec_hash !== hash)) {
    // a finished intent released its placement: any change places it again
    s = clone(prev);
    restarted = true;
    const attempt = Math.max(0, ...prev.placements.map((p) => p.attempt)) + 1;
    // fold the meter before the old placements go
    s.phase = 'Pending';
    const ctxFold: Ctx = { args, status: s, events, rediscover, suggestions: [], nowIso, usage: { gpus: 0, hourly_cost: 0 } };
    if (wasCharging) updateCost(ctxFold, true);
    wasCharging = false;
    s.selection = selection;
    s.spec_hash = hash;
    s.placement_hash = pHash;
    s.placements = freshPlacements(intent, attempt);
    for (const p of prev.placements) rediscover.add(p.solver);
    for (const p of s.placements) rediscover.add(p.solver);
    delete s.suggestions;
    delete s.explanation;
    delete s.deploying_since;
    delete s.next_retry_at;
    delete s.retries;
    delete s.workload;
    delete s.message;
    const w = deadlineWarning(intent, now);
    if (w) warnings.push(w);
    events.push(`intent spec changed: placement restarts (attempt ${attempt})`);
  } else {
    s = clone(prev);
    for (const w of prev.warnings ?? []) if (!w.startsWith(RENDER_PREFIX)) warnings.push(w);
    const placed = s.placements.filter((p) => p.chosen).map((p) => `${p.chosen!.provider}${loc(p)}`);
    const where = placed.length ? ` on ${placed.join(', ')} (same allocation, attempt ${s.placements.map((p) => p.attempt).join('/')})` : '';
    if (prev.placement_hash !== undefined && prev.placement_hash !== pHash) {
      // keepPlacement said the current choice still fits the new placement spec
      events.push(`intent changed in ways that touch placement: re-ranked, the current placement is still feasible and within ${pct(config.reconciler.replace_margin)} of the best: it stays${where}`);
    } else if (prev.spec_hash !== hash) {
      events.push(`workload changed (image, commands, env, ports…): rolling update in place${where}`);
    }
    s.spec_hash = hash;
    s.placement_hash = pHash;
  }
  // the renderer's warnings are recomputed every cycle: they come and go with the intent
  for (const w of args.renderWarnings ?? []) if (!warnings.includes(RENDER_PREFIX + w)) warnings.push(RENDER_PREFIX + w);
  if (warnings.length) s.warnings = warnings;
  else delete s.warnings;

  const terminal = s.phase === 'Completed' || s.phase === 'Failed';
  if (terminal && prev && prev.spec_hash === hash && prev.selection === selection) {
    return finish(args, prev, s, events, rediscover);
  }

  const ctx: Ctx = {
    args,
    status: s,
    events,
    rediscover,
    suggestions: [],
    nowIso,
    usage: { gpus: args.tenantUsage?.gpus ?? 0, hourly_cost: args.tenantUsage?.hourly_cost ?? 0 },
  };
  // a placement keeps its own choice: the usage passed in excludes this intent
  // after a restart the old Solver's candidates answer the old spec: wait for the new discovery
  const states: PlacementState[] = restarted
    ? s.placements.map(() => 'pending')
    : s.placements.map((p) => (selection === 'flare' ? advanceFlare(ctx, p) : advanceFluidos(ctx, p)));

  const prevPhase = prev?.phase;
  let { phase, message } = decide(ctx, states, prevPhase, restarted);
  if (s.retiring?.length) {
    const old = s.retiring.map((p) => `${p.chosen?.provider ?? '?'}${loc(p)}`).join(', ');
    if (phase === 'Running' || phase === 'Deploying') {
      const m = moveDone(ctx);
      if (m.done) {
        const to = s.placements.map((p) => `${p.chosen?.provider ?? '?'}${loc(p)}`).join(', ');
        events.push(`make-before-break: the workload runs on ${to} (${m.ready}/${m.want} pods ready); releasing ${old} (${s.retiring.map((p) => p.reservation?.name ?? '?').join(', ')})`);
        delete s.retiring;
      } else {
        phase = 'Deploying';
        message = `moving: ${m.ready}/${m.want} pods ready on the new placement, ${m.left} still on ${old}`;
      }
    } else if (phase !== 'Failed') {
      message = `${message}; the workload keeps running on ${old}`;
    }
  }
  if (phase === 'Deploying') {
    const t = deployTimeout(ctx, states);
    if (t) ({ phase, message } = t);
  }
  if (phase === 'Deploying') s.deploying_since ??= nowIso;
  else delete s.deploying_since;
  if (phase !== 'Deploying' && phase !== 'Running' && phase !== 'Completed' && phase !== 'Failed') delete s.workload;

  if (phase === 'NoMatch') {
    // suggestions and the explanation survive every branch, the deadline's included
    const sug = dedupeSuggestions(ctx.suggestions);
    if (sug.length) s.suggestions = sug;
    else if (states.includes('nomatch') && !ctx.keepSuggestions) delete s.suggestions;
    const ex = explanationOf(s);
    if (ex) s.explanation = ex;
    else delete s.explanation;
    if (args.intent.spec.constraints.deadline && deadlinePassed(intent, now)) {
      // wait for the probe (bounded by the first retry time) so the failure can say why
      const retryDue = prevPhase === 'NoMatch' && !!s.next_retry_at && now.getTime() >= Date.parse(s.next_retry_at);
      if (ctx.probing && !retryDue) {
        scheduleRetry(ctx, prevPhase === 'NoMatch');
        message = `deadline ${intent.spec.constraints.deadline} has passed; asking the federation why nothing fits before failing`;
      } else {
        phase = 'Failed';
        const why = s.explanation?.summary ? `: ${s.explanation.summary}` : '';
        message = `DeadlineExceeded: no feasible candidate before the deadline ${intent.spec.constraints.deadline}${why}`;
        events.push(message);
        delete s.next_retry_at;
        delete s.retries;
      }
    } else {
      scheduleRetry(ctx, prevPhase === 'NoMatch');
      message = nomatchMessage(s);
    }
  } else {
    delete s.next_retry_at;
    delete s.retries;
    delete s.suggestions;
    delete s.explanation;
    for (const p of s.placements) delete p.nomatch;
  }
  s.phase = phase;
  s.message = message;
  updateCost(ctx, wasCharging);
  return finish(args, prev, s, events, rediscover);
}

function nomatchMessage(s: IntentStatus): string {
  const n = s.suggestions?.length ?? 0;
  const tail = n ? `; ${n} suggestion(s): ${s.suggestions![0]!.alternative}` : '';
  const ex = s.explanation;
  const why = ex?.summary ? `: ${ex.summary}` : '';
  const solver = ex?.solver_message ? ` (Solver: ${ex.solver_message})` : '';
  return `no feasible candidate${why}${solver} (retry ${s.retries ?? 0} at ${s.next_retry_at ?? '?'})${tail}`;
}

/** The intent-level explanation: each placement's, prefixed with its location when there are several. */
function explanationOf(s: IntentStatus): IntentStatus['explanation'] {
  const parts = s.placements.filter((p) => p.nomatch);
  if (parts.length === 0) return undefined;
  const pre = (p: Placement): string => (s.placements.length > 1 && p.location ? `[${p.location}] ` : '');
  const summaries = parts.filter((p) => p.nomatch!.summary).map((p) => `${pre(p)}${p.nomatch!.summary}`);
  const messages = [...new Set(parts.map((p) => p.nomatch!.solver_message).filter((m): m is string => !!m))];
  const out: NonNullable<IntentStatus['explanation']> = {};
  if (summaries.length) out.summary = summaries.join('; ');
  if (messages.length) out.solver_message = messages.join('; ');
  return out;
}

function dedupeSuggestions(list: Suggestion[]): Suggestion[] {
  const seen = new Set<string>();
  const out: Suggestion[] = [];
  for (const x of list) {
    const k = JSON.stringify(canonicalize(x));
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(x);
  }
  return out;
}

function finish(args: AdvanceArgs, prev: IntentStatus | undefined, s: IntentStatus, events: string[], rediscover: Set<string>): AdvanceResult {
  const nowIso = args.now.toISOString();
  const history: HistoryEntry[] = [...(s.history ?? [])];
  for (const e of events) history.push({ time: nowIso, phase: s.phase, message: e });
  if ((!prev || prev.phase !== s.phase) && !events.includes(s.message ?? '')) {
    history.push({ time: nowIso, phase: s.phase, message: s.message ?? s.phase });
  }
  s.history = history.slice(-HISTORY_LIMIT);
  const changed = !prev || !same(prev, s);
  return { status: changed ? s : prev!, changed, rediscover: [...rediscover].sort() };
}
