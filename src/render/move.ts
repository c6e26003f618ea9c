import type { FlareConfig } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import type { IntentStatus, Placement } from '../status/model.js';
import { statusMatches } from '../intent/spec-hash.js';

/*
 * Make-before-break, the renderer's side. While an intent moves to a new placement, the old one
 * (status.retiring) stays reserved and allocated and keeps the workload running; the workload is
 * pointed at the new placement once its virtual node is Ready, and rolls there pod by pod with
 * surge (the new node has room), so old pods go only once new ones are ready.
 */

type Remote = Placement & { remote_cluster_id: string };

/** Placements whose Reservation/Allocation are rendered: the current ones and those retiring. */
export function reservedPlacements(status: IntentStatus | undefined): Placement[] {
  return [...(status?.placements ?? []), ...(status?.retiring ?? [])];
}

/**
 * Stage D: the placements the workload runs on (the new ones once any is up, else the retiring
 * ones) and the clusters the namespace is offloaded to (both, so old pods keep running).
 */
export function stageD(status: IntentStatus | undefined): { workload: Remote[]; offload: Remote[] } {
  const isRemote = (p: Placement): p is Remote => !!p.remote_cluster_id;
  const current = (status?.placements ?? []).filter(isRemote);
  const retiring = (status?.retiring ?? []).filter(isRemote);
  return { workload: current.length ? current : retiring, offload: [...current, ...retiring] };
}

/** Reservation holds no spare GPU: in place, one pod at a time (≥ 1 ready with 2+ replicas). */
const IN_PLACE = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } };
/** Moving (or not decided yet): new pods first, old ones only once new ones are ready. */
const SURGE = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '100%', maxUnavailable: 0 } };

export function rolloutStrategy(intent: Intent, config: FlareConfig, status: IntentStatus | undefined): Record<string, unknown> {
  if (status && (status.retiring?.length || !statusMatches(status, intent, config))) return SURGE;
  return IN_PLACE;
}
