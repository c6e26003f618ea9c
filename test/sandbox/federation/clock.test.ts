import { afterEach, describe, expect, it } from 'vitest';
import { ObjectStore } from '../../../src/sandbox/api/store.js';
import { FederationSimulator } from '../../../src/sandbox/federation/simulator.js';
import { defaultFederation } from '../../../src/sandbox/federation/default.js';
import { startSandbox, type SandboxHandle } from '../../../src/sandbox/index.js';
import { getObj, solved, solver, waitFor } from './helpers.js';
import { sandboxFetch } from '../../support/sandbox-fetch.js';

// a time no wall clock shows while this suite runs: any stamp from Date.now() stands out
const T = '2031-02-03T04:05:06Z';
const T_PLUS_DAY = '2031-02-04T04:05:06Z';
const clock = (): Date => new Date(T);

/** Every RFC 3339 timestamp anywhere in the store's objects, with where it is. */
function timestamps(store: ObjectStore): { where: string; value: string }[] {
  const out: { where: string; value: string }[] = [];
  const walk = (v: unknown, where: string): void => {
    if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(v)) out.push({ where, value: v });
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
  };
  for (const k of store.kinds.all) {
    for (const o of store.list(k.apiVersion, k.kind).items) walk(o, `${k.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
  }
  return out;
}

describe("the sandbox's clock", () => {
  let sim: FederationSimulator | undefined;
  let sb: SandboxHandle | undefined;
  afterEach(async () => {
    sim?.close();
    await sb?.close();
    sim = undefined;
    sb = undefined;
  });

  it('stamps every object, status and expiration the simulator writes from the injected clock', async () => {
    const store = new ObjectStore({ clock });
    sim = new FederationSimulator(store, defaultFederation(), { stepDelayMs: 1 });
    sim.start();
    const a100 = { gpuFilters: [{ field: 'model' as const, filter: 'StringFilter' as const, data: { value: 'nvidia-a100' } }] };
    store.create(solver('clocked', a100, { reserveAndBuy: true, establishPeering: true }));
    expect((await solved(store, 'clocked')).status.solverPhase.phase).toBe('Solved');
    // a workload on the virtual node: pod and Deployment conditions are stamped too
    const alloc = getObj(store, 'nodecore.fluidos.eu/v1alpha1', 'Allocation', 'allocation-clocked', 'fluidos')!;
    const remote = getObj(store, 'v1', 'Node', alloc.status.resourceRef.name)!.metadata.labels!['liqo.io/remote-cluster-id']!;
    store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } });
    store.create({
      apiVersion: 'offloading.liqo.io/v1beta1',
      kind: 'NamespaceOffloading',
      metadata: { name: 'offloading', namespace: 'app' },
      spec: { namespaceMappingStrategy: 'EnforceSameName', podOffloadingStrategy: 'Remote', clusterSelector: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'liqo.io/remote-cluster-id', operator: 'In', values: [remote] }] }] } },
    });
    store.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'svc', namespace: 'app' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'svc' } }, template: { metadata: { labels: { app: 'svc' } }, spec: { containers: [{ name: 'main', image: 'busybox', resources: { limits: { 'nvidia.com/gpu': '1' } } }] } } },
    });
    await waitFor(() => getObj(store, 'apps/v1', 'Deployment', 'svc', 'app')?.status?.readyReplicas === 1, 'Deployment ready');

    const stamps = timestamps(store);
    // the walk saw the simulator's own stamps, not only creationTimestamps
    expect(stamps.some((s) => /expirationTime$/.test(s.where))).toBe(true);
    expect(stamps.some((s) => /Deployment\/.*lastTransitionTime$/.test(s.where))).toBe(true);
    expect(stamps.some((s) => /Allocation\/.*lastUpdateTime$/.test(s.where))).toBe(true);
    for (const s of stamps) {
      if (/expirationTime$/.test(s.where)) expect(s, s.where).toEqual({ where: s.where, value: T_PLUS_DAY });
      else expect(s, s.where).toEqual({ where: s.where, value: T });
    }
  });

  it('startSandbox passes its clock to the store, the simulator and the API server tables', async () => {
    let now = Date.parse(T);
    sb = await startSandbox({ clock: () => new Date(now), stepDelayMs: 1 });
    await waitFor(() => sb!.store.list('nodecore.fluidos.eu/v1alpha1', 'Flavor').items.length > 0, 'Flavors');
    const f = sb.store.list('nodecore.fluidos.eu/v1alpha1', 'Flavor').items[0]!;
    expect(f.metadata.creationTimestamp).toBe(T);
    expect(sb.simulator.now()).toBe(T);
    // three simulated hours later, as kubectl get shows it: the AGE column is the sandbox's time too
    now += 3 * 3600 * 1000;
    const res = await sandboxFetch(`${sb.url}/apis/nodecore.fluidos.eu/v1alpha1/namespaces/fluidos/flavors/${f.metadata.name}`, {
      token: sb.token,
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    });
    const table = (await res.json()) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    const age = table.columnDefinitions.findIndex((c) => c.name === 'Age');
    expect(table.rows[0]!.cells[age]).toBe('3h');
  });
});
