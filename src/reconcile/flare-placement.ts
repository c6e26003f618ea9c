// flare selection: FLARE ranks the candidates itself, then follows its own Reservation → Contract
// → Allocation → virtual node.
import type { KubeObject } from '../k8s/object.js';
import type { Decision, RankInput } from '../select/types.js';
import type { Placement } from '../status/model.js';
import { allocationName, reservationName } from '../k8s/names.js';
import { probeSolverName } from '../render/probe.js';
import { placementGpus } from '../intent/budget.js';
import { noMatchSummary } from './nomatch.js';
import { addUnique, ALLOCATION_LOST, type Ctx, describeChoice, dropChoice, loc, nodeReady, type PlacementState, reservationPhase, round4, solverDiscoveryDone, solverMessage } from './advance-context.js';

/** The candidate as it will be once the GPUs claimed on it are taken. */
function lessClaimed(pc: KubeObject, claimed: number): KubeObject {
  const gpu = pc.spec?.flavor?.spec?.flavorType?.typeData?.characteristics?.gpu;
  const count = Number(gpu?.count);
  if (!gpu || !Number.isFinite(count)) return pc;
  const left = Math.max(0, count - claimed);
  // copies only the path to the count: a candidate carries every interested Solver id, and a
  // deep copy of it per intent and cycle was most of the ranking time at 1,000 intents
  const spec = pc.spec;
  const flavor = spec.flavor;
  const typeData = flavor.spec.flavorType.typeData;
  const copy: KubeObject = {
    ...pc,
    spec: {
      ...spec,
      flavor: {
        ...flavor,
        spec: {
          ...flavor.spec,
          flavorType: {
            ...flavor.spec.flavorType,
            typeData: { ...typeData, characteristics: { ...typeData.characteristics, gpu: { ...gpu, count: left } } },
          },
        },
      },
    },
  };
  if (left === 0) copy.spec.available = false;
  return copy;
}

export function rankPlacement(ctx: Ctx, p: Placement, candidates: KubeObject[]): Decision {
  const { args } = ctx;
  const claims = args.claims;
  const seen = claims && claims.size > 0 ? candidates.map((c) => (claims.get(c.metadata.name) ? lessClaimed(c, claims.get(c.metadata.name)!) : c)) : candidates;
  const input: RankInput = { intent: args.intent, config: args.config, candidates: seen };
  if (args.tenant) input.tenant = args.tenant;
  if (p.location !== undefined) input.location = p.location;
  if (p.blocked?.length) input.blocked = p.blocked;
  if (p.excluded_providers?.length) input.excludedProviders = p.excluded_providers;
  // the tenant's other intents, plus this intent's other placements (multi-region)
  let gpus = ctx.usage.gpus;
  let hourly = ctx.usage.hourly_cost;
  for (const q of ctx.status.placements) {
    if (q === p || !q.chosen) continue;
    gpus += placementGpus(args.intent);
    hourly += q.chosen.hourly_cost;
  }
  input.tenantUsage = { gpus, hourly_cost: round4(hourly) };
  return args.rank(input);
}

function setList<K extends 'runners_up' | 'rejected'>(p: Placement, key: K, v: Placement[K]): void {
  if (v && v.length > 0) p[key] = v;
  else delete p[key];
}

/** flare selection: rank, then follow our own Reservation → Contract → Allocation → virtual node. */
export function advanceFlare(ctx: Ctx, p: Placement): PlacementState {
  const { intent, observed: obs, config } = ctx.args;
  const solver = obs.solvers.get(p.solver);
  const candidates = obs.candidatesBySolver.get(p.solver) ?? [];

  if (p.chosen) {
    const resName = reservationName(intent.id, p.attempt, p.location);
    const res = obs.reservations.get(resName);
    if (res) {
      const phase = reservationPhase(res);
      const r: Placement['reservation'] = { name: resName };
      if (phase) r.phase = phase;
      p.reservation = r;
      if (phase === 'Failed' && !p.contract) {
        const why = res.status?.phase?.message ? `: ${res.status.phase.message}` : '';
        ctx.events.push(
          `reservation ${resName} refused by ${p.chosen.provider}${why}; blocking candidate ${p.chosen.candidate}${loc(p)}, attempt ${p.attempt + 1}`,
        );
        p.blocked = addUnique(p.blocked, p.chosen.candidate);
        dropChoice(p);
      }
    }
  }

  if (p.chosen && !p.contract) {
    const res = obs.reservations.get(reservationName(intent.id, p.attempt, p.location));
    const contractName: unknown = res?.status?.contract?.name;
    const contract = typeof contractName === 'string' ? obs.contracts.get(contractName) : undefined;
    const liqo: unknown = contract?.spec?.peeringTargetCredentials?.liqoID;
    if (contract && typeof liqo === 'string' && liqo) {
      p.contract = { name: contract.metadata.name, liqo_id: liqo };
      ctx.events.push(`contract ${contract.metadata.name} signed with ${p.chosen.provider}${loc(p)} (remote cluster ${liqo})`);
    }
  }

  if (p.chosen && p.contract) {
    const failure = followAllocation(ctx, p, allocationName(intent.id, p.attempt, p.location));
    if (failure) {
      const provider = p.chosen.provider;
      ctx.events.push(`provider ${provider} failed${loc(p)}: ${failure}; failing over without it (attempt ${p.attempt + 1})`);
      p.excluded_providers = addUnique(p.excluded_providers, provider);
      dropChoice(p);
    }
  }

  if (p.chosen) {
    if (p.remote_cluster_id) return 'ready';
    return p.contract ? 'allocating' : 'reserving';
  }

  // No choice yet (or it was just dropped): rank what discovery found.
  if (!solver) return 'pending';
  // rank the complete result: candidates of a running discovery may still be arriving
  if (!solverDiscoveryDone(solver)) return 'discovering';
  const d = rankPlacement(ctx, p, candidates);
  setList(p, 'runners_up', d.runners_up);
  setList(p, 'rejected', d.rejected);
  if (d.chosen) {
    delete p.nomatch;
    p.chosen = d.chosen;
    ctx.events.push(`chose ${describeChoice(d.chosen, config.currency)}${loc(p)}, attempt ${p.attempt}`);
    return 'reserving';
  }
  return explainNoMatch(ctx, p, candidates, solver);
}

/**
 * NoMatch: explain it from what the probe Solver (no filters, discovery only) saw, plus what the
 * placement's own Solver saw. Until the probe has answered, the placement keeps the explanation
 * it had (a retried probe re-discovers) or records only the Solver's message.
 */
export function explainNoMatch(ctx: Ctx, p: Placement, candidates: KubeObject[], solver: KubeObject | undefined): PlacementState {
  const obs = ctx.args.observed;
  const probeName = probeSolverName(p.solver);
  const probe = obs.solvers.get(probeName);
  const solverMsg = solverMessage(solver);
  if (!probe || !solverDiscoveryDone(probe)) {
    ctx.probing = true;
    if (p.nomatch?.summary) {
      ctx.keepSuggestions = true;
      if (solverMsg) p.nomatch.solver_message = solverMsg;
      return 'nomatch';
    }
    const d = rankPlacement(ctx, p, candidates);
    setList(p, 'rejected', d.rejected);
    ctx.suggestions.push(...d.suggestions);
    if (solverMsg) p.nomatch = { solver_message: solverMsg };
    else delete p.nomatch;
    return 'nomatch';
  }
  const seen = new Map<string, KubeObject>();
  for (const c of candidates) seen.set(c.metadata.name, c);
  for (const c of obs.candidatesBySolver.get(probeName) ?? []) if (!seen.has(c.metadata.name)) seen.set(c.metadata.name, c);
  const all = [...seen.values()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const d = rankPlacement(ctx, p, all);
  setList(p, 'rejected', d.rejected);
  ctx.suggestions.push(...d.suggestions);
  const summary = noMatchSummary(all.length, d.rejected);
  p.nomatch = solverMsg ? { summary, solver_message: solverMsg } : { summary };
  return 'nomatch';
}

/**
 * Allocation and virtual node of a placement with a contract. Returns why the provider failed
 * (failover), or undefined.
 */
export function followAllocation(ctx: Ctx, p: Placement, allocName: string | undefined): string | undefined {
  const { observed: obs, config, now } = ctx.args;
  const contract = p.contract!;
  if (!obs.contracts.has(contract.name)) {
    if (p.remote_cluster_id || p.allocation?.status) return `contract ${contract.name} is gone`;
  }
  let alloc = allocName ? obs.allocations.get(allocName) : undefined;
  if (!alloc) alloc = (obs.allocationsByContract.get(contract.name) ?? [])[0];
  if (alloc) {
    const st: unknown = alloc.status?.status;
    const a: Placement['allocation'] = { name: alloc.metadata.name };
    if (typeof st === 'string' && st) a.status = st;
    p.allocation = a;
    if (typeof st === 'string' && ALLOCATION_LOST.has(st)) {
      const msg = alloc.status?.message ? ` (${alloc.status.message})` : '';
      return `allocation ${alloc.metadata.name} is ${st}${msg}`;
    }
  }
  // several contracts with one provider give several virtual nodes: prefer the allocation's own
  const own: unknown = alloc?.status?.resourceRef?.name;
  const ownNode = typeof own === 'string' ? obs.nodesByName.get(own) : undefined;
  const nodes = ownNode ? [ownNode] : typeof own === 'string' ? [] : obs.virtualNodes.get(contract.liqo_id) ?? [];
  const ready = nodes.find(nodeReady);
  if (!p.remote_cluster_id) {
    if (p.allocation?.status === 'Active' && ready) {
      p.remote_cluster_id = contract.liqo_id;
      p.virtual_node = { name: ready.metadata.name, ready: true };
      ctx.events.push(`virtual node ${ready.metadata.name} Ready${loc(p)}: remote cluster ${contract.liqo_id}`);
    }
    return undefined;
  }
  if (ready) {
    if (!p.virtual_node?.ready || p.virtual_node.name !== ready.metadata.name) {
      if (p.virtual_node && !p.virtual_node.ready) ctx.events.push(`virtual node ${ready.metadata.name} Ready again${loc(p)}`);
      p.virtual_node = { name: ready.metadata.name, ready: true };
    }
    return undefined;
  }
  const nodeName = nodes[0]?.metadata.name ?? p.virtual_node?.name ?? '';
  if (!p.virtual_node || p.virtual_node.ready || !p.virtual_node.not_ready_since) {
    p.virtual_node = { name: nodeName, ready: false, not_ready_since: ctx.nowIso };
    ctx.events.push(
      `virtual node ${nodeName || '(gone)'} of remote cluster ${contract.liqo_id} NotReady${loc(p)}; failover after ${config.reconciler.grace_period_seconds}s`,
    );
    // a zero grace period fails over at once
    if (config.reconciler.grace_period_seconds > 0) return undefined;
  }
  const since = Date.parse(p.virtual_node.not_ready_since ?? ctx.nowIso);
  const elapsed = (now.getTime() - since) / 1000;
  if (elapsed >= config.reconciler.grace_period_seconds) {
    return `virtual node ${nodeName || '(gone)'} NotReady for ${Math.round(elapsed)}s (grace ${config.reconciler.grace_period_seconds}s)`;
  }
  return undefined;
}
