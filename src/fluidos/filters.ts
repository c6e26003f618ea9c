import type { KubeObject } from '../k8s/object.js';
import type { GpuCharacteristics, GpuFilter, SolverFilters } from './types.js';
import { flavorGpu } from './types.js';
import { parseQuantity } from '../util/quantity.js';

interface FilterOptions {
  /**
   * Reproduce what the GPU fork actually does (fluidos-facts.md, "Observed upstream behaviour"):
   * a Flavor without GPU traits passes every gpuFilter; a filter on an absent field rejects
   * (false booleans are absent); BooleanFilter compares inverted; a number filter on the string
   * `multi_gpu_efficiency` never matches. Default false: the documented semantics.
   */
  upstreamQuirks?: boolean;
}

type Bounds = { min?: string | number; max?: string | number };

const BOOLEAN_FIELDS: ReadonlySet<keyof GpuCharacteristics> = new Set([
  'shared',
  'dedicated',
  'interruptible',
  'multi_instance',
  'pre_emptible',
]);

/** Why a gpuFilter cannot be evaluated (malformed data), or undefined when it is well-formed. */
export function gpuFilterProblem(f: GpuFilter): string | undefined {
  const d = f.data as unknown;
  const obj = d !== null && typeof d === 'object' ? (d as Record<string, unknown>) : undefined;
  switch (f.filter) {
    case 'StringFilter':
    case 'NumberMatchFilter':
    case 'ResourceMatchSelector':
      if (!obj || obj.value === undefined) return `${f.filter} on ${f.field} needs data.value`;
      if (f.filter === 'NumberMatchFilter' && toNumber(obj.value) === undefined) return `${f.filter} on ${f.field}: value is not a number`;
      if (f.filter === 'ResourceMatchSelector' && toQuantity(obj.value) === undefined) return `${f.filter} on ${f.field}: value is not a quantity`;
      return undefined;
    case 'StringRangeSelector':
      if (!obj || typeof obj.regex !== 'string') return `StringRangeSelector on ${f.field} needs data.regex`;
      try {
        new RegExp(obj.regex);
      } catch {
        return `StringRangeSelector on ${f.field}: invalid regex ${JSON.stringify(obj.regex)}`;
      }
      return undefined;
    case 'NumberRangeFilter':
    case 'ResourceRangeSelector':
      return rangeProblem(f.filter, f.field, obj as Bounds | undefined, f.filter === 'NumberRangeFilter' ? toNumber : toQuantity);
    case 'BooleanFilter':
      return typeof d === 'boolean' || d === 'true' || d === 'false' ? undefined : `BooleanFilter on ${f.field} needs a bare true/false`;
    default:
      return `unknown filter ${String((f as { filter: unknown }).filter)}`;
  }
}

function rangeProblem(name: string, field: string, b: Bounds | undefined, conv: (v: unknown) => number | undefined): string | undefined {
  if (!b || (b.min === undefined && b.max === undefined)) return `${name} on ${field} needs at least one of min, max`;
  const min = b.min === undefined ? undefined : conv(b.min);
  const max = b.max === undefined ? undefined : conv(b.max);
  if ((b.min !== undefined && min === undefined) || (b.max !== undefined && max === undefined)) return `${name} on ${field}: malformed bound`;
  if (min !== undefined && max !== undefined && min > max) return `${name} on ${field}: min is greater than max`;
  return undefined;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

function toQuantity(v: unknown): number | undefined {
  if (typeof v === 'number' || typeof v === 'string') return parseQuantity(v);
  return undefined;
}

function inRange(x: number, b: Bounds, conv: (v: unknown) => number | undefined): boolean {
  const min = b.min === undefined ? undefined : conv(b.min);
  const max = b.max === undefined ? undefined : conv(b.max);
  // Compare with a little slack so 12.5 = 100/8 computed on either side still matches.
  const eps = 1e-9 * Math.max(1, Math.abs(x));
  return (min === undefined || x >= min - eps) && (max === undefined || x <= max + eps);
}

/** Does one gpuFilter accept a Flavor's GPU traits? */
export function matchGpuFilter(filter: GpuFilter, gpu: GpuCharacteristics | undefined, opts: FilterOptions = {}): boolean {
  const quirks = opts.upstreamQuirks === true;
  if (!gpu) return quirks;
  if (gpuFilterProblem(filter) !== undefined) return false;
  const raw = (gpu as Record<string, unknown>)[filter.field];
  const data = filter.data as unknown;

  if (filter.filter === 'BooleanFilter') {
    const wanted = data === true || data === 'true';
    if (raw === undefined) return quirks ? false : wanted === false && BOOLEAN_FIELDS.has(filter.field);
    const actual = raw === true || raw === 'true';
    return quirks ? actual !== wanted : actual === wanted;
  }
  if (raw === undefined || raw === null) return false;
  const d = data as Record<string, unknown>;
  switch (filter.filter) {
    case 'StringFilter':
      return String(raw) === String(d.value);
    case 'StringRangeSelector':
      // Go's regexp.MatchString: unanchored unless the pattern anchors itself.
      return new RegExp(String(d.regex)).test(String(raw));
    case 'NumberMatchFilter':
    case 'NumberRangeFilter': {
      if (quirks && typeof raw === 'string' && filter.field === 'multi_gpu_efficiency') return false;
      const x = toNumber(raw);
      if (x === undefined) return false;
      if (filter.filter === 'NumberMatchFilter') return x === toNumber(d.value);
      return inRange(x, d as Bounds, toNumber);
    }
    case 'ResourceMatchSelector':
    case 'ResourceRangeSelector': {
      const x = toQuantity(raw);
      if (x === undefined) return false;
      if (filter.filter === 'ResourceMatchSelector') return x === toQuantity(d.value);
      return inRange(x, d as Bounds, toQuantity);
    }
    default:
      return false;
  }
}

type ResourceFilter = NonNullable<SolverFilters['cpuFilter']>;

function matchResourceFilter(f: ResourceFilter | undefined, value: unknown): boolean {
  if (!f) return true;
  const x = toQuantity(value);
  if (x === undefined) return false;
  const d = f.data ?? {};
  if (f.name === 'Match') return d.value !== undefined && x === toQuantity(d.value);
  if (f.name === 'Range') {
    if (rangeProblem('Range', 'resource', d, toQuantity) !== undefined) return false;
    return inRange(x, d, toQuantity);
  }
  return false;
}

/**
 * Does a Flavor satisfy a Solver's K8SliceSelector filters? cpu/memory/pods/storage filters are
 * checked against `typeData.characteristics`; unknown keys such as the seeds' `locationFilter`
 * are ignored, as FLUIDOS ignores them.
 */
export function matchSolverFilters(filters: SolverFilters | undefined, flavor: KubeObject, opts: FilterOptions = {}): boolean {
  if (!filters) return true;
  const ch = flavor.spec?.flavorType?.typeData?.characteristics ?? {};
  const arch = filters.architectureFilter;
  if (arch) {
    const v = ch.architecture;
    if (typeof v !== 'string') return false;
    if (arch.name === 'Match' && v !== arch.data?.value) return false;
    if (arch.name === 'Range') {
      try {
        if (typeof arch.data?.regex !== 'string' || !new RegExp(arch.data.regex).test(v)) return false;
      } catch {
        return false;
      }
    }
  }
  if (!matchResourceFilter(filters.cpuFilter, ch.cpu)) return false;
  if (!matchResourceFilter(filters.memoryFilter, ch.memory)) return false;
  if (!matchResourceFilter(filters.podsFilter, ch.pods)) return false;
  if (!matchResourceFilter(filters.storageFilter, ch.storage)) return false;
  const gpu = flavorGpu(flavor);
  for (const f of filters.gpuFilters ?? []) {
    if (!matchGpuFilter(f, gpu, opts)) return false;
  }
  return true;
}

/** Every problem of a Solver's filters (malformed gpuFilters, bound-less ranges). */
export function solverFilterProblems(filters: SolverFilters | undefined): string[] {
  const out: string[] = [];
  if (!filters) return out;
  for (const key of ['cpuFilter', 'memoryFilter', 'podsFilter', 'storageFilter'] as const) {
    const f = filters[key];
    if (!f) continue;
    if (f.name === 'Range') {
      const p = rangeProblem('Range', key, f.data, toQuantity);
      if (p) out.push(p);
    } else if (f.name === 'Match') {
      if (f.data?.value === undefined) out.push(`${key} Match needs data.value`);
    } else out.push(`${key}: unknown selector ${String(f.name)}`);
  }
  const gf = filters.gpuFilters;
  if (gf !== undefined && !Array.isArray(gf)) out.push('gpuFilters must be a list');
  else for (const f of gf ?? []) {
    const p = gpuFilterProblem(f);
    if (p) out.push(p);
  }
  return out;
}
