import type { Intent, Workload } from '../intent/model.js';
import { placementGpus } from '../intent/budget.js';
import { parseQuantity } from '../util/quantity.js';

/**
 * How the pods of one placement use the partition reserved for it (see `placementGpus` in
 * src/intent/budget.ts for how big that partition is).
 * - service: `gpu.count` is per replica, as Kubernetes resources are: each pod gets count GPUs,
 *   the placement's replicas = ceil(replicas / planned placements), and the placement reserves
 *   count × its replicas (the autoscaler's upper bound when it may scale);
 * - batch: the Job's tasks share the placement's count GPUs: each task gets
 *   max(1, floor(count / parallel_tasks)) GPUs and as many run at once as the GPUs allow
 *   (parallelism = min(parallel_tasks, count / per-task GPUs)); completions = parallel_tasks for
 *   completion_policy All, unset for Any (Kubernetes' work-queue semantics).
 * cpu and memory describe the partition of one placement and are split evenly between its pods.
 */
interface PodShape {
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
    gpusPerPod = count;
  }
  const shape: PodShape = { concurrent, gpusPerPod, overcommitted: concurrent * gpusPerPod > placementGpus(intent) };
  if (completions !== undefined) shape.completions = completions;
  const cpu = divideCpu(intent.spec.resources.cpu, concurrent);
  if (cpu !== undefined) shape.cpu = cpu;
  const memory = divideMemory(intent.spec.resources.memory, concurrent);
  if (memory !== undefined) shape.memory = memory;
  return shape;
}

/** CPU share as written when undivided, else whole cores or millicores (rounded down). */
function divideCpu(cpu: string | undefined, n: number): string | undefined {
  if (cpu === undefined || n <= 1) return cpu;
  const v = parseQuantity(cpu);
  if (v === undefined) return cpu;
  const milli = Math.floor((v * 1000) / n);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Memory share as written when undivided, else the largest exact binary unit (rounded down to Mi). */
function divideMemory(memory: string | undefined, n: number): string | undefined {
  if (memory === undefined || n <= 1) return memory;
  const v = parseQuantity(memory);
  if (v === undefined) return memory;
  const mi = Math.floor(v / n / 2 ** 20);
  if (mi % 1024 === 0 && mi > 0) return `${mi / 1024}Gi`;
  return `${mi}Mi`;
}
