import type { FlareConfig } from '../config/model.js';
import type { Intent } from './model.js';
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

/** The placements an intent needs: one per `constraints.regions` entry, else one. */
export function placementLocations(intent: Intent): (string | undefined)[] {
  const regions = intent.spec.constraints.regions;
  return regions && regions.length > 0 ? [...regions] : [undefined];
}
