import type { FlareConfig } from '../config/model.js';
import type { Intent } from './model.js';

/**
 * The hourly cap for the whole workload: `max_hourly_cost`, and `max_total_cost` divided by the
 * expected runtime (the batch timeout, else flare.yaml `default_runtime`). Rendering never reads
 * the clock, so this is a pure function of the files.
 */
export function hourlyBudget(intent: Intent, config: FlareConfig): number | undefined {
  const c = intent.spec.constraints;
  const caps: number[] = [];
  if (c.max_hourly_cost !== undefined) caps.push(c.max_hourly_cost);
  if (c.max_total_cost !== undefined) {
    const runtimeSeconds = intent.spec.workload?.batch?.timeout ?? config.default_runtime_seconds;
    caps.push(c.max_total_cost / (runtimeSeconds / 3600));
  }
  return caps.length ? Math.min(...caps) : undefined;
}

/** One placement per `constraints.regions` entry, else one. */
export function placementCount(intent: Intent): number {
  return Math.max(1, intent.spec.constraints.regions?.length ?? 1);
}

/**
 * The hourly cap of one placement: a multi-region intent's budget is for the whole workload, so
 * its placements share it equally.
 */
function placementBudget(intent: Intent, config: FlareConfig): number | undefined {
  const b = hourlyBudget(intent, config);
  return b === undefined ? undefined : b / placementCount(intent);
}

/**
 * Pods one placement runs at most, each holding `gpu.count` GPUs. A service's replicas are spread
 * over its placements (ceil); when an autoscaler may scale, the upper bound (`max_replicas`) counts,
 * and the HPA of each placement is capped at it. A batch Job's tasks share the placement's GPUs (the
 * Job runs as many at once as fit), and a capacity-only intent holds its GPUs without pods: 1.
 */
export function replicasPerPlacement(intent: Intent): number {
  const w = intent.spec.workload;
  if (!w || w.type === 'batch') return 1;
  const total = w.scaling.auto_scale ? Math.max(w.replicas, w.scaling.max_replicas) : w.replicas;
  return Math.max(1, Math.ceil(total / placementCount(intent)));
}

/**
 * GPUs one placement reserves: `gpu.count` is per replica, as Kubernetes resources are, so a
 * placement holds count × the replicas it hosts. The one number the Solver's count filter, the
 * Reservation partition, the ranker's feasibility and cost, tenant quotas and `explain` all use.
 */
export function placementGpus(intent: Intent): number {
  return intent.spec.resources.gpu.count * replicasPerPlacement(intent);
}

/** Per-GPU hourly rate cap of a placement: its budget divided by the GPUs it reserves (the Flavor's rate is per GPU). */
export function perGpuRateCap(intent: Intent, config: FlareConfig): number | undefined {
  const b = placementBudget(intent, config);
  return b === undefined ? undefined : b / placementGpus(intent);
}

/**
 * GPUs an intent holds, for tenant quotas: the GPUs of one placement times the number of
 * placements (one per region of a multi-region intent, else one).
 */
export function gpuDemand(intent: Intent): number {
  return placementGpus(intent) * placementCount(intent);
}
