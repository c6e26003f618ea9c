import type { FlareConfig, Tenant } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import type { KubeObject } from '../k8s/object.js';
import type { ChosenCandidate, Decision, RankInput, Suggestion } from '../select/types.js';
import { HISTORY_LIMIT, type HistoryEntry, type IntentStatus, type Phase, type Placement } from '../status/model.js';
import { allocationName, intentNamespace, reservationName, solverName } from '../k8s/names.js';
import { canonicalize } from '../k8s/serialize.js';
import { offerFromCandidate } from '../select/offer.js';
import type { Observed } from './observe.js';
import { placementHash, placementLocations, specHash, statusMatches } from '../intent/spec-hash.js';
import { probeSolverName } from '../render/probe.js';
import { gpuDemand, placementGpus } from '../intent/budget.js';
import { noMatchSummary } from './nomatch.js';
import { reasonLine, workloadHealth } from './workload-health.js';

const RENDER_PREFIX = 'render: ';

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
type PlacementState = 'pending' | 'discovering' | 'nomatch' | 'reserving' | 'allocating' | 'ready' | 'failed';

const DISCOVERY_DONE = new Set(['Solved', 'Failed', 'Timed Out', 'TimedOut', 'Active', 'Inactive']);
const ALLOCATION_LOST = new Set(['Failed', 'Error', 'Lost', 'Inactive', 'Released']);

interface Ctx {
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

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonicalize(a)) === JSON.stringify(canonicalize(b));
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
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

function deadlineWarning(intent: Intent, now: Date): string | undefined {
  const d = intent.spec.constraints.deadline;
  if (!d) return undefined;
  const t = Date.parse(d);
  if (Number.isNaN(t) || t > now.getTime()) return undefined;
  return `deadline ${d} had already passed when the intent was first seen: it is placed only if a candidate fits now`;
}

function deadlinePassed(intent: Intent, now: Date): boolean {
  const d = intent.spec.constraints.deadline;
  if (!d) return false;
  const t = Date.parse(d);
  return !Number.isNaN(t) && now.getTime() >= t;
}

function condition(o: KubeObject | undefined, type: string): string | undefined {
  const conds: unknown = o?.status?.conditions;
  if (!Array.isArray(conds)) return undefined;
  const c = conds.find((x: { type?: string }) => x?.type === type) as { status?: unknown } | undefined;
  return c ? String(c.status) : undefined;
}

export function nodeReady(node: KubeObject): boolean {
  return condition(node, 'Ready') === 'True';
}

function solverDiscoveryDone(solver: KubeObject): boolean {
  const st = solver.status ?? {};
  const phases = [st.solverPhase?.phase, st.discoveryPhase, st.findCandidate];
  return phases.some((p) => typeof p === 'string' && DISCOVERY_DONE.has(p));
}

function solverFailed(solver: KubeObject): boolean {
  const st = solver.status ?? {};
  return [st.solverPhase?.phase, st.reservationPhase, st.reserveAndBuy].some((p) => p === 'Failed' || p === 'Timed Out');
}

function reservationPhase(res: KubeObject): string | undefined {
  const p = res.status?.phase;
  if (typeof p === 'string') return p;
  return typeof p?.phase === 'string' ? p.phase : undefined;
}

function describeChoice(c: ChosenCandidate, currency: string): string {
  return `${c.provider} ${c.model} in ${c.region} at ${c.hourly_cost.toFixed(2)} ${currency}/h (candidate ${c.candidate}, score ${c.score.toFixed(3)})`;
}

function loc(p: Placement): string {
  return p.location ? ` [${p.location}]` : '';
}

/** Clears everything tied to the current choice; the next choice gets a new attempt number. */
function dropChoice(p: Placement): void {
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

function addUnique(list: string[] | undefined, v: string): string[] {
  const out = list ? [...list] : [];
  if (!out.includes(v)) out.push(v);
  return out;
}

/** The candidate as it will be once the GPUs claimed on it are taken. */
function lessClaimed(pc: KubeObject, claimed: number): KubeObject {
  const gpu = pc.spec?.flavor?.spec?.flavorType?.typeData?.characteristics?.gpu;
  const count = Number(gpu?.count);
  if (!gpu || !Number.isFinite(count)) return pc;
  const left = Math.max(0, count - claimed);
  // copies only the path to the count: a candidate carries every interested Solver id, and a
  // deep copy of it per intent and cycle was most of the ranking time at 1,000 intents
  const spec = pc.spec;
  const flavor = spec.flavor;
  const typeData = flavor.spec.flavorType.typeData;
  const copy: KubeObject = {
    ...pc,
    spec: {
      ...spec,
      flavor: {
        ...flavor,
        spec: {
          ...flavor.spec,
          flavorType: {
            ...flavor.spec.flavorType,
            typeData: { ...typeData, characteristics: { ...typeData.characteristics, gpu: { ...gpu, count: left } } },
          },
        },
      },
    },
  };
  if (left === 0) copy.spec.available = false;
  return copy;
}

function rankPlacement(ctx: Ctx, p: Placement, candidates: KubeObject[]): Decision {
  const { args } = ctx;
  const claims = args.claims;
  const seen = claims && claims.size > 0 ? candidates.map((c) => (claims.get(c.metadata.name) ? lessClaimed(c, claims.get(c.metadata.name)!) : c)) : candidates;
  const input: RankInput = { intent: args.intent, config: args.config, candidates: seen };
  if (args.tenant) input.tenant = args.tenant;
  if (p.location !== undefined) input.location = p.location;
  if (p.blocked?.length) input.blocked = p.blocked;
  if (p.excluded_providers?.length) input.excludedProviders = p.excluded_providers;
  // the tenant's other intents, plus this intent's other placements (multi-region)
  let gpus = ctx.usage.gpus;
  let hourly = ctx.usage.hourly_cost;
  for (const q of ctx.status.placements) {
    if (q === p || !q.chosen) continue;
    gpus += placementGpus(args.intent);
    hourly += q.chosen.hourly_cost;
  }
  input.tenantUsage = { gpus, hourly_cost: round4(hourly) };
  return args.rank(input);
}

function setList<K extends 'runners_up' | 'rejected'>(p: Placement, key: K, v: Placement[K]): void {
  if (v && v.length > 0) p[key] = v;
  else delete p[key];
}

/** flare selection: rank, then follow our own Reservation → Contract → Allocation → virtual node. */
function advanceFlare(ctx: Ctx, p: Placement): PlacementState {
  const { intent, observed: obs, config } = ctx.args;
  const solver = obs.solvers.get(p.solver);
  const candidates = obs.candidatesBySolver.get(p.solver) ?? [];

  if (p.chosen) {
    const resName = reservationName(intent.id, p.attempt, p.location);
    const res = obs.reservations.get(resName);
    if (res) {
      const phase = reservationPhase(res);
      const r: Placement['reservation'] = { name: resName };
      if (phase) r.phase = phase;
      p.reservation = r;
      if (phase === 'Failed' && !p.contract) {
        const why = res.status?.phase?.message ? `: ${res.status.phase.message}` : '';
        ctx.events.push(
          `reservation ${resName} refused by ${p.chosen.provider}${why}; blocking candidate ${p.chosen.candidate}${loc(p)}, attempt ${p.attempt + 1}`,
        );
        p.blocked = addUnique(p.blocked, p.chosen.candidate);
        dropChoice(p);
      }
    }
  }

  if (p.chosen && !p.contract) {
    const res = obs.reservations.get(reservationName(intent.id, p.attempt, p.location));
    const contractName: unknown = res?.status?.contract?.name;
    const contract = typeof contractName === 'string' ? obs.contracts.get(contractName) : undefined;
    const liqo: unknown = contract?.spec?.peeringTargetCredentials?.liqoID;
    if (contract && typeof liqo === 'string' && liqo) {
      p.contract = { name: contract.metadata.name, liqo_id: liqo };
      ctx.events.push(`contract ${contract.metadata.name} signed with ${p.chosen.provider}${loc(p)} (remote cluster ${liqo})`);
    }
  }

  if (p.chosen && p.contract) {
    const failure = followAllocation(ctx, p, allocationName(intent.id, p.attempt, p.location));
    if (failure) {
      const provider = p.chosen.provider;
      ctx.events.push(`provider ${provider} failed${loc(p)}: ${failure}; failing over without it (attempt ${p.attempt + 1})`);
      p.excluded_providers = addUnique(p.excluded_providers, provider);
      dropChoice(p);
    }
  }

  if (p.chosen) {
    if (p.remote_cluster_id) return 'ready';
    return p.contract ? 'allocating' : 'reserving';
  }

  // No choice yet (or it was just dropped): rank what discovery found.
  if (!solver) return 'pending';
  // rank the complete result: candidates of a running discovery may still be arriving
  if (!solverDiscoveryDone(solver)) return 'discovering';
  const d = rankPlacement(ctx, p, candidates);
  setList(p, 'runners_up', d.runners_up);
  setList(p, 'rejected', d.rejected);
  if (d.chosen) {
    delete p.nomatch;
    p.chosen = d.chosen;
    ctx.events.push(`chose ${describeChoice(d.chosen, config.currency)}${loc(p)}, attempt ${p.attempt}`);
    return 'reserving';
  }
  return explainNoMatch(ctx, p, candidates, solver);
}

function solverMessage(solver: KubeObject | undefined): string | undefined {
  const st = solver?.status ?? {};
  const failed = st.solverPhase?.phase === 'Failed' || st.discoveryPhase === 'Failed' || st.findCandidate === 'Failed';
  const m: unknown = st.solverPhase?.message;
  return failed && typeof m === 'string' && m ? m : undefined;
}

/**
 * NoMatch: explain it from what the probe Solver (no filters, discovery only) saw, plus what the
 * placement's own Solver saw. Until the probe has answered, the placement keeps the explanation
 * it had (a retried probe re-discovers) or records only the Solver's message.
 */
function explainNoMatch(ctx: Ctx, p: Placement, candidates: KubeObject[], solver: KubeObject | undefined): PlacementState {
  const obs = ctx.args.observed;
  const probeName = probeSolverName(p.solver);
  const probe = obs.solvers.get(probeName);
  const solverMsg = solverMessage(solver);
  if (!probe || !solverDiscoveryDone(probe)) {
    ctx.probing = true;
    if (p.nomatch?.summary) {
      ctx.keepSuggestions = true;
      if (solverMsg) p.nomatch.solver_message = solverMsg;
      return 'nomatch';
    }
    const d = rankPlacement(ctx, p, candidates);
    setList(p, 'rejected', d.rejected);
    ctx.suggestions.push(...d.suggestions);
    if (solverMsg) p.nomatch = { solver_message: solverMsg };
    else delete p.nomatch;
    return 'nomatch';
  }
  const seen = new Map<string, KubeObject>();
  for (const c of candidates) seen.set(c.metadata.name, c);
  for (const c of obs.candidatesBySolver.get(probeName) ?? []) if (!seen.has(c.metadata.name)) seen.set(c.metadata.name, c);
  const all = [...seen.values()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const d = rankPlacement(ctx, p, all);
  setList(p, 'rejected', d.rejected);
  ctx.suggestions.push(...d.suggestions);
  const summary = noMatchSummary(all.length, d.rejected);
  p.nomatch = solverMsg ? { summary, solver_message: solverMsg } : { summary };
  return 'nomatch';
}

/**
 * Allocation and virtual node of a placement with a contract. Returns why the provider failed
 * (failover), or undefined.
 */
function followAllocation(ctx: Ctx, p: Placement, allocName: string | undefined): string | undefined {
  const { observed: obs, config, now } = ctx.args;
  const contract = p.contract!;
  if (!obs.contracts.has(contract.name)) {
    if (p.remote_cluster_id || p.allocation?.status) return `contract ${contract.name} is gone`;
  }
  let alloc = allocName ? obs.allocations.get(allocName) : undefined;
  if (!alloc) alloc = (obs.allocationsByContract.get(contract.name) ?? [])[0];
  if (alloc) {
    const st: unknown = alloc.status?.status;
    const a: Placement['allocation'] = { name: alloc.metadata.name };
    if (typeof st === 'string' && st) a.status = st;
    p.allocation = a;
    if (typeof st === 'string' && ALLOCATION_LOST.has(st)) {
      const msg = alloc.status?.message ? ` (${alloc.status.message})` : '';
      return `allocation ${alloc.metadata.name} is ${st}${msg}`;
    }
  }
  // several contracts with one provider give several virtual nodes: prefer the allocation's own
  const own: unknown = alloc?.status?.resourceRef?.name;
  const ownNode = typeof own === 'string' ? obs.nodesByName.get(own) : undefined;
  const nodes = ownNode ? [ownNode] : typeof own === 'string' ? [] : obs.virtualNodes.get(contract.liqo_id) ?? [];
  const ready = nodes.find(nodeReady);
  if (!p.remote_cluster_id) {
    if (p.allocation?.status === 'Active' && ready) {
      p.remote_cluster_id = contract.liqo_id;
      p.virtual_node = { name: ready.metadata.name, ready: true };
      ctx.events.push(`virtual node ${ready.metadata.name} Ready${loc(p)}: remote cluster ${contract.liqo_id}`);
    }
    return undefined;
  }
  if (ready) {
    if (!p.virtual_node?.ready || p.virtual_node.name !== ready.metadata.name) {
      if (p.virtual_node && !p.virtual_node.ready) ctx.events.push(`virtual node ${ready.metadata.name} Ready again${loc(p)}`);
      p.virtual_node = { name: ready.metadata.name, ready: true };
    }
    return undefined;
  }
  const nodeName = nodes[0]?.metadata.name ?? p.virtual_node?.name ?? '';
  if (!p.virtual_node || p.virtual_node.ready || !p.virtual_node.not_ready_since) {
    p.virtual_node = { name: nodeName, ready: false, not_ready_since: ctx.nowIso };
    ctx.events.push(
      `virtual node ${nodeName || '(gone)'} of remote cluster ${contract.liqo_id} NotReady${loc(p)}; failover after ${config.reconciler.grace_period_seconds}s`,
    );
    // a zero grace period fails over at once
    if (config.reconciler.grace_period_seconds > 0) return undefined;
  }
  const since = Date.parse(p.virtual_node.not_ready_since ?? ctx.nowIso);
  const elapsed = (now.getTime() - since) / 1000;
  if (elapsed >= config.reconciler.grace_period_seconds) {
    return `virtual node ${nodeName || '(gone)'} NotReady for ${Math.round(elapsed)}s (grace ${config.reconciler.grace_period_seconds}s)`;
  }
  return undefined;
}

/** The CandidateSummary of the PeeringCandidate FLUIDOS reserved (fluidos selection mode). */
function summarize(pc: KubeObject, gpus: number): ChosenCandidate {
  const o = offerFromCandidate(pc);
  const c: ChosenCandidate = {
    candidate: o.name,
    flavor: o.flavor,
    provider: o.provider,
    owner: o.owner,
    model: o.model ?? '',
    // once FLUIDOS has reserved it the offer may advertise no GPUs left: report what was bought
    count: Math.max(o.count, gpus),
    memory: o.memory ?? '',
    region: o.region ?? '',
    hourly_rate: o.hourly_rate ?? 0,
    hourly_cost: round4((o.hourly_rate ?? 0) * gpus),
    // FLUIDOS took the first match: there is no score to report
    score: 0,
    breakdown: { cost: 0, performance: 0, latency: 0, energy: 0 },
  };
  if (o.zone) c.zone = o.zone;
  if (o.latency_ms !== undefined) c.latency_ms = o.latency_ms;
  if (o.vendor) c.vendor = o.vendor;
  return c;
}

/** fluidos selection: FLUIDOS reserves, buys and peers by itself; record what it chose. */
function advanceFluidos(ctx: Ctx, p: Placement): PlacementState {
  const { intent, observed: obs, config } = ctx.args;
  const solver = obs.solvers.get(p.solver);
  const candidates = obs.candidatesBySolver.get(p.solver) ?? [];
  const reservations = (obs.reservationsBySolver.get(p.solver) ?? []).filter((r) => reservationPhase(r) !== 'Failed');
  const res = reservations[0];
  if (res) {
    const phase = reservationPhase(res);
    const r: Placement['reservation'] = { name: res.metadata.name };
    if (phase) r.phase = phase;
    p.reservation = r;
    const pcName: unknown = res.spec?.peeringCandidate?.name;
    const pc = typeof pcName === 'string' ? obs.candidates.get(pcName) : undefined;
    if (pc && p.chosen?.candidate !== pc.metadata.name) {
      p.chosen = summarize(pc, placementGpus(intent));
      ctx.events.push(`FLUIDOS reserved its first match: ${describeChoice(p.chosen, config.currency)}${loc(p)}`);
    }
    const contractName: unknown = res.status?.contract?.name;
    const contract = typeof contractName === 'string' ? obs.contracts.get(contractName) : undefined;
    const liqo: unknown = contract?.spec?.peeringTargetCredentials?.liqoID;
    if (contract && typeof liqo === 'string' && liqo && p.contract?.name !== contract.metadata.name) {
      p.contract = { name: contract.metadata.name, liqo_id: liqo };
      ctx.events.push(`contract ${contract.metadata.name} signed by FLUIDOS${loc(p)} (remote cluster ${liqo})`);
    }
  }
  if (p.contract) {
    const failure = followAllocation(ctx, p, undefined);
    if (failure) {
      ctx.events.push(`provider ${p.chosen?.provider ?? '?'} failed${loc(p)}: ${failure}; fluidos selection mode does not fail over`);
      return 'failed';
    }
    if (p.remote_cluster_id) return 'ready';
    return 'allocating';
  }
  if (res) return 'reserving';
  if (!solver) return 'pending';
  if (solverFailed(solver) || (solverDiscoveryDone(solver) && candidates.length === 0)) {
    // FLUIDOS gives up without requeue: explain with our own ranking of what it and the probe saw
    return explainNoMatch(ctx, p, candidates, solver);
  }
  return 'discovering';
}

interface WorkloadView {
  phase: 'Deploying' | 'Running' | 'Completed' | 'Failed';
  status?: IntentStatus['workload'];
  message: string;
}

function workloadState(ctx: Ctx): WorkloadView {
  const { intent, observed: obs } = ctx.args;
  const w = intent.spec.workload;
  if (!w) return { phase: 'Running', message: 'capacity reserved: virtual node(s) Ready' };
  const expected = ctx.status.placements.length;
  const kind: 'Deployment' | 'Job' = w.type === 'batch' ? 'Job' : 'Deployment';
  const objs = (obs.workloads.get(intent.id) ?? []).filter(
    (o) => o.kind === kind && o.metadata.namespace === intentNamespace(intent.tenant, intent.name),
  );
  const off = obs.offloadings.get(intentNamespace(intent.tenant, intent.name));
  const offPhase: unknown = off?.status?.offloadingPhase;
  if (kind === 'Deployment') {
    let replicas = 0;
    let readyReplicas = 0;
    let allReady = objs.length >= expected;
    for (const d of objs) {
      const want = typeof d.spec?.replicas === 'number' ? d.spec.replicas : 1;
      const have = typeof d.status?.readyReplicas === 'number' ? d.status.readyReplicas : 0;
      replicas += want;
      readyReplicas += have;
      if (have < want) allReady = false;
    }
    const status: IntentStatus['workload'] = { kind, ready: allReady, replicas, ready_replicas: readyReplicas };
    if (allReady) return { phase: 'Running', status, message: `${readyReplicas}/${replicas} replicas ready` };
    const off_ = typeof offPhase === 'string' ? `; offloading ${offPhase}` : '';
    const why = notReadyReason(ctx, status);
    return { phase: 'Deploying', status: objs.length ? status : undefined, message: `${readyReplicas}/${replicas || '?'} replicas ready${why ? `: ${why}` : off_}` };
  }
  let succeeded = 0;
  let failed = 0;
  let complete = objs.length >= expected;
  let jobFailed = false;
  for (const j of objs) {
    succeeded += typeof j.status?.succeeded === 'number' ? j.status.succeeded : 0;
    failed += typeof j.status?.failed === 'number' ? j.status.failed : 0;
    if (condition(j, 'Failed') === 'True') jobFailed = true;
    if (condition(j, 'Complete') !== 'True') complete = false;
  }
  const status: IntentStatus['workload'] = { kind, ready: complete, succeeded, failed };
  if (jobFailed) {
    const cond = objs.map((j) => conditionMessage(j, 'Failed')).find((m) => m);
    const pod = workloadHealth(obs.pods.get(intent.id) ?? []).reasons.find((r) => r.problem === 'workload')?.text;
    const why = cond ?? pod;
    if (why) {
      status.reason = why;
      status.problem = 'workload';
    }
    return { phase: 'Failed', status, message: `job failed (${failed} failed pod(s))${why ? `: ${why}` : ''}` };
  }
  if (complete) return { phase: 'Completed', status, message: `job complete (${succeeded} succeeded)` };
  const why = objs.length ? notReadyReason(ctx, status) : undefined;
  return {
    phase: 'Deploying',
    status: objs.length ? status : undefined,
    message: objs.length ? `job running (${succeeded} succeeded)${why ? `: ${why}` : ''}` : 'workload applied, waiting for it',
  };
}

function conditionMessage(o: KubeObject, type: string): string | undefined {
  const conds: unknown = o.status?.conditions;
  if (!Array.isArray(conds)) return undefined;
  const c = conds.find((x: { type?: string; status?: string }) => x?.type === type && x.status === 'True') as { message?: unknown } | undefined;
  return typeof c?.message === 'string' && c.message ? c.message : undefined;
}

/** The pods' reason for not being ready, recorded on the workload status; undefined when none shows. */
function notReadyReason(ctx: Ctx, status: NonNullable<IntentStatus['workload']>): string | undefined {
  const h = workloadHealth(ctx.args.observed.pods.get(ctx.args.intent.id) ?? []);
  const line = reasonLine(h);
  if (line) {
    status.reason = line;
    if (h.problem) status.problem = h.problem;
  }
  return line;
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

/** The meter runs while the workload holds its GPUs: from deployment until completion or failure. */
function charging(phase: Phase | undefined): boolean {
  return phase === 'Deploying' || phase === 'Running';
}

function updateCost(ctx: Ctx, wasRunning: boolean): void {
  const s = ctx.status;
  // while moving, both the new placements and the retiring ones are paid for
  const held = [...s.placements, ...(s.retiring ?? [])];
  const hourly = round4(held.reduce((sum, p) => sum + (p.chosen?.hourly_cost ?? 0), 0));
  const running = charging(s.phase) || !!s.retiring?.length;
  const now = ctx.args.now.getTime();
  const cost = s.cost ? { ...s.cost } : undefined;
  if (!cost) {
    if (running) s.cost = { hourly, currency: ctx.args.config.currency, accrued: 0, since: ctx.nowIso };
    return;
  }
  // accrued holds what was charged up to `since`; while Running the meter runs from `since`
  if (wasRunning && (!running || hourly !== cost.hourly)) {
    const hours = Math.max(0, now - Date.parse(cost.since)) / 3_600_000;
    cost.accrued = round4(cost.accrued + cost.hourly * hours);
    cost.since = ctx.nowIso;
  } else if (!wasRunning && running) {
    cost.since = ctx.nowIso;
  }
  if (running) cost.hourly = hourly;
  s.cost = cost;
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

/** Exponential backoff of the discovery retry: backoff × 2^retries, capped. */
export function backoffSeconds(config: FlareConfig, retries: number): number {
  const r = config.reconciler;
  return Math.min(r.max_backoff_seconds, r.backoff_seconds * 2 ** Math.min(retries, 30));
}

function scheduleRetry(ctx: Ctx, wasNoMatch: boolean): void {
  const s = ctx.status;
  const { config, now } = ctx.args;
  const at = (retries: number): string => new Date(now.getTime() + backoffSeconds(config, retries) * 1000).toISOString();
  if (!wasNoMatch || s.retries === undefined || !s.next_retry_at) {
    s.retries = 0;
    s.next_retry_at = at(0);
    ctx.events.push(`no feasible candidate; discovery retried at ${s.next_retry_at}`);
    return;
  }
  if (now.getTime() >= Date.parse(s.next_retry_at)) {
    s.retries += 1;
    s.next_retry_at = at(s.retries);
    for (const p of s.placements) {
      if (p.chosen) continue;
      ctx.rediscover.add(p.solver);
      // the probe asks again too: the federation may have changed
      if (p.nomatch?.summary) ctx.rediscover.add(probeSolverName(p.solver));
    }
  }
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
