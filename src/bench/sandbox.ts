import { performance } from 'node:perf_hooks';
import type { KubeObject } from '../k8s/object.js';
import { startSandbox } from '../sandbox/index.js';

const MODELS = ['nvidia-a100', 'nvidia-h100', 'nvidia-rtx-4090', 'nvidia-rtx-4080', 'nvidia-t4', 'amd-mi300x'];

function solver(name: string, model: string, fluidos: boolean): KubeObject {
  return {
    apiVersion: 'nodecore.fluidos.eu/v1alpha1',
    kind: 'Solver',
    metadata: { name, namespace: 'fluidos' },
    spec: {
      intentID: name,
      findCandidate: true,
      reserveAndBuy: fluidos,
      establishPeering: fluidos,
      selector: {
        flavorType: 'K8Slice',
        filters: {
          cpuFilter: { name: 'Range', data: { min: '2' } },
          gpuFilters: [
            { field: 'model', filter: 'StringFilter', data: { value: model } },
            { field: 'count', filter: 'NumberRangeFilter', data: { min: 1 } },
          ],
        },
      },
    },
  };
}

async function settle(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

/** Simulated federation: start-up, discovery throughput (flare mode) and full FLUIDOS first-match flows. */
export async function benchSandbox(log: (line: string) => void): Promise<void> {
  let t = performance.now();
  const sb = await startSandbox({ stepDelayMs: 0 });
  log(`sandbox: start (API server + ${sb.federation.providers.length} providers, ${sb.store.list('nodecore.fluidos.eu/v1alpha1', 'Flavor').items.length} flavors) ${(performance.now() - t).toFixed(1)} ms`);
  try {
    const phase = (name: string) => sb.store.get({ apiVersion: 'nodecore.fluidos.eu/v1alpha1', kind: 'Solver', namespace: 'fluidos', name })?.status?.solverPhase?.phase;
    for (const n of [100, 500]) {
      const names = Array.from({ length: n }, (_, i) => `bench-flare-${n}-${i}`);
      const before = sb.simulator.stats().reconciles;
      t = performance.now();
      names.forEach((name, i) => sb.store.create(solver(name, MODELS[i % MODELS.length]!, false)));
      const ok = await settle(() => names.every((x) => phase(x) === 'Solved'), 120_000);
      const ms = performance.now() - t;
      log(`sandbox: ${n} Solvers discovered (flare mode, step 0 ms) ${ms.toFixed(0)} ms${ok ? '' : ' (TIMED OUT)'}, ${(ms / n).toFixed(2)} ms/solver, ${sb.simulator.stats().reconciles - before} reconciles`);
    }
    const n = 40;
    const names = Array.from({ length: n }, (_, i) => `bench-fluidos-${i}`);
    t = performance.now();
    names.forEach((name, i) => sb.store.create(solver(name, MODELS[i % MODELS.length]!, true)));
    const ok = await settle(() => names.every((x) => phase(x) === 'Solved' || phase(x) === 'Failed'), 120_000);
    const ms = performance.now() - t;
    const solved = names.filter((x) => phase(x) === 'Solved').length;
    const vnodes = sb.store.list('v1', 'Node', { labelSelector: 'liqo.io/type=virtual-node' }).items.length;
    log(`sandbox: ${n} fluidos-mode Solvers to Solved/Failed (discovery → reservation → contract → allocation → virtual node) ${ms.toFixed(0)} ms${ok ? '' : ' (TIMED OUT)'}; ${solved} solved, ${n - solved} failed (capacity), ${vnodes} virtual nodes`);
    const st = sb.stats();
    log(`sandbox: store ${st.store.objects} objects, ${st.store.mutations} mutations; simulator ${st.simulator.reconciles} reconciles, ${st.simulator.reconcileErrors} errors`);
  } finally {
    await sb.close();
  }
}
