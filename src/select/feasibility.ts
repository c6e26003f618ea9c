import type { FlareConfig } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import { placementCount, placementGpus } from '../intent/budget.js';
import { formatBytes, parseQuantity } from '../util/quantity.js';
import type { RankInput } from './types.js';
import type { Offer } from './offer.js';
import { anyLocationMatcher, isAnyLocation, locationMatcher, type RegionMatcher } from './location.js';
import { architectureOf, fp32Of, tierOf } from './traits.js';

/**
 * Consumer-side feasibility: every hard constraint of the intent, checked against the Offer
 * itself rather than trusting the Solver's filters (which let GPU-less Flavors through, invert
 * BooleanFilter and never match multi_gpu_efficiency). Paths are the intent field paths a user
 * writes; constraints that do not come from the intent use `tenant.*` and `placement.*`.
 */
export interface Failure {
  constraint: string;
  reason: string;
  /** The offer's value for the failing trait, for relaxation suggestions. */
  have?: number | string;
}

type Check = (o: Offer) => Failure | undefined;

/** The intent, config and placement facts turned into comparable values once per rank call. */
export interface Requirements {
  intent: Intent;
  config: FlareConfig;
  /** Where GPU fields live in the file: `workload.resources` or `requirements` (capacity-only). */
  resourcesPath: string;
  gpuPath: string;
  /** Requested GPUs. */
  count: number;
  currency: string;
  /** The location this placement must satisfy (constraints.location or input.location). */
  location?: string;
  locationPath: string;
  /** Placements sharing the budget (one per constraints.regions entry). */
  placements: number;
  /** Expected runtime in hours used to turn max_total_cost into an hourly cap. */
  runtimeHours: number;
  /** Checks that apply to this intent, in report order; the first failure is the recorded reason. */
  checks: Check[];
}

export const PATH = {
  available: 'placement.available',
  blocked: 'placement.blocked',
  excluded: 'placement.excluded_providers',
  allowedLocations: 'tenant.allowed_locations',
  quotaGpus: 'tenant.quota.gpus',
  quotaMoney: 'tenant.quota.max_hourly_cost',
  maxHourly: 'constraints.max_hourly_cost',
  maxTotal: 'constraints.max_total_cost',
  latency: 'constraints.max_latency_ms',
  preemptible: 'constraints.preemptible',
  providers: 'constraints.providers',
  zone: 'constraints.availability_zone',
} as const;

const EPS = 1e-9;

function money(x: number, currency: string): string {
  return `${(Math.round(x * 100) / 100).toFixed(2)} ${currency}`;
}

function bytes(b: number): string {
  return formatBytes(b);
}

function sameCapability(a: string, b: string): boolean {
  const na = Number(a);
  const nb = Number(b);
  return Number.isFinite(na) && Number.isFinite(nb) ? na === nb : a.toLowerCase() === b.toLowerCase();
}

function isAny(v: string | undefined): boolean {
  return v === undefined || v.toLowerCase() === 'any';
}

/** Hourly cost of the requested partition on this offer. */
export function partitionCost(o: Offer, count: number): number | undefined {
  return o.hourly_rate === undefined ? undefined : o.hourly_rate * count;
}

function stringTrait(
  path: string,
  label: string,
  want: string | undefined,
  have: (o: Offer) => string | undefined,
): Check | undefined {
  if (isAny(want)) return undefined;
  const w = want!.toLowerCase();
  return (o) => {
    const h = have(o);
    if (h === undefined) return { constraint: path, reason: `${label} not advertised (required ${w})` };
    return h === w ? undefined : { constraint: path, reason: `${label} ${h} ≠ required ${w}`, have: h };
  };
}

function requiredFlag(path: string, label: string, want: boolean, have: (o: Offer) => boolean): Check | undefined {
  if (!want) return undefined;
  return (o) => (have(o) ? undefined : { constraint: path, reason: `not ${label} (required)` });
}

function compact<T>(xs: (T | undefined)[]): T[] {
  return xs.filter((x): x is T => x !== undefined);
}

export function requirementsOf(input: RankInput): Requirements {
  const { intent, config, tenant } = input;
  const spec = intent.spec;
  const gpu = spec.resources.gpu;
  const resourcesPath = spec.workload ? 'workload.resources' : 'requirements';
  const gpuPath = `${resourcesPath}.gpu`;
  const count = placementGpus(intent);
  const currency = config.currency;
  const c = spec.constraints;
  const location = input.location ?? c.location;
  const locationPath = input.location !== undefined ? 'constraints.regions' : 'constraints.location';
  const runtimeSeconds = spec.workload?.batch?.timeout ?? config.default_runtime_seconds;
  const runtimeHours = runtimeSeconds / 3600;
  // A multi-region intent's budget is for the whole workload: its placements share it equally.
  const placements = placementCount(intent);
  const shared = placements > 1 ? `, shared by ${placements} placements` : '';
  const p = (f: string): string => `${gpuPath}.${f}`;

  const blocked = new Set(input.blocked ?? []);
  const excluded = new Set(input.excludedProviders ?? []);

  const checks: (Check | undefined)[] = [];
  checks.push((o) => (o.available ? undefined : { constraint: PATH.available, reason: 'candidate not available' }));
  if (blocked.size) {
    checks.push((o) => (blocked.has(o.name) ? { constraint: PATH.blocked, reason: 'refused a reservation this attempt' } : undefined));
  }
  if (excluded.size) {
    checks.push((o) =>
      excluded.has(o.provider) ? { constraint: PATH.excluded, reason: `provider ${o.provider} excluded after a failure` } : undefined,
    );
  }
  // Upstream lets a Flavor without GPU traits through every gpuFilter.
  checks.push((o) => (o.hasGpu ? undefined : { constraint: gpuPath, reason: 'flavor advertises no GPU' }));

  if (!isAny(gpu.model)) {
    const want = gpu.model!.toLowerCase();
    checks.push((o) =>
      o.model === want
        ? undefined
        : { constraint: p('model'), reason: `model ${o.model ?? 'unknown'} ≠ required ${want}`, ...(o.model ? { have: o.model } : {}) },
    );
  }
  checks.push((o) =>
    o.count >= count ? undefined : { constraint: p('count'), reason: `${o.count} GPUs < requested ${count}`, have: o.count },
  );
  const memMin = gpu.memory_min !== undefined ? parseQuantity(gpu.memory_min) : undefined;
  if (memMin !== undefined) {
    checks.push((o) => {
      if (o.memoryBytes === undefined) return { constraint: p('memory_min'), reason: `GPU memory not advertised (min ${gpu.memory_min})` };
      return o.memoryBytes + EPS >= memMin
        ? undefined
        : { constraint: p('memory_min'), reason: `GPU memory ${bytes(o.memoryBytes)} < min ${gpu.memory_min}`, have: o.memoryBytes };
    });
  }
  const memMax = gpu.memory_max !== undefined ? parseQuantity(gpu.memory_max) : undefined;
  if (memMax !== undefined) {
    checks.push((o) => {
      if (o.memoryBytes === undefined) return { constraint: p('memory_max'), reason: `GPU memory not advertised (max ${gpu.memory_max})` };
      return o.memoryBytes <= memMax + EPS
        ? undefined
        : { constraint: p('memory_max'), reason: `GPU memory ${bytes(o.memoryBytes)} > max ${gpu.memory_max}`, have: o.memoryBytes };
    });
  }
  if (gpu.cores_min !== undefined) {
    const min = gpu.cores_min;
    checks.push((o) => {
      if (o.cores === undefined) return { constraint: p('cores_min'), reason: `GPU cores not advertised (min ${min})` };
      return o.cores >= min ? undefined : { constraint: p('cores_min'), reason: `${o.cores} cores < min ${min}`, have: o.cores };
    });
  }
  if (gpu.cores_max !== undefined) {
    const max = gpu.cores_max;
    checks.push((o) => {
      if (o.cores === undefined) return { constraint: p('cores_max'), reason: `GPU cores not advertised (max ${max})` };
      return o.cores <= max ? undefined : { constraint: p('cores_max'), reason: `${o.cores} cores > max ${max}`, have: o.cores };
    });
  }
  const clockMin = gpu.clock_speed_min !== undefined ? parseQuantity(gpu.clock_speed_min) : undefined;
  if (clockMin !== undefined) {
    checks.push((o) => {
      if (o.clockHz === undefined) return { constraint: p('clock_speed_min'), reason: `clock speed not advertised (min ${gpu.clock_speed_min})` };
      return o.clockHz + EPS >= clockMin
        ? undefined
        : { constraint: p('clock_speed_min'), reason: `clock ${o.clockHz / 1e9}G < min ${gpu.clock_speed_min}`, have: o.clockHz };
    });
  }
  if (!isAny(gpu.compute_capability)) {
    const want = gpu.compute_capability!;
    checks.push((o) => {
      if (o.compute_capability === undefined) return { constraint: p('compute_capability'), reason: `compute capability not advertised (required ${want})` };
      return sameCapability(o.compute_capability, want)
        ? undefined
        : { constraint: p('compute_capability'), reason: `compute capability ${o.compute_capability} ≠ required ${want}`, have: o.compute_capability };
    });
  }
  checks.push(stringTrait(p('architecture'), 'architecture', gpu.architecture, architectureOf));
  checks.push(stringTrait(p('tier'), 'tier', gpu.tier, tierOf));
  checks.push(stringTrait(p('interconnect'), 'interconnect', gpu.interconnect, (o) => o.interconnect));
  checks.push(stringTrait(p('topology'), 'topology', gpu.topology, (o) => o.topology));
  if (gpu.fp32_tflops !== undefined && gpu.fp32_tflops > 0) {
    const min = gpu.fp32_tflops;
    checks.push((o) => {
      const tf = fp32Of(o);
      if (tf === undefined) return { constraint: p('fp32_tflops'), reason: `FP32 TFLOPS unknown (min ${min})` };
      return tf + EPS >= min ? undefined : { constraint: p('fp32_tflops'), reason: `FP32 ${tf} TFLOPS < min ${min}`, have: tf };
    });
  }
  if (gpu.multi_gpu_efficiency !== undefined && gpu.multi_gpu_efficiency > 0) {
    const min = gpu.multi_gpu_efficiency;
    checks.push((o) => {
      const e = o.multi_gpu_efficiency;
      if (e === undefined) return { constraint: p('multi_gpu_efficiency'), reason: `multi-GPU efficiency not advertised (min ${min})` };
      return e + EPS >= min
        ? undefined
        : { constraint: p('multi_gpu_efficiency'), reason: `multi-GPU efficiency ${e} < min ${min}`, have: e };
    });
  }
  // Booleans only constrain when requested: false means "don't care", as in the Solver filters.
  checks.push(requiredFlag(p('shared'), 'shared', gpu.shared, (o) => o.shared));
  checks.push(requiredFlag(p('interruptible'), 'interruptible', gpu.interruptible, (o) => o.interruptible));
  checks.push(requiredFlag(p('multi_instance'), 'multi-instance (MIG) capable', gpu.multi_instance, (o) => o.multi_instance));
  checks.push(requiredFlag(p('dedicated'), 'dedicated', gpu.dedicated, (o) => o.dedicated));

  const cpu = spec.resources.cpu !== undefined ? parseQuantity(spec.resources.cpu) : undefined;
  if (cpu !== undefined) {
    const path = `${resourcesPath}.cpu`;
    checks.push((o) => {
      if (o.cpu === undefined) return { constraint: path, reason: `flavor CPU not advertised (requested ${spec.resources.cpu})` };
      return o.cpu + EPS >= cpu ? undefined : { constraint: path, reason: `flavor CPU ${o.cpu} < requested ${spec.resources.cpu}`, have: o.cpu };
    });
  }
  const mem = spec.resources.memory !== undefined ? parseQuantity(spec.resources.memory) : undefined;
  if (mem !== undefined) {
    const path = `${resourcesPath}.memory`;
    checks.push((o) => {
      if (o.hostMemoryBytes === undefined) return { constraint: path, reason: `flavor memory not advertised (requested ${spec.resources.memory})` };
      return o.hostMemoryBytes + EPS >= mem
        ? undefined
        : { constraint: path, reason: `flavor memory ${bytes(o.hostMemoryBytes)} < requested ${spec.resources.memory}`, have: o.hostMemoryBytes };
    });
  }

  if (!isAnyLocation(location)) {
    const match: RegionMatcher = locationMatcher(location, config);
    checks.push((o) =>
      match(o.region)
        ? undefined
        : {
            constraint: locationPath,
            reason: o.region === undefined ? `region not advertised (required ${location})` : `region ${o.region} not in ${location}`,
            ...(o.region !== undefined ? { have: o.region } : {}),
          },
    );
  }
  if (tenant?.allowed_locations !== undefined) {
    const allowed = tenant.allowed_locations;
    const match = anyLocationMatcher(allowed, config);
    checks.push((o) =>
      match(o.region)
        ? undefined
        : {
            constraint: PATH.allowedLocations,
            reason: `region ${o.region ?? 'unknown'} not in tenant ${tenant.name}'s allowed locations (${allowed.join(', ')})`,
          },
    );
  }
  if (c.availability_zone !== undefined && c.availability_zone !== '') {
    const want = c.availability_zone.toLowerCase();
    checks.push((o) =>
      o.zone === want
        ? undefined
        : { constraint: PATH.zone, reason: `zone ${o.zone ?? 'not advertised'} ≠ required ${want}`, ...(o.zone ? { have: o.zone } : {}) },
    );
  }
  if (c.providers !== undefined && c.providers.length > 0) {
    const allowed = new Set(c.providers);
    checks.push((o) =>
      allowed.has(o.provider)
        ? undefined
        : { constraint: PATH.providers, reason: `provider ${o.provider || 'unknown'} not in ${c.providers!.join(', ')}`, have: o.provider },
    );
  }
  if (!c.preemptible) {
    checks.push((o) => (o.pre_emptible ? { constraint: PATH.preemptible, reason: 'offer is preemptible (preemptible: false)' } : undefined));
  }
  if (c.max_latency_ms !== undefined) {
    const max = c.max_latency_ms;
    checks.push((o) => {
      if (o.latency_ms === undefined) return { constraint: PATH.latency, reason: `latency not advertised (max ${max} ms)` };
      return o.latency_ms <= max + EPS ? undefined : { constraint: PATH.latency, reason: `latency ${o.latency_ms} ms > max ${max} ms`, have: o.latency_ms };
    });
  }
  // Each budget is its own constraint so a suggestion can name the one to raise.
  if (c.max_hourly_cost !== undefined) {
    const cap = c.max_hourly_cost / placements;
    checks.push(costCheck(PATH.maxHourly, cap, count, currency, shared ? ` (max_hourly_cost ${money(c.max_hourly_cost, currency)}${shared})` : ''));
  }
  if (c.max_total_cost !== undefined) {
    const cap = c.max_total_cost / runtimeHours / placements;
    checks.push(
      costCheck(PATH.maxTotal, cap, count, currency, ` (max_total_cost ${money(c.max_total_cost, currency)} over ${runtimeHours} h${shared})`),
    );
  }
  const usage = input.tenantUsage ?? { gpus: 0, hourly_cost: 0 };
  if (tenant?.quota.gpus !== undefined) {
    const q = tenant.quota.gpus;
    checks.push(() =>
      usage.gpus + count <= q
        ? undefined
        : { constraint: PATH.quotaGpus, reason: `tenant ${tenant.name} GPU quota ${q} exceeded (${usage.gpus} in use + ${count} requested)` },
    );
  }
  if (tenant?.quota.max_hourly_cost !== undefined) {
    const q = tenant.quota.max_hourly_cost;
    checks.push((o) => {
      const cost = partitionCost(o, count);
      if (cost === undefined) return { constraint: PATH.quotaMoney, reason: 'no hourly rate advertised (tenant money quota)' };
      return usage.hourly_cost + cost <= q + EPS
        ? undefined
        : {
            constraint: PATH.quotaMoney,
            reason: `tenant ${tenant.name} quota ${money(q, currency)}/h exceeded (${money(usage.hourly_cost, currency)} in use + ${money(cost, currency)})`,
          };
    });
  }

  const req: Requirements = {
    intent,
    config,
    resourcesPath,
    gpuPath,
    count,
    currency,
    locationPath,
    runtimeHours,
    placements,
    checks: compact(checks),
  };
  if (location !== undefined) req.location = location;
  return req;
}

function costCheck(path: string, cap: number, count: number, currency: string, note: string): Check {
  return (o) => {
    const cost = partitionCost(o, count);
    if (cost === undefined) return { constraint: path, reason: `no hourly rate advertised (max ${money(cap, currency)}/h${note})` };
    return cost <= cap + EPS
      ? undefined
      : {
          constraint: path,
          reason: `${money(cost, currency)}/h for ${count} GPU${count === 1 ? '' : 's'} > max ${money(cap, currency)}/h${note}`,
          have: cost,
        };
  };
}

/** The first constraint the offer fails, or undefined when feasible. */
export function firstFailure(o: Offer, req: Requirements): Failure | undefined {
  for (const check of req.checks) {
    const f = check(o);
    if (f) return f;
  }
  return undefined;
}

/**
 * The constraints the offer fails, at most `limit` of them (suggestions only need to know
 * whether exactly one blocks it, so they stop at 2).
 */
export function allFailures(o: Offer, req: Requirements, limit = Infinity): Failure[] {
  const out: Failure[] = [];
  for (const check of req.checks) {
    const f = check(o);
    if (f && out.push(f) >= limit) break;
  }
  return out;
}

