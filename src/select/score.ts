import type { ObjectiveWeights } from '../config/model.js';
import type { ScoreBreakdown } from './types.js';
import type { Offer } from './offer.js';
import { fp32Of, wattsPerTflop, workloadScoreOf, type ScoreKind } from './traits.js';

/**
 * Scoring of feasible offers. Each term is min-max normalized across the feasible set to [0,1]
 * with 1 = best (a single candidate or an all-equal term gives 1 to everyone; an unknown value
 * gives 0, the worst). The score is the weighted mean Σ wᵢ·termᵢ / Σ wᵢ so it stays in [0,1]
 * whatever the weights sum to; the order is the same as with a plain weighted sum.
 */
interface RawTerms {
  /** rate × requested GPUs; undefined when no rate is advertised. */
  cost?: number;
  /** FP32 TFLOPS × requested GPUs × workload-type score. */
  performance?: number;
  latency?: number;
  /** Estimated watts per FP32 TFLOPS. */
  energy?: number;
}

export interface Scored {
  offer: Offer;
  raw: RawTerms;
  breakdown: ScoreBreakdown;
  score: number;
}

function rawTerms(o: Offer, count: number, kind: ScoreKind): RawTerms {
  const raw: RawTerms = {};
  if (o.hourly_rate !== undefined) raw.cost = o.hourly_rate * count;
  const tf = fp32Of(o);
  if (tf !== undefined) raw.performance = tf * count * workloadScoreOf(o, kind);
  if (o.latency_ms !== undefined) raw.latency = o.latency_ms;
  const e = wattsPerTflop(o);
  if (e !== undefined) raw.energy = e;
  return raw;
}

interface Range {
  min: number;
  max: number;
}

function rangeOf(values: (number | undefined)[]): Range | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v === undefined) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min === Infinity ? undefined : { min, max };
}

function norm(v: number | undefined, r: Range | undefined, higherIsBetter: boolean): number {
  if (v === undefined || r === undefined) return 0;
  const span = r.max - r.min;
  if (span <= 1e-12) return 1;
  return higherIsBetter ? (v - r.min) / span : (r.max - v) / span;
}

/** Rounded for status files: stable text across platforms and runs. */
export function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

export function scoreAll(offers: readonly Offer[], count: number, kind: ScoreKind, w: ObjectiveWeights): Scored[] {
  const raws = offers.map((o) => rawTerms(o, count, kind));
  const rc = rangeOf(raws.map((r) => r.cost));
  const rp = rangeOf(raws.map((r) => r.performance));
  const rl = rangeOf(raws.map((r) => r.latency));
  const re = rangeOf(raws.map((r) => r.energy));
  const total = w.cost + w.performance + w.latency + w.energy;
  return offers.map((offer, i) => {
    const raw = raws[i]!;
    const breakdown: ScoreBreakdown = {
      cost: norm(raw.cost, rc, false),
      performance: norm(raw.performance, rp, true),
      latency: norm(raw.latency, rl, false),
      energy: norm(raw.energy, re, false),
    };
    const sum =
      w.cost * breakdown.cost + w.performance * breakdown.performance + w.latency * breakdown.latency + w.energy * breakdown.energy;
    return { offer, raw, breakdown, score: total > 0 ? sum / total : 0 };
  });
}

// Scores equal to 1e-9 are ties: float noise must not decide between two identical offers.
function key(x: number): number {
  return Math.round(x * 1e9);
}

/**
 * Best first: higher score, then lower cost, then lower latency (unknown last), then name.
 * Total and deterministic, so the same candidates always give the same order.
 */
export function compareScored(a: Scored, b: Scored): number {
  const ds = key(b.score) - key(a.score);
  if (ds !== 0) return ds;
  const ca = a.raw.cost !== undefined ? key(a.raw.cost) : Infinity;
  const cb = b.raw.cost !== undefined ? key(b.raw.cost) : Infinity;
  if (ca !== cb) return ca < cb ? -1 : 1;
  const la = a.raw.latency !== undefined ? key(a.raw.latency) : Infinity;
  const lb = b.raw.latency !== undefined ? key(b.raw.latency) : Infinity;
  if (la !== lb) return la < lb ? -1 : 1;
  return a.offer.name < b.offer.name ? -1 : a.offer.name > b.offer.name ? 1 : 0;
}
