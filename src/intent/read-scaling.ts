// workload.scaling and workload.batch: replicas, autoscaling, and a batch job's tasks and retries.
import type { Batch, Scaling } from './model.js';
import type { DocReader, Val } from '../doc/yaml-reader.js';
import { BATCH_FIELDS, COMPLETION_POLICIES, SCALING_FIELDS } from './fields.js';

export function readScaling(r: DocReader, v: Val | undefined): Scaling | undefined {
  const s: Scaling = { min_replicas: 1, max_replicas: 10, auto_scale: false, target_cpu_percent: 70, target_gpu_percent: 80 };
  if (!v) return s;
  const f = r.map(v, SCALING_FIELDS);
  if (!f) return undefined;
  let ok = true;
  const minV = r.opt(f, 'min_replicas');
  const maxV = r.opt(f, 'max_replicas');
  if (minV) {
    const n = r.int(minV, { min: 1, max: 1000 });
    if (n === undefined) ok = false;
    else s.min_replicas = n;
  }
  if (maxV) {
    const n = r.int(maxV, { min: 1, max: 1000 });
    if (n === undefined) ok = false;
    else s.max_replicas = n;
  } else s.max_replicas = Math.max(s.max_replicas, s.min_replicas);
  if (ok && s.min_replicas > s.max_replicas) {
    r.error(maxV!, 'min-greater-than-max', `max_replicas ${s.max_replicas} is less than min_replicas ${s.min_replicas}`);
    ok = false;
  }
  const a = r.opt(f, 'auto_scale');
  if (a) {
    const b = r.bool(a);
    if (b === undefined) ok = false;
    else s.auto_scale = b;
  }
  for (const k of ['target_cpu_percent', 'target_gpu_percent'] as const) {
    const tv = r.opt(f, k);
    if (!tv) continue;
    const n = r.int(tv, { min: 1, max: 100 });
    if (n === undefined) ok = false;
    else s[k] = n;
  }
  return ok ? s : undefined;
}

export function readBatch(r: DocReader, v: Val | undefined): Batch | undefined {
  const b: Batch = { parallel_tasks: 1, max_retries: 3, completion_policy: 'All' };
  if (!v) return b;
  const f = r.map(v, BATCH_FIELDS);
  if (!f) return undefined;
  let ok = true;
  const pt = r.opt(f, 'parallel_tasks');
  if (pt) {
    const n = r.int(pt, { min: 1, max: 100_000 });
    if (n === undefined) ok = false;
    else b.parallel_tasks = n;
  }
  const mr = r.opt(f, 'max_retries');
  if (mr) {
    const n = r.int(mr, { min: 0, max: 1000 });
    if (n === undefined) ok = false;
    else b.max_retries = n;
  }
  const to = r.opt(f, 'timeout');
  if (to) {
    const n = r.duration(to);
    if (n === undefined) ok = false;
    else if (n <= 0) {
      r.error(to, 'out-of-range', 'the timeout must be longer than 0');
      ok = false;
    } else b.timeout = n;
  }
  const cp = r.opt(f, 'completion_policy');
  if (cp) {
    const p = r.enumOf(cp, COMPLETION_POLICIES, { caseInsensitive: true });
    if (p === undefined) ok = false;
    else b.completion_policy = p;
  }
  return ok ? b : undefined;
}
