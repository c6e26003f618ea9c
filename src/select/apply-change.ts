import type { GpuRequest, Intent } from '../intent/model.js';
import { parseMoney } from '../doc/money.js';
import type { Suggestion } from './types.js';

/**
 * Applies a suggestion's `change {path, value}` to a normalized intent, interpreting the value
 * the way the intent parser would (money strings to amounts, `any` to "no constraint"). Paths are
 * the ones the ranker emits; anything else is refused rather than guessed. Returns a new intent;
 * the input is not modified.
 */
const GPU_PREFIXES = ['workload.resources.gpu.', 'requirements.gpu.'];
const RESOURCE_PREFIXES = ['workload.resources.', 'requirements.'];

const GPU_STRING_TRAITS = ['model', 'compute_capability', 'architecture', 'tier', 'interconnect', 'topology'] as const;
const GPU_QUANTITIES = ['memory_min', 'memory_max', 'clock_speed_min'] as const;
const GPU_NUMBERS = ['count', 'cores_min', 'cores_max', 'fp32_tflops', 'multi_gpu_efficiency'] as const;
const GPU_FLAGS = ['shared', 'interruptible', 'multi_instance', 'dedicated'] as const;

function includes<T extends string>(xs: readonly T[], x: string): x is T {
  return (xs as readonly string[]).includes(x);
}

function fail(path: string, why: string): never {
  throw new Error(`cannot apply change to ${path}: ${why}`);
}

function asNumber(path: string, v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n)) fail(path, `${JSON.stringify(v)} is not a number`);
  return n;
}

function asString(path: string, v: unknown): string {
  if (typeof v !== 'string') fail(path, `${JSON.stringify(v)} is not a string`);
  return v;
}

function asMoney(path: string, v: unknown): number {
  const m = parseMoney(v);
  if (!m) fail(path, `${JSON.stringify(v)} is not a money value`);
  return m.amount;
}

function setGpu(gpu: GpuRequest, field: string, value: unknown, path: string): GpuRequest {
  const next: GpuRequest = { ...gpu };
  if (includes(GPU_STRING_TRAITS, field)) {
    const s = asString(path, value).toLowerCase();
    if (s === 'any') delete next[field];
    else next[field] = s;
  } else if (includes(GPU_QUANTITIES, field)) {
    next[field] = asString(path, value);
  } else if (includes(GPU_NUMBERS, field)) {
    next[field] = asNumber(path, value);
  } else if (includes(GPU_FLAGS, field)) {
    if (typeof value !== 'boolean') fail(path, 'expected a boolean');
    next[field] = value;
  } else {
    fail(path, 'unknown GPU field');
  }
  return next;
}

export function applyChange(intent: Intent, change: Suggestion['change']): Intent {
  const { path, value } = change;
  const spec = { ...intent.spec, resources: { ...intent.spec.resources }, constraints: { ...intent.spec.constraints } };
  const gpuPrefix = GPU_PREFIXES.find((p) => path.startsWith(p));
  const resPrefix = RESOURCE_PREFIXES.find((p) => path.startsWith(p));
  if (gpuPrefix) {
    spec.resources.gpu = setGpu(spec.resources.gpu, path.slice(gpuPrefix.length), value, path);
  } else if (resPrefix && (path === `${resPrefix}cpu` || path === `${resPrefix}memory`)) {
    spec.resources[path.slice(resPrefix.length) as 'cpu' | 'memory'] = asString(path, value);
  } else if (path.startsWith('constraints.')) {
    const field = path.slice('constraints.'.length);
    const c = spec.constraints;
    switch (field) {
      case 'max_hourly_cost':
      case 'max_total_cost':
        c[field] = asMoney(path, value);
        break;
      case 'max_latency_ms':
        c.max_latency_ms = asNumber(path, value);
        break;
      case 'location':
      case 'availability_zone':
        c[field] = asString(path, value);
        break;
      case 'preemptible':
        if (typeof value !== 'boolean') fail(path, 'expected a boolean');
        c.preemptible = value;
        break;
      case 'providers':
      case 'regions':
        if (!Array.isArray(value) || !value.every((x) => typeof x === 'string')) fail(path, 'expected a list of strings');
        c[field] = [...(value as string[])];
        break;
      default:
        fail(path, 'unknown constraint');
    }
  } else {
    fail(path, 'not an intent field the ranker suggests');
  }
  return { ...intent, spec };
}

/** Applies every change of a suggestion (a two-constraint relaxation carries two). */
export function applySuggestion(intent: Intent, s: Pick<Suggestion, 'change' | 'changes'>): Intent {
  let out = intent;
  for (const c of s.changes ?? [s.change]) out = applyChange(out, c);
  return out;
}
