import type { FlareConfig } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import type { IntentStatus } from '../status/model.js';
import { statusMatches } from '../intent/spec-hash.js';
import { dnsLabel } from '../k8s/names.js';

/*
 * NoMatch probe. When the Solver's own filters (price, latency, location, model…) leave no
 * PeeringCandidate, the consumer has nothing to explain the NoMatch with: FLUIDOS returns an
 * empty list and "No PeeringCandidates found". A real consumer cluster cannot read the
 * providers' Flavors (they live on the providers; REAR discovery is the only way in), so the
 * reconciler asks FLUIDOS again with a second Solver that carries none of the intent's filters
 * (all of them are relaxable) and only discovers: findCandidate true, reserveAndBuy and
 * establishPeering false, so it never reserves or buys anything. The ranker then says, for every
 * offer the probe saw, which constraint rejects it, and computes relaxations from them.
 *
 * The probe is rendered (stage A) while the intent's status is NoMatch for the placements with
 * no choice, so Argo CD mode applies it too, and it is pruned as soon as the intent leaves NoMatch.
 */

/** `probe-` never starts an intent's own Solver name (`flare-<id>`), so the two cannot collide. */
export function probeSolverName(solver: string): string {
  return dnsLabel(['probe', solver]);
}

/** The Solver contexts (as stages.ts builds them) of the probes an intent's status asks for. */
export function probeSolvers(intent: Intent, config: FlareConfig, status: IntentStatus | undefined): Record<string, unknown>[] {
  if (!status || status.phase !== 'NoMatch' || !statusMatches(status, intent, config)) return [];
  return status.placements
    .filter((p) => !p.chosen && p.solver)
    .map((p) => ({
      name: probeSolverName(p.solver),
      namespace: config.namespaces.fluidos,
      intentID: intent.id,
      findCandidate: true,
      reserveAndBuy: false,
      establishPeering: false,
      flavorType: 'K8Slice',
      filters: {},
    }));
}
