// workload.resources.gpu: per-GPU requirements.
import type { GpuRequest } from './model.js';
import type { DocReader, Val } from '../doc/yaml-reader.js';
import { parseQuantity } from '../util/quantity.js';
import { ARCHITECTURES, GPU_ALIASES, GPU_FIELDS, GPU_VENDORS, INTERCONNECTS, TIERS, TOPOLOGIES } from './fields.js';
import { COMPUTE_CAPABILITY_RE, GPU_MODEL_RE } from '../doc/patterns.js';

/** Per-GPU requirements; `any` for a trait leaves it unset. */
export function readGpu(r: DocReader, v: Val | undefined): GpuRequest | undefined {
  const g: GpuRequest = { count: 1, shared: false, interruptible: false, multi_instance: false, dedicated: false };
  if (!v) return g;
  const f = r.map(v, GPU_FIELDS, GPU_ALIASES);
  if (!f) return undefined;
  let ok = true;
  const fail = () => {
    ok = false;
    return undefined;
  };
  const model = r.opt(f, 'model');
  if (model) {
    const s = r.str(model, { max: 64 });
    if (s === undefined) fail();
    else if (s.toLowerCase() === 'any') {
      /* any model */
    } else if (!GPU_MODEL_RE.test(s)) {
      const lower = s.toLowerCase().replace(/[\s_]+/g, '-');
      r.error(model, 'bad-format', `${JSON.stringify(s)} is not a GPU model name`, GPU_MODEL_RE.test(lower) ? `write it lowercase and vendor-prefixed: "${lower}"` : 'use a vendor-prefixed lowercase model such as "nvidia-a100" or "any"');
      fail();
    } else {
      if (!GPU_VENDORS.some((p) => s.startsWith(p + '-'))) {
        r.warn(model, 'unknown-vendor', `${JSON.stringify(s)} has no known vendor prefix (${GPU_VENDORS.join(', ')})`, 'models are written vendor-prefixed, e.g. "nvidia-a100", "amd-mi300x"');
      }
      g.model = s;
    }
  }
  const count = r.opt(f, 'count');
  if (count) {
    const n = r.int(count, { min: 1, max: 1024 });
    if (n === undefined) fail();
    else g.count = n;
  }
  for (const k of ['memory_min', 'memory_max'] as const) {
    const mv = r.opt(f, k);
    if (!mv) continue;
    const q = r.quantity(mv, '"40Gi"');
    if (q === undefined) fail();
    else g[k] = q;
  }
  if (g.memory_min && g.memory_max && parseQuantity(g.memory_min)! > parseQuantity(g.memory_max)!) {
    r.error(f.get('memory_max')!, 'min-greater-than-max', `memory_max ${g.memory_max} is less than memory_min ${g.memory_min}`);
    fail();
  }
  for (const k of ['cores_min', 'cores_max'] as const) {
    const cv = r.opt(f, k);
    if (!cv) continue;
    const n = r.int(cv, { min: 1 });
    if (n === undefined) fail();
    else g[k] = n;
  }
  if (g.cores_min !== undefined && g.cores_max !== undefined && g.cores_min > g.cores_max) {
    r.error(f.get('cores_max')!, 'min-greater-than-max', `cores_max ${g.cores_max} is less than cores_min ${g.cores_min}`);
    fail();
  }
  const clock = r.opt(f, 'clock_speed_min');
  if (clock) {
    const q = r.quantity(clock, '"1.5G" (GHz)');
    if (q === undefined) fail();
    else g.clock_speed_min = q;
  }
  const cc = r.opt(f, 'compute_capability');
  if (cc) {
    const s = r.str(cc, { coerce: true, pattern: COMPUTE_CAPABILITY_RE, patternName: 'a compute capability', hint: 'e.g. "8.0", "9.0" or "any"' });
    if (s === undefined) fail();
    else if (s !== 'any') g.compute_capability = s;
  }
  const traits: [('architecture' | 'tier' | 'interconnect' | 'topology'), readonly string[]][] = [
    ['architecture', ARCHITECTURES],
    ['tier', TIERS],
    ['interconnect', INTERCONNECTS],
    ['topology', TOPOLOGIES],
  ];
  for (const [k, values] of traits) {
    const tv = r.opt(f, k);
    if (!tv) continue;
    const s = r.enumOf(tv, values, { caseInsensitive: true });
    if (s === undefined) fail();
    else if (s !== 'any') g[k] = s;
  }
  for (const k of ['shared', 'interruptible', 'multi_instance', 'dedicated'] as const) {
    const bv = r.opt(f, k);
    if (!bv) continue;
    const b = r.bool(bv);
    if (b === undefined) fail();
    else g[k] = b;
  }
  const tf = r.opt(f, 'fp32_tflops');
  if (tf) {
    const n = r.num(tf, { min: 0 });
    if (n === undefined) fail();
    else g.fp32_tflops = n;
  }
  const eff = r.opt(f, 'multi_gpu_efficiency');
  if (eff) {
    const n = r.num(eff, { min: 0, max: 1 });
    if (n === undefined) fail();
    else g.multi_gpu_efficiency = n;
  }
  return ok ? g : undefined;
}
