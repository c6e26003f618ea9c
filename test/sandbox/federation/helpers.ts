import { ObjectStore } from '../../../src/sandbox/api/store.js';
import { FederationSimulator, type SimulatorOptions } from '../../../src/sandbox/federation/simulator.js';
import { defaultFederation } from '../../../src/sandbox/federation/default.js';
import type { Federation } from '../../../src/sandbox/federation/model.js';
import type { KubeObject } from '../../../src/k8s/object.js';
import type { SolverFilters } from '../../../src/fluidos/types.js';

export interface Sim {
  store: ObjectStore;
  sim: FederationSimulator;
  errors: unknown[];
  close(): void;
}

export function startSim(federation: Federation = defaultFederation(), opts: SimulatorOptions = {}): Sim {
  const store = new ObjectStore();
  const errors: unknown[] = [];
  const sim = new FederationSimulator(store, federation, { stepDelayMs: 1, jobDurationMs: 50, onError: (_k, e) => errors.push(e), ...opts });
  sim.start();
  return { store, sim, errors, close: () => sim.close() };
}

/** Polls until `fn` returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(fn: () => T | undefined | null | false, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function solver(name: string, filters: SolverFilters, flags: { reserveAndBuy?: boolean; establishPeering?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'nodecore.fluidos.eu/v1alpha1',
    kind: 'Solver',
    metadata: { name, namespace: 'fluidos' },
    spec: {
      intentID: name,
      findCandidate: true,
      reserveAndBuy: flags.reserveAndBuy ?? false,
      establishPeering: flags.establishPeering ?? false,
      selector: { flavorType: 'K8Slice', filters },
    },
  };
}

export function getObj(store: ObjectStore, apiVersion: string, kind: string, name: string, namespace?: string): KubeObject | undefined {
  return store.get(namespace ? { apiVersion, kind, name, namespace } : { apiVersion, kind, name });
}

export async function solved(store: ObjectStore, name: string): Promise<KubeObject> {
  return waitFor(() => {
    const s = getObj(store, 'nodecore.fluidos.eu/v1alpha1', 'Solver', name, 'fluidos');
    const p = s?.status?.solverPhase?.phase;
    return p === 'Solved' || p === 'Failed' ? s : undefined;
  }, `Solver ${name} to finish`);
}

export function candidatesOf(store: ObjectStore, solverName: string): string[] {
  return store
    .list('advertisement.fluidos.eu/v1alpha1', 'PeeringCandidate', { namespace: 'fluidos' })
    .items.filter((pc) => (pc.spec?.interestedSolverIDs ?? []).includes(solverName))
    .map((pc) => pc.metadata.name)
    .sort();
}
