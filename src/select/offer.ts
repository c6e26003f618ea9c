import type { FluidosIdentity } from '../config/model.js';
import type { ChosenCandidate } from './types.js';
import type { KubeObject } from '../k8s/object.js';
import { candidateFlavor, flavorGpu } from '../fluidos/types.js';
import { parseQuantity } from '../util/quantity.js';

/** Workload-type scores of a GPU (0–1). */
interface WorkloadScores {
  training?: number;
  inference?: number;
  hpc?: number;
  graphics?: number;
}

/**
 * One PeeringCandidate flattened into the values the ranker compares, parsed once: quantities
 * to base units, strings that carry numbers (the fork writes counts, rates and
 * multi_gpu_efficiency as strings) to numbers. Absent traits stay undefined so feasibility can
 * tell "not advertised" from "too small".
 */
export interface Offer {
  /** PeeringCandidate name. */
  name: string;
  flavor: string;
  provider: string;
  owner: FluidosIdentity;
  /** False when the Flavor carries no GPU traits at all (upstream lets it through every gpuFilter). */
  hasGpu: boolean;
  vendor?: string;
  model?: string;
  /** GPUs of the offer; 0 when not advertised. */
  count: number;
  /** Per-GPU memory as advertised, and in bytes. */
  memory?: string;
  memoryBytes?: number;
  tier?: string;
  architecture?: string;
  interconnect?: string;
  topology?: string;
  compute_capability?: string;
  cores?: number;
  /** Hz. */
  clockHz?: number;
  fp32_tflops?: number;
  multi_gpu_efficiency?: number;
  shared: boolean;
  dedicated: boolean;
  interruptible: boolean;
  multi_instance: boolean;
  pre_emptible: boolean;
  region?: string;
  zone?: string;
  /** Per-GPU hourly rate. */
  hourly_rate?: number;
  latency_ms?: number;
  scores: WorkloadScores;
  /** Flavor characteristics (cores, bytes, pods). */
  cpu?: number;
  hostMemoryBytes?: number;
  pods?: number;
  available: boolean;
}

/** Numbers the fork may write as strings ("4", "0.85"); anything else is undefined. */
function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function lower(v: unknown): string | undefined {
  return str(v)?.toLowerCase();
}

/** Booleans are `true`/`false` in the Flavor but may arrive as strings from annotations. */
function bool(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');
}

// Flavors of one federation repeat a handful of quantity strings ("80Gi", "64"): parse each once.
const qtyMemo = new Map<string, number | undefined>();

function qty(v: unknown): number | undefined {
  if (typeof v === 'number') return parseQuantity(v);
  if (typeof v !== 'string') return undefined;
  if (qtyMemo.has(v)) return qtyMemo.get(v);
  const n = parseQuantity(v);
  if (qtyMemo.size > 10_000) qtyMemo.clear();
  qtyMemo.set(v, n);
  return n;
}

/**
 * The fork writes the region annotation into `zone` and the zone into `region`. A zone is its
 * region plus a suffix (`eu-west-1a` in `eu-west-1`), so when `region` extends `zone` the two are
 * swapped back; correctly written Flavors (the sandbox's) are left alone.
 */
function isSwapped(region: string | undefined, zone: string | undefined): boolean {
  return region !== undefined && zone !== undefined && region !== zone && region.startsWith(zone);
}

function scoresOf(gpu: Record<string, unknown>): WorkloadScores {
  const scores: WorkloadScores = {};
  const t = num(gpu.training_score);
  if (t !== undefined) scores.training = t;
  const i = num(gpu.inference_score);
  if (i !== undefined) scores.inference = i;
  const h = num(gpu.hpc_score);
  if (h !== undefined) scores.hpc = h;
  const g = num(gpu.graphics_score);
  if (g !== undefined) scores.graphics = g;
  return scores;
}

const EMPTY: Record<string, any> = {};

/** The Offer of a PeeringCandidate (advertisement.fluidos.eu/v1alpha1). Never throws. */
export function offerFromCandidate(pc: KubeObject): Offer {
  const flavor = candidateFlavor(pc);
  const fspec = (flavor?.spec ?? EMPTY) as Record<string, any>;
  const typeData = (fspec.flavorType?.typeData ?? EMPTY) as Record<string, any>;
  const ch = (typeData.characteristics ?? EMPTY) as Record<string, any>;
  const rawGpu = flavor ? flavorGpu(flavor) : undefined;
  const gpu = (rawGpu && typeof rawGpu === 'object' ? rawGpu : EMPTY) as Record<string, unknown>;
  const ownerRaw = (fspec.owner ?? EMPTY) as Record<string, unknown>;
  const owner: FluidosIdentity = {
    domain: str(ownerRaw.domain) ?? '',
    nodeID: str(ownerRaw.nodeID) ?? '',
    ip: str(ownerRaw.ip) ?? '',
  };
  const model = lower(gpu.model);
  const count = num(gpu.count);
  const memory = str(gpu.memory);
  let region = lower(gpu.region);
  let zone = lower(gpu.zone);
  if (isSwapped(region, zone)) [region, zone] = [zone, region];
  // One object literal with every field: a single hidden class for all offers keeps the hot loops monomorphic.
  return {
    name: pc.metadata?.name ?? '',
    flavor: str(flavor?.metadata?.name) ?? '',
    provider: str(gpu.provider) ?? (owner.nodeID || owner.domain || str(fspec.providerID) || ''),
    owner,
    hasGpu: model !== undefined || (count !== undefined && count > 0),
    vendor: lower(gpu.vendor),
    model,
    count: count !== undefined && count > 0 ? Math.floor(count) : 0,
    memory,
    memoryBytes: memory !== undefined ? qty(memory) : undefined,
    tier: lower(gpu.tier),
    architecture: lower(gpu.architecture),
    interconnect: lower(gpu.interconnect),
    topology: lower(gpu.topology),
    compute_capability: str(gpu.compute_capability),
    cores: qty(gpu.cores),
    clockHz: qty(gpu.clock_speed),
    fp32_tflops: num(gpu.fp32_tflops),
    multi_gpu_efficiency: num(gpu.multi_gpu_efficiency),
    shared: bool(gpu.shared),
    dedicated: bool(gpu.dedicated),
    interruptible: bool(gpu.interruptible),
    multi_instance: bool(gpu.multi_instance),
    pre_emptible: bool(gpu.pre_emptible),
    region,
    zone,
    hourly_rate: num(gpu.hourly_rate),
    latency_ms: num(gpu.network_latency_ms) ?? num(typeData.properties?.latency),
    scores: scoresOf(gpu),
    cpu: qty(ch.cpu),
    hostMemoryBytes: qty(ch.memory),
    pods: qty(ch.pods),
    // A PeeringCandidate without `available` is taken as available: FLUIDOS sets it false on reservation.
    available: pc.spec?.available !== false && fspec.availability !== false,
  };
}

/**
 * The status's record of a PeeringCandidate that was reserved without FLARE's ranking (FLUIDOS
 * chose it, or the status was rebuilt from the cluster): no score to report.
 */
export function chosenFromCandidate(pc: KubeObject, gpus: number): ChosenCandidate {
  const o = offerFromCandidate(pc);
  const rate = o.hourly_rate ?? 0;
  const c: ChosenCandidate = {
    candidate: o.name,
    flavor: o.flavor,
    provider: o.provider,
    owner: o.owner,
    model: o.model ?? '',
    // once reserved the offer may advertise no GPUs left: report what was bought
    count: Math.max(o.count, gpus),
    memory: o.memory ?? '',
    region: o.region ?? '',
    hourly_rate: rate,
    hourly_cost: Math.round(rate * gpus * 1e4) / 1e4,
    score: 0,
    breakdown: { cost: 0, performance: 0, latency: 0, energy: 0 },
  };
  if (o.zone) c.zone = o.zone;
  if (o.latency_ms !== undefined) c.latency_ms = o.latency_ms;
  if (o.vendor) c.vendor = o.vendor;
  return c;
}
