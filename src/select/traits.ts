import type { WorkloadType } from '../intent/model.js';
import { lookupGpu, type GpuModel } from '../gpu/catalog.js';
import type { Offer } from './offer.js';

/**
 * Traits the ranker reads from an Offer, with the GPU catalog as a fallback for what a Flavor
 * may omit (FP32 TFLOPS, workload scores, tier, architecture: the provider tooling infers them
 * from the model anyway). The Flavor always wins when it advertises a value.
 */

// lookupGpu tokenizes its argument; memoized so 10,000 candidates of a few models cost a few lookups.
const memo = new Map<string, GpuModel | null>();

export function catalogGpu(model: string | undefined): GpuModel | undefined {
  if (model === undefined) return undefined;
  let hit = memo.get(model);
  if (hit === undefined) {
    hit = lookupGpu(model) ?? null;
    if (memo.size > 10_000) memo.clear();
    memo.set(model, hit);
  }
  return hit ?? undefined;
}

export function fp32Of(o: Offer): number | undefined {
  return o.fp32_tflops ?? catalogGpu(o.model)?.fp32Tflops;
}

export function tierOf(o: Offer): string | undefined {
  return o.tier ?? catalogGpu(o.model)?.tier;
}

export function architectureOf(o: Offer): string | undefined {
  return o.architecture ?? catalogGpu(o.model)?.architecture;
}

/** The workload kind whose score weighs performance: batch → training, service → inference. */
export type ScoreKind = 'training' | 'inference' | 'none';

export function scoreKindOf(type: WorkloadType | undefined): ScoreKind {
  if (type === 'batch') return 'training';
  if (type === 'service') return 'inference';
  // Capacity-only intents deploy nothing: no workload to weigh the raw throughput by.
  return 'none';
}

/** Neutral weight when neither the Flavor nor the catalog knows the model's fit. */
const UNKNOWN_WORKLOAD_SCORE = 0.5;

export function workloadScoreOf(o: Offer, kind: ScoreKind): number {
  if (kind === 'none') return 1;
  const own = o.scores[kind];
  if (own !== undefined) return own;
  return catalogGpu(o.model)?.scores[kind] ?? UNKNOWN_WORKLOAD_SCORE;
}

/**
 * Board power by tier, watts per GPU. The catalog carries no TDP, so energy is estimated from
 * the tier (representative data-sheet figures: premium ≈ SXM class, standard ≈ L40S/A40,
 * gaming ≈ RTX 4090/4080, inference ≈ T4/L4/A10, budget ≈ older PCIe parts).
 */
const TIER_WATTS: Readonly<Record<string, number>> = {
  premium: 600,
  standard: 325,
  gaming: 400,
  inference: 120,
  budget: 200,
};
/** Used when the tier is unknown: the middle of the range, so unknown neither wins nor loses outright. */
const UNKNOWN_TIER_WATTS = 350;

/** Estimated watts per FP32 TFLOPS (lower is better); undefined when FP32 is unknown. */
export function wattsPerTflop(o: Offer): number | undefined {
  const tf = fp32Of(o);
  if (tf === undefined || tf <= 0) return undefined;
  const tier = tierOf(o);
  const watts = (tier !== undefined ? TIER_WATTS[tier] : undefined) ?? UNKNOWN_TIER_WATTS;
  return watts / tf;
}
