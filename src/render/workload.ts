import type { Intent, Workload } from '../intent/model.js';
import { parseQuantity } from '../util/quantity.js';

/**
 * How the partition reserved for one placement is shared by the pods that run on it.
 *
 * Rule (the lead folds it into the docs): `workload.resources` (cpu, memory, gpu.count) describe the
 * partition of ONE placement — what the Solver filters on and the Reservation buys. The pods that
 * run at the same time on that placement split it evenly:
 * - service: the placement's replicas = ceil(replicas / planned placements);
 * - batch: each task gets max(1, floor(count / parallel_tasks)) GPUs and as many tasks run at once
 *   as the GPUs allow (parallelism = min(parallel_tasks, count / per-task GPUs)); completions =
 *   parallel_tasks for completion_policy All, unset for Any (Kubernetes' work-queue semantics: the
 *   Job completes when any pod succeeds).
 * A service with more replicas than GPUs still gets one GPU per pod: `overcommitted` is then true
 * and the renderer warns.
 */
export interface PodShape {
  /** Deployment replicas (service) or Job parallelism (batch). */
  concurrent: number;
  gpusPerPod: number;
  cpu?: string;
  memory?: string;
  completions?: number;
  overcommitted: boolean;
}

export function plannedPlacements(intent: Intent): number {
  const regions = intent.spec.constraints.regions;
  return regions && regions.length > 0 ? regions.length : 1;
}

export function podShape(intent: Intent, workload: Workload): PodShape {
  const count = intent.spec.resources.gpu.count;
  let concurrent: number;
  let gpusPerPod: number;
  let completions: number | undefined;
  if (workload.type === 'batch') {
    const tasks = workload.batch?.parallel_tasks ?? 1;
    gpusPerPod = Math.max(1, Math.floor(count / tasks));
    concurrent = Math.min(tasks, Math.max(1, Math.floor(count / gpusPerPod)));
    completions = (workload.batch?.completion_policy ?? 'All') === 'All' ? tasks : undefined;
  } else {
    concurrent = Math.max(1, Math.ceil(workload.replicas / plannedPlacements(intent)));
    gpusPerPod = Math.max(1, Math.floor(count / concurrent));
  }
  const shape: PodShape = { concurrent, gpusPerPod, overcommitted: concurrent * gpusPerPod > count };
  if (completions !== undefined) shape.completions = completions;
  const cpu = divideCpu(intent.spec.resources.cpu, concurrent);
  if (cpu !== undefined) shape.cpu = cpu;
  const memory = divideMemory(intent.spec.resources.memory, concurrent);
  if (memory !== undefined) shape.memory = memory;
  return shape;
}

/** CPU share as written when undivided, else whole cores or millicores (rounded down). */
export function divideCpu(cpu: string | undefined, n: number): string | undefined {
  if (cpu === undefined || n <= 1) return cpu;
  const v = parseQuantity(cpu);
  if (v === undefined) return cpu;
  const milli = Math.floor((v * 1000) / n);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Memory share as written when undivided, else the largest exact binary unit (rounded down to Mi). */
export function divideMemory(memory: string | undefined, n: number): string | undefined {
  if (memory === undefined || n <= 1) return memory;
  const v = parseQuantity(memory);
  if (v === undefined) return memory;
  const mi = Math.floor(v / n / 2 ** 20);
  if (mi % 1024 === 0 && mi > 0) return `${mi / 1024}Gi`;
  return `${mi}Mi`;
}
