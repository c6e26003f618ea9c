import { own } from '../util/own.js';
import type { FlareConfig } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import { perGpuRateCap, placementGpus } from '../intent/budget.js';
import type { GpuFilter, SolverFilters } from '../fluidos/types.js';

/**
 * A Solver filter together with the intent field it came from, so `flare explain` reads the same
 * mapping the renderer uses and the two can never drift apart.
 */
interface SourcedGpuFilter {
  source: string;
  filter: GpuFilter;
}

interface SourcedFilters {
  filters: SolverFilters;
  gpu: SourcedGpuFilter[];
  /** Intent field → top-level filter key (cpuFilter, memoryFilter). */
  resources: { source: string; key: 'cpuFilter' | 'memoryFilter'; min: string }[];
}

const GPU = 'workload.resources.gpu';

/** Escapes a string for use inside a regular expression (RE2 and ECMAScript agree on these). */
function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

function escapeRegexPattern(pattern: string): string {
  return pattern
    .split('*')
    .map((part) => escapeRegex(part))
    .join('[a-z0-9-]*');
}

/**
 * Region patterns of a location: the catalog entry (exact name first, then case-insensitive),
 * else the location itself as a literal region name.
 */
function regionPatterns(location: string, config: FlareConfig): string[] {
  const exact = own(config.locations, location);
  if (exact) return exact;
  const lower = location.toLowerCase();
  const key = Object.keys(config.locations)
    .sort()
    .find((k) => k.toLowerCase() === lower);
  if (key) return own(config.locations, key) ?? [location];
  return [location];
}

/** Anchored regex matching every region of a location (or undefined for `any`). */
export function regionRegex(location: string, config: FlareConfig): string | undefined {
  if (location.toLowerCase() === 'any') return undefined;
  const patterns = regionPatterns(location, config).map(escapeRegexPattern);
  const unique = [...new Set(patterns)];
  return unique.length === 1 ? `^${unique[0]}$` : `^(?:${unique.join('|')})$`;
}

/** Anchored alternation of literal names. */
export function namesRegex(names: readonly string[]): string {
  const escaped = [...new Set(names)].map(escapeRegex);
  return escaped.length === 1 ? `^${escaped[0]}$` : `^(?:${escaped.join('|')})$`;
}

/**
 * Rounds a per-GPU cap up to 1e-4 so the filter never rejects an offer at exactly the cap because
 * of binary floating point; the ranker re-checks the exact budget on the consumer side.
 */
function roundRateCap(x: number): number {
  return Math.ceil(x * 1e4 - 1e-7) / 1e4;
}

/**
 * The Solver filters of one intent (per fluidos-facts.md "Intent field → gpuFilter"), for one
 * placement: `location` is the placement's region for multi-region intents. Order is fixed.
 */
export function solverFilters(intent: Intent, config: FlareConfig, location?: string, allowedLocations?: readonly string[]): SourcedFilters {
  const res = intent.spec.resources;
  const g = res.gpu;
  const c = intent.spec.constraints;
  const gpu: SourcedGpuFilter[] = [];
  const add = (source: string, filter: GpuFilter): void => {
    gpu.push({ source, filter });
  };
  const str = (field: GpuFilter['field'], value: string | undefined, source: string): void => {
    if (value !== undefined && value.toLowerCase() !== 'any') add(source, { field, filter: 'StringFilter', data: { value } });
  };

  str('model', g.model, `${GPU}.model`);
  add(`${GPU}.count`, { field: 'count', filter: 'NumberRangeFilter', data: { min: placementGpus(intent) } });
  if (g.memory_min !== undefined || g.memory_max !== undefined) {
    add(g.memory_min !== undefined ? `${GPU}.memory_min` : `${GPU}.memory_max`, {
      field: 'memory',
      filter: 'ResourceRangeSelector',
      data: range(g.memory_min, g.memory_max),
    });
  }
  if (g.cores_min !== undefined || g.cores_max !== undefined) {
    add(g.cores_min !== undefined ? `${GPU}.cores_min` : `${GPU}.cores_max`, {
      field: 'cores',
      filter: 'NumberRangeFilter',
      data: range(g.cores_min, g.cores_max),
    });
  }
  if (g.clock_speed_min !== undefined) {
    add(`${GPU}.clock_speed_min`, { field: 'clock_speed', filter: 'ResourceRangeSelector', data: { min: g.clock_speed_min } });
  }
  str('compute_capability', g.compute_capability, `${GPU}.compute_capability`);
  str('architecture', g.architecture, `${GPU}.architecture`);
  str('tier', g.tier, `${GPU}.tier`);
  str('interconnect', g.interconnect, `${GPU}.interconnect`);
  str('topology', g.topology, `${GPU}.topology`);
  if (g.fp32_tflops !== undefined) add(`${GPU}.fp32_tflops`, { field: 'fp32_tflops', filter: 'NumberRangeFilter', data: { min: g.fp32_tflops } });
  if (g.multi_gpu_efficiency !== undefined) {
    add(`${GPU}.multi_gpu_efficiency`, { field: 'multi_gpu_efficiency', filter: 'NumberRangeFilter', data: { min: g.multi_gpu_efficiency } });
  }
  for (const b of ['shared', 'interruptible', 'multi_instance', 'dedicated'] as const) {
    // false is the absence of the trait on a Flavor; a false filter would reject every Flavor lacking it
    if (g[b]) add(`${GPU}.${b}`, { field: b, filter: 'BooleanFilter', data: true });
  }
  const cap = perGpuRateCap(intent, config);
  if (cap !== undefined) {
    const source = c.max_hourly_cost !== undefined ? 'constraints.max_hourly_cost' : 'constraints.max_total_cost';
    add(source, { field: 'hourly_rate', filter: 'NumberRangeFilter', data: { max: roundRateCap(cap) } });
  }
  if (c.max_latency_ms !== undefined) {
    add('constraints.max_latency_ms', { field: 'network_latency_ms', filter: 'NumberRangeFilter', data: { max: c.max_latency_ms } });
  }
  if (c.providers && c.providers.length > 0) {
    add('constraints.providers', { field: 'provider', filter: 'StringRangeSelector', data: { regex: namesRegex(c.providers) } });
  }
  if (c.availability_zone !== undefined) {
    add('constraints.availability_zone', { field: 'zone', filter: 'StringFilter', data: { value: c.availability_zone } });
  }
  const loc = location ?? c.location;
  const regex = loc !== undefined ? regionRegex(loc, config) : undefined;
  if (regex) add(location !== undefined ? 'constraints.regions' : 'constraints.location', { field: 'region', filter: 'StringRangeSelector', data: { regex } });
  else if (allowedLocations && allowedLocations.length > 0 && !allowedLocations.some((l) => l.toLowerCase() === 'any')) {
    // no location of its own: the tenant's allowed locations bound where FLUIDOS may place it
    const unique = [...new Set(allowedLocations.flatMap((l) => regionPatterns(l, config)).map(escapeRegexPattern))].sort();
    const tenantRegex = unique.length === 1 ? `^${unique[0]}$` : `^(?:${unique.join('|')})$`;
    add('tenant.allowed_locations', { field: 'region', filter: 'StringRangeSelector', data: { regex: tenantRegex } });
  }

  const filters: SolverFilters = {};
  const resources: SourcedFilters['resources'] = [];
  if (res.cpu !== undefined) {
    filters.cpuFilter = { name: 'Range', data: { min: res.cpu } };
    resources.push({ source: 'workload.resources.cpu', key: 'cpuFilter', min: res.cpu });
  }
  if (res.memory !== undefined) {
    filters.memoryFilter = { name: 'Range', data: { min: res.memory } };
    resources.push({ source: 'workload.resources.memory', key: 'memoryFilter', min: res.memory });
  }
  filters.gpuFilters = gpu.map((s) => s.filter);
  return { filters, gpu, resources };
}

function range<T extends string | number>(min: T | undefined, max: T | undefined): { min?: T; max?: T } {
  const out: { min?: T; max?: T } = {};
  if (min !== undefined) out.min = min;
  if (max !== undefined) out.max = max;
  return out;
}
