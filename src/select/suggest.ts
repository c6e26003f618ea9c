import type { Suggestion } from './types.js';
import { formatBytes, parseQuantity } from '../util/quantity.js';
import { allFailures, PATH, partitionCost, type Failure, type Requirements } from './feasibility.js';
import { locationsOf } from './location.js';
import type { Offer } from './offer.js';
import { catalogGpu, fp32Of, workloadScoreOf, type ScoreKind } from './traits.js';
import { replicasPerPlacement } from '../intent/budget.js';

/**
 * NoMatch suggestions, computed from the candidates actually seen: for every candidate that a
 * single constraint blocks, the smallest change to that constraint that admits it. Changes on a
 * numeric bound are monotone (raising max_hourly_cost to X admits every candidate that needs ≤ X),
 * so each distinct value counts every candidate it admits. Ordered by least impact (relative
 * change of the bound; fixed penalties for categorical changes), at most 2 per field and 5 in all.
 */
const MAX_SUGGESTIONS = 5;
const MAX_PER_PATH = 2;

interface Relaxation {
  path: string;
  value: unknown;
  /** Numeric bounds: the value as a number, and whether a larger value relaxes more. */
  bound?: { v: number; raise: boolean };
  offer: Offer;
  /** Hourly cost of the requested partition after the change. */
  cost?: number;
  impact: number;
  label: string;
  performance: string;
}

interface Ctx {
  req: Requirements;
  kind: ScoreKind;
  offers: readonly Offer[];
}

const CATEGORICAL_PENALTY = {
  trait: 0.3,
  flag: 0.3,
  location: 0.25,
  zone: 0.2,
  provider: 0.2,
  preemptible: 0.4,
  model: 0.2,
} as const;

function ceilCents(x: number): number {
  return Math.ceil(x * 100 - 1e-6) / 100;
}

function rel(from: number, to: number): number {
  return from > 0 ? Math.abs(to - from) / from : 1;
}

function pct(x: number): string {
  const r = Math.round(x * 100);
  return `${r >= 0 ? '+' : ''}${r}%`;
}

function money(x: number, currency: string): string {
  return `${(Math.round(x * 100) / 100).toFixed(2)} ${currency}`;
}

function memValue(b: number): string {
  const exact = formatBytes(b);
  // formatBytes rounds inexact sizes to Gi, possibly upwards: floor to Mi so the bound still admits the offer.
  return parseQuantity(exact) !== undefined && parseQuantity(exact)! <= b ? exact : `${Math.floor(b / 2 ** 20)}Mi`;
}

/** Per-GPU performance (FP32 × workload score) of the requested model, from a seen offer or the catalog. */
function requestedModelRef(ctx: Ctx): { cost?: number; perf?: number } {
  const want = ctx.req.intent.spec.resources.gpu.model;
  if (want === undefined || want === 'any') return {};
  let cost: number | undefined;
  let perf: number | undefined;
  for (const o of ctx.offers) {
    if (o.model !== want) continue;
    const c = partitionCost(o, ctx.req.count);
    if (c !== undefined && (cost === undefined || c < cost)) cost = c;
    const tf = fp32Of(o);
    if (tf !== undefined && perf === undefined) perf = tf * workloadScoreOf(o, ctx.kind);
  }
  if (perf === undefined) {
    const cat = catalogGpu(want);
    if (cat) perf = cat.fp32Tflops * (ctx.kind === 'none' ? 1 : cat.scores[ctx.kind]);
  }
  const out: { cost?: number; perf?: number } = {};
  if (cost !== undefined) out.cost = cost;
  if (perf !== undefined) out.perf = perf;
  return out;
}

function relax(f: Failure, o: Offer, ctx: Ctx, ref: { cost?: number; perf?: number }): Relaxation | undefined {
  const { req } = ctx;
  const c = req.intent.spec.constraints;
  const gpu = req.intent.spec.resources.gpu;
  const cur = req.currency;
  const cost = partitionCost(o, req.count);
  const base = { offer: o, ...(cost !== undefined ? { cost } : {}) };
  const g = (field: string): string => `${req.gpuPath}.${field}`;
  const have = typeof f.have === 'number' ? f.have : undefined;
  const path = f.constraint;

  if (path === PATH.maxHourly || path === PATH.maxTotal) {
    if (cost === undefined) return undefined;
    const isTotal = path === PATH.maxTotal;
    const old = isTotal ? c.max_total_cost! : c.max_hourly_cost!;
    const v = ceilCents((isTotal ? cost * req.runtimeHours : cost) * req.placements);
    return {
      ...base,
      path,
      value: `${v.toFixed(2)} ${cur}`,
      bound: { v, raise: true },
      impact: rel(old, v),
      label: `raise ${isTotal ? 'max_total_cost' : 'max_hourly_cost'} to ${v.toFixed(2)} ${cur}`,
      performance: 'none: same GPU request',
    };
  }
  if (path === PATH.latency && have !== undefined) {
    const v = Math.ceil(have);
    return {
      ...base,
      path,
      value: v,
      bound: { v, raise: true },
      impact: rel(c.max_latency_ms ?? v, v),
      label: `raise max_latency_ms to ${v}`,
      performance: `network latency up to ${v} ms`,
    };
  }
  if (path === req.locationPath && o.region !== undefined) {
    const loc = locationsOf(o.region, req.config)[0] ?? o.region;
    let value: unknown = loc;
    if (path === 'constraints.regions') {
      const regions = c.regions ?? [];
      value = regions.map((r) => (r === req.location ? loc : r));
    }
    return {
      ...base,
      path,
      value,
      impact: CATEGORICAL_PENALTY.location,
      label: path === 'constraints.regions' ? `use ${loc} instead of ${req.location}` : `widen location to ${loc}`,
      performance: 'none: same GPU request',
    };
  }
  if (path === PATH.zone && typeof f.have === 'string') {
    return { ...base, path, value: f.have, impact: CATEGORICAL_PENALTY.zone, label: `use availability_zone ${f.have}`, performance: 'none: same GPU request' };
  }
  if (path === PATH.providers && o.provider) {
    const value = [...(c.providers ?? []), o.provider].sort();
    return { ...base, path, value, impact: CATEGORICAL_PENALTY.provider, label: `allow provider ${o.provider}`, performance: 'none: same GPU request' };
  }
  if (path === PATH.preemptible) {
    return { ...base, path, value: true, impact: CATEGORICAL_PENALTY.preemptible, label: 'allow preemptible offers', performance: 'none, but the workload may be preempted' };
  }
  if (path === g('model') && o.model !== undefined) {
    const perf = fp32Of(o) !== undefined ? fp32Of(o)! * workloadScoreOf(o, ctx.kind) : undefined;
    const costPct = cost !== undefined && ref.cost !== undefined && ref.cost > 0 ? (cost - ref.cost) / ref.cost : undefined;
    const perfPct = perf !== undefined && ref.perf !== undefined && ref.perf > 0 ? (perf - ref.perf) / ref.perf : undefined;
    return {
      ...base,
      path,
      value: o.model,
      impact: CATEGORICAL_PENALTY.model + Math.max(0, costPct ?? 0) + Math.max(0, -(perfPct ?? 0)),
      label: `${o.model} instead of ${gpu.model}`,
      performance: perfPct !== undefined ? `${pct(perfPct)} per-GPU throughput (FP32 × workload score) vs ${gpu.model}` : 'unknown',
    };
  }
  // gpu.count is per replica: the offer's GPUs shared by the replicas one placement hosts
  const perReplica = have !== undefined ? Math.floor(have / replicasPerPlacement(req.intent)) : 0;
  if (path === g('count') && have !== undefined && perReplica > 0 && have < req.count) {
    const held = perReplica * replicasPerPlacement(req.intent);
    const newCost = o.hourly_rate !== undefined ? o.hourly_rate * held : undefined;
    return {
      offer: o,
      ...(newCost !== undefined ? { cost: newCost } : {}),
      path,
      value: perReplica,
      bound: { v: perReplica, raise: false },
      impact: rel(req.count, held),
      label: `lower GPU count to ${perReplica}`,
      performance: `${pct((held - req.count) / req.count)} GPUs (${held} instead of ${req.count})`,
    };
  }
  const lowerBound = (field: string, v: number, value: unknown, old: number | undefined, text: string): Relaxation => ({
    ...base,
    path,
    value,
    bound: { v, raise: false },
    impact: rel(old ?? v, v),
    label: `lower ${field} to ${String(value)}`,
    performance: text,
  });
  const raiseBound = (field: string, v: number, value: unknown, old: number | undefined, text: string): Relaxation => ({
    ...base,
    path,
    value,
    bound: { v, raise: true },
    impact: rel(old ?? v, v),
    label: `raise ${field} to ${String(value)}`,
    performance: text,
  });
  if (have !== undefined) {
    const q = (s: string | undefined): number | undefined => (s !== undefined ? parseQuantity(s) : undefined);
    if (path === g('memory_min')) return lowerBound('memory_min', have, memValue(have), q(gpu.memory_min), `${memValue(have)} GPU memory per GPU instead of ${gpu.memory_min}`);
    if (path === g('memory_max')) return raiseBound('memory_max', have, memValue(have), q(gpu.memory_max), `${memValue(have)} GPU memory per GPU`);
    if (path === g('cores_min')) return lowerBound('cores_min', have, Math.floor(have), gpu.cores_min, `${Math.floor(have)} cores per GPU`);
    if (path === g('cores_max')) return raiseBound('cores_max', have, Math.ceil(have), gpu.cores_max, `${Math.ceil(have)} cores per GPU`);
    if (path === g('clock_speed_min')) {
      const ghz = Math.floor(have / 1e7) / 100;
      return lowerBound('clock_speed_min', ghz * 1e9, `${ghz}G`, q(gpu.clock_speed_min), `clock ${ghz} GHz`);
    }
    if (path === g('fp32_tflops')) {
      const v = Math.floor(have * 10) / 10;
      return lowerBound('fp32_tflops', v, v, gpu.fp32_tflops, `${v} FP32 TFLOPS per GPU`);
    }
    if (path === g('multi_gpu_efficiency')) {
      const v = Math.floor(have * 100) / 100;
      return lowerBound('multi_gpu_efficiency', v, v, gpu.multi_gpu_efficiency, `multi-GPU efficiency ${v}`);
    }
    if (path === `${req.resourcesPath}.cpu`) {
      const v = Math.floor(have * 1000) / 1000;
      return lowerBound('cpu', v, String(v), q(req.intent.spec.resources.cpu), `${v} CPUs`);
    }
    if (path === `${req.resourcesPath}.memory`) {
      return lowerBound('memory', have, memValue(have), q(req.intent.spec.resources.memory), `${memValue(have)} host memory`);
    }
  }
  for (const trait of ['compute_capability', 'architecture', 'tier', 'interconnect', 'topology'] as const) {
    if (path === g(trait)) {
      const got = typeof f.have === 'string' ? ` (allow ${f.have})` : '';
      return { ...base, path, value: 'any', impact: CATEGORICAL_PENALTY.trait, label: `drop ${trait} ${gpu[trait] ?? ''}${got}`.replace(/ +/g, ' '), performance: `${trait} ${f.have ?? 'unknown'}` };
    }
  }
  for (const flag of ['shared', 'interruptible', 'multi_instance', 'dedicated'] as const) {
    if (path === g(flag)) {
      return { ...base, path, value: false, impact: CATEGORICAL_PENALTY.flag, label: `do not require ${flag}`, performance: `not ${flag}` };
    }
  }
  return undefined;
}

function byCost(a: Relaxation, b: Relaxation): number {
  const ca = a.cost ?? Infinity;
  const cb = b.cost ?? Infinity;
  return ca !== cb ? (ca < cb ? -1 : 1) : a.offer.name < b.offer.name ? -1 : a.offer.name > b.offer.name ? 1 : 0;
}

interface Group {
  head: Relaxation;
  /** Candidates the change admits. */
  count: number;
  /** The cheapest of them. */
  best: Relaxation;
}

/**
 * One group per distinct change. A numeric bound admits every candidate whose need it covers,
 * so the candidates of a field are walked once in relaxation order (O(n log n), not O(n²): a
 * NoMatch over thousands of candidates stays cheap).
 */
function groupsOf(single: readonly Relaxation[]): Group[] {
  const byPath = new Map<string, Relaxation[]>();
  for (const r of single) {
    const list = byPath.get(r.path);
    if (list) list.push(r);
    else byPath.set(r.path, [r]);
  }
  const out: Group[] = [];
  for (const list of byPath.values()) {
    if (list.every((r) => r.bound !== undefined)) {
      const raise = list[0]!.bound!.raise;
      list.sort((a, b) => (raise ? a.bound!.v - b.bound!.v : b.bound!.v - a.bound!.v) || byCost(a, b));
      let best: Relaxation | undefined;
      for (let i = 0; i < list.length; i++) {
        const r = list[i]!;
        if (!best || byCost(r, best) < 0) best = r;
        const next = list[i + 1];
        if (next === undefined || Math.abs(next.bound!.v - r.bound!.v) > 1e-9) out.push({ head: r, count: i + 1, best });
      }
    } else {
      const byValue = new Map<string, Group>();
      for (const r of list) {
        const k = JSON.stringify(r.value);
        const g = byValue.get(k);
        if (!g) byValue.set(k, { head: r, count: 1, best: r });
        else {
          g.count++;
          if (byCost(r, g.best) < 0) g.best = r;
        }
      }
      out.push(...byValue.values());
    }
  }
  return out;
}

export function suggest(offers: readonly Offer[], req: Requirements, kind: ScoreKind): Suggestion[] {
  const ctx: Ctx = { req, kind, offers };
  const ref = requestedModelRef(ctx);
  const single: Relaxation[] = [];
  for (const o of offers) {
    const fs = allFailures(o, req, 2);
    if (fs.length !== 1) continue;
    const r = relax(fs[0]!, o, ctx, ref);
    if (r) single.push(r);
  }
  const ordered = groupsOf(single).sort(
    (x, y) =>
      x.head.impact - y.head.impact ||
      y.count - x.count ||
      byCost(x.best, y.best) ||
      (x.head.path < y.head.path ? -1 : x.head.path > y.head.path ? 1 : 0),
  );
  const perPath = new Map<string, number>();
  const out: Suggestion[] = [];
  const budget = req.intent.spec.constraints.max_hourly_cost;
  for (const { head, count, best } of ordered) {
    if (out.length >= MAX_SUGGESTIONS) break;
    const n = perPath.get(head.path) ?? 0;
    if (n >= MAX_PER_PATH) continue;
    perPath.set(head.path, n + 1);
    const alternative = `${head.label}: ${offerText(best, req.currency)} (${count} candidate${count === 1 ? '' : 's'})`;
    out.push({
      alternative,
      cost_difference: costDifference(head, best, ref, budget, req),
      performance_impact: head.performance,
      change: { path: head.path, value: head.value },
    });
  }
  if (out.length === 0) out.push(...pairs(offers, ctx, ref, budget));
  return out;
}

/** "nvidia-h100 at provider-ie in eu-west-1, 2.00 EUR/h": the offer a relaxation admits. */
function offerText(r: Relaxation, currency: string): string {
  const o = r.offer;
  const where = o.region ? ` in ${o.region}` : '';
  const at = r.cost !== undefined ? `, ${money(r.cost, currency)}/h` : '';
  return `${o.model ?? o.name}${o.provider ? ` at ${o.provider}` : ''}${where}${at}`;
}

/**
 * When no single change admits any offer: offers that exactly two constraints reject, relaxed on
 * both. One suggestion per pair of fields (its cheapest offer), ranked by cost effect (the hourly
 * cost the user would pay), then by name.
 */
function pairs(offers: readonly Offer[], ctx: Ctx, ref: { cost?: number; perf?: number }, budget: number | undefined): Suggestion[] {
  const { req } = ctx;
  const best = new Map<string, [Relaxation, Relaxation]>();
  for (const o of offers) {
    const fs = allFailures(o, req, 3);
    if (fs.length !== 2) continue;
    const a = relax(fs[0]!, o, ctx, ref);
    const b = relax(fs[1]!, o, ctx, ref);
    if (!a || !b) continue;
    const pair: [Relaxation, Relaxation] = a.path < b.path ? [a, b] : [b, a];
    const k = `${pair[0].path}|${pair[1].path}`;
    const cur = best.get(k);
    if (!cur || byCost(pair[0], cur[0]) < 0) best.set(k, pair);
  }
  const ordered = [...best.values()].sort((x, y) => byCost(x[0], y[0]) || (x[0].path < y[0].path ? -1 : x[0].path > y[0].path ? 1 : 0));
  return ordered.slice(0, MAX_SUGGESTIONS).map(([a, b]) => {
    const cost = a.cost;
    const cur = req.currency;
    let costText = cost === undefined ? 'unknown (no hourly rate advertised)' : `${money(cost, cur)}/h`;
    if (cost !== undefined && budget !== undefined && budget > 0) costText = `${pct((cost - budget) / budget)} vs max_hourly_cost (${money(cost, cur)}/h vs ${money(budget, cur)}/h)`;
    const perf = [a.performance, b.performance].filter((p) => !p.startsWith('none: same GPU request'));
    return {
      alternative: `${a.label} and ${b.label}: ${offerText(a, cur)}`,
      cost_difference: costText,
      performance_impact: perf.length ? perf.join('; ') : 'none: same GPU request',
      change: { path: a.path, value: a.value },
      changes: [
        { path: a.path, value: a.value },
        { path: b.path, value: b.value },
      ],
    };
  });
}

function costDifference(head: Relaxation, best: Relaxation, ref: { cost?: number }, budget: number | undefined, req: Requirements): string {
  const cur = req.currency;
  if (best.cost === undefined) return 'unknown (no hourly rate advertised)';
  if (head.path === PATH.maxHourly && budget !== undefined) {
    return `${pct((best.cost - budget) / budget)} over max_hourly_cost (${money(best.cost, cur)}/h vs ${money(budget, cur)}/h)`;
  }
  if (head.path === PATH.maxTotal && head.bound) {
    const old = req.intent.spec.constraints.max_total_cost!;
    return `${pct((head.bound.v - old) / old)} total budget (${money(head.bound.v, cur)} vs ${money(old, cur)})`;
  }
  if (head.path === `${req.gpuPath}.model` && ref.cost !== undefined && ref.cost > 0) {
    return `${pct((best.cost - ref.cost) / ref.cost)} cost (${money(best.cost, cur)}/h vs ${money(ref.cost, cur)}/h for ${req.intent.spec.resources.gpu.model})`;
  }
  return `${money(best.cost, cur)}/h`;
}
