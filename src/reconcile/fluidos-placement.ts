// fluidos selection: FLUIDOS reserves, buys and peers by itself; the status records what it chose.
import type { Placement } from '../status/model.js';
import { chosenFromCandidate } from '../select/offer.js';
import { placementGpus } from '../intent/budget.js';
import { type Ctx, describeChoice, loc, type PlacementState, reservationPhase, solverDiscoveryDone, solverFailed } from './advance-context.js';
import { explainNoMatch, followAllocation } from './flare-placement.js';


/** fluidos selection: FLUIDOS reserves, buys and peers by itself; record what it chose. */
export function advanceFluidos(ctx: Ctx, p: Placement): PlacementState {
  const { intent, observed: obs, config } = ctx.args;
  const solver = obs.solvers.get(p.solver);
  const candidates = obs.candidatesBySolver.get(p.solver) ?? [];
  const reservations = (obs.reservationsBySolver.get(p.solver) ?? []).filter((r) => reservationPhase(r) !== 'Failed');
  const res = reservations[0];
  if (res) {
    const phase = reservationPhase(res);
    const r: Placement['reservation'] = { name: res.metadata.name };
    if (phase) r.phase = phase;
    p.reservation = r;
    const pcName: unknown = res.spec?.peeringCandidate?.name;
    const pc = typeof pcName === 'string' ? obs.candidates.get(pcName) : undefined;
    if (pc && p.chosen?.candidate !== pc.metadata.name) {
      p.chosen = chosenFromCandidate(pc, placementGpus(intent));
      ctx.events.push(`FLUIDOS reserved its first match: ${describeChoice(p.chosen, config.currency)}${loc(p)}`);
    }
    const contractName: unknown = res.status?.contract?.name;
    const contract = typeof contractName === 'string' ? obs.contracts.get(contractName) : undefined;
    const liqo: unknown = contract?.spec?.peeringTargetCredentials?.liqoID;
    if (contract && typeof liqo === 'string' && liqo && p.contract?.name !== contract.metadata.name) {
      p.contract = { name: contract.metadata.name, liqo_id: liqo };
      ctx.events.push(`contract ${contract.metadata.name} signed by FLUIDOS${loc(p)} (remote cluster ${liqo})`);
    }
  }
  if (p.contract) {
    const failure = followAllocation(ctx, p, undefined);
    if (failure) {
      ctx.events.push(`provider ${p.chosen?.provider ?? '?'} failed${loc(p)}: ${failure}; fluidos selection mode does not fail over`);
      return 'failed';
    }
    if (p.remote_cluster_id) return 'ready';
    return 'allocating';
  }
  if (res) return 'reserving';
  if (!solver) return 'pending';
  if (solverFailed(solver) || (solverDiscoveryDone(solver) && candidates.length === 0)) {
    // FLUIDOS gives up without requeue: explain with our own ranking of what it and the probe saw
    return explainNoMatch(ctx, p, candidates, solver);
  }
  return 'discovering';
}
