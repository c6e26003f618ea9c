import type { FlareConfig } from '../config/model.js';
import type { Intent, IntentSpec } from './model.js';
import { canonicalize } from '../k8s/serialize.js';
import { shortHash } from '../util/hash.js';

/**
 * Fingerprint of what the intent asks for: the normalized spec plus the effective selection
 * mode (a flare.yaml `selection` change restarts placement as much as a spec edit does).
 */
export function specHash(intent: Intent, config: FlareConfig): string {
  const selection = intent.spec.selection ?? config.selection;
  return shortHash(JSON.stringify(canonicalize({ spec: intent.spec, selection })), 16);
}

/**
 * The part of the spec a placement depends on: GPUs and resources, constraints, objective,
 * selection, and the workload's shape (type, replicas, scaling, batch tasks, strategy), which
 * sets how many GPUs are reserved. Image, commands, env, ports, volumes, secrets, the workload's
 * name and the SLA are left out: changing them rolls the workload in place on the same
 * allocation instead of placing the intent again.
 */
function placementSpec(spec: IntentSpec): Record<string, unknown> {
  const w = spec.workload;
  const out: Record<string, unknown> = { objective: spec.objective, resources: spec.resources, constraints: spec.constraints };
  if (w) {
    out.workload = {
      type: w.type,
      replicas: w.replicas,
      scaling: w.scaling,
      batch: w.batch,
      deployment_strategy: w.deployment_strategy,
      communication_pattern: w.communication_pattern,
    };
  }
  return out;
}

export function placementHash(intent: Intent, config: FlareConfig): string {
  const selection = intent.spec.selection ?? config.selection;
  return shortHash(JSON.stringify(canonicalize({ placement: placementSpec(intent.spec), selection })), 16);
}

/**
 * Whether a status still answers this intent's placement. A status that records its placement
 * hash answers every version with that hash (workload-only edits included); an older status
 * without one answers only the exact spec it was written for.
 */
export function statusMatches(status: { spec_hash: string; placement_hash?: string }, intent: Intent, config: FlareConfig): boolean {
  return status.placement_hash !== undefined ? status.placement_hash === placementHash(intent, config) : status.spec_hash === specHash(intent, config);
}

/** The placements an intent needs: one per `constraints.regions` entry, else one. */
export function placementLocations(intent: Intent): (string | undefined)[] {
  const regions = intent.spec.constraints.regions;
  return regions && regions.length > 0 ? [...regions] : [undefined];
}
