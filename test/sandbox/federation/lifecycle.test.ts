import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/k8s/object.js';
import { candidatesOf, getObj, solved, solver, startSim, waitFor, type Sim } from './helpers.js';

const NODECORE = 'nodecore.fluidos.eu/v1alpha1';
const RES = 'reservation.fluidos.eu/v1alpha1';
const OFF = 'offloading.liqo.io/v1beta1';

const a100x1 = { gpuFilters: [{ field: 'model' as const, filter: 'StringFilter' as const, data: { value: 'nvidia-a100' } }, { field: 'count' as const, filter: 'NumberRangeFilter' as const, data: { min: 1 } }] };

function reservation(name: string, pcName: string, gpus: number, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: RES,
    kind: 'Reservation',
    metadata: { name, namespace: 'fluidos' },
    spec: {
      solverID: 'flare-test',
      buyer: { domain: 'consumer.fluidos.local', nodeID: 'flare-consumer', ip: '127.0.0.1' },
      seller: { domain: 'x', nodeID: 'x', ip: 'x' },
      peeringCandidate: { name: pcName, namespace: 'fluidos' },
      reserve: true,
      purchase: true,
      configuration: { type: 'K8Slice', data: { cpu: '8', memory: '32Gi', gpu: { model: 'nvidia-h100', count: gpus } } },
      ...extra,
    },
  };
}

function allocation(name: string, contract: string): KubeObject {
  return { apiVersion: NODECORE, kind: 'Allocation', metadata: { name, namespace: 'fluidos' }, spec: { contract: { name: contract, namespace: 'fluidos' }, forwarding: false } };
}

async function reservationDone(s: Sim, name: string): Promise<KubeObject> {
  return waitFor(() => {
    const r = getObj(s.store, RES, 'Reservation', name, 'fluidos');
    const p = r?.status?.phase?.phase;
    return p === 'Solved' || p === 'Failed' ? r : undefined;
  }, `Reservation ${name}`);
}

async function activeAllocation(s: Sim, name: string): Promise<KubeObject> {
  return waitFor(() => {
    const a = getObj(s.store, NODECORE, 'Allocation', name, 'fluidos');
    return a?.status?.status === 'Active' ? a : undefined;
  }, `Allocation ${name} Active`);
}

/** Discovers H100s (flare mode) and returns the IE 4x H100 candidate's name. */
async function discoverH100(s: Sim): Promise<string> {
  s.store.create(solver('flare-test', { gpuFilters: [{ field: 'model', filter: 'StringFilter', data: { value: 'nvidia-h100' } }] }));
  await solved(s.store, 'flare-test');
  const pc = candidatesOf(s.store, 'flare-test').find((n) => n.includes('provider-ie'));
  expect(pc).toBe('pc-k8slice-provider-ie-h100-4x');
  return pc!;
}

const flavorGpuCount = (s: Sim, name: string) => getObj(s.store, NODECORE, 'Flavor', name, 'fluidos')?.spec.flavorType.typeData.characteristics.gpu.count;

describe('simulated FLUIDOS + Liqo lifecycle', () => {
  let s: Sim;
  afterEach(() => s?.close());

  it('fluidos selection mode: first match reserved, contract, allocation, virtual node, Solver Solved', async () => {
    s = startSim();
    s.store.create(solver('fluidos-mode', a100x1, { reserveAndBuy: true, establishPeering: true }));
    const sol = await solved(s.store, 'fluidos-mode');
    expect(sol.status.solverPhase.phase).toBe('Solved');
    expect(sol.status.reserveAndBuy).toBe('Solved');
    expect(sol.status.peering).toBe('Solved');
    // First available candidate in name order, no ranking: provider-de's 1x A100 (not NL's cheaper 8x).
    const r = getObj(s.store, RES, 'Reservation', 'reservation-fluidos-mode', 'fluidos')!;
    expect(r.spec.peeringCandidate.name).toBe('pc-k8slice-provider-de-a100-1x');
    expect(r.status.phase.phase).toBe('Solved');
    const c = getObj(s.store, RES, 'Contract', r.status.contract.name, 'fluidos')!;
    expect(c.spec.peeringTargetCredentials.liqoID).toBe('liqo-provider-de');
    expect(c.spec.seller.nodeID).toBe('provider-de');
    const a = getObj(s.store, NODECORE, 'Allocation', 'allocation-fluidos-mode', 'fluidos')!;
    expect(a.status.status).toBe('Active');
    const vn = getObj(s.store, 'v1', 'Node', a.status.resourceRef.name)!;
    expect(vn.metadata.labels?.['liqo.io/remote-cluster-id']).toBe('liqo-provider-de');
    expect(vn.status.capacity['nvidia.com/gpu']).toBe('1');
    expect(flavorGpuCount(s, 'k8slice-provider-de-a100-1x')).toBe(0);
  });

  it('Allocation progresses to Active and yields a virtual node with the contract Liqo id and GPU capacity', async () => {
    s = startSim();
    const pc = await discoverH100(s);
    s.store.create(reservation('flare-res-1', pc, 2));
    const r = await reservationDone(s, 'flare-res-1');
    expect(r.status.phase.phase).toBe('Solved');
    expect(r.status.transactionID).toBeTruthy();
    expect(getObj(s.store, RES, 'Transaction', r.status.transactionID, 'fluidos')).toBeDefined();
    const contract = getObj(s.store, RES, 'Contract', r.status.contract.name, 'fluidos')!;
    expect(contract.spec.peeringTargetCredentials.liqoID).toBe('liqo-provider-ie');
    expect(contract.spec.configuration.data.gpu.count).toBe(2);
    // Capacity accounting: 4 - 2 GPUs left on the Flavor, and the candidate follows.
    await waitFor(() => flavorGpuCount(s, 'k8slice-provider-ie-h100-4x') === 2, 'flavor count 2');
    await waitFor(() => getObj(s.store, 'advertisement.fluidos.eu/v1alpha1', 'PeeringCandidate', pc, 'fluidos')?.spec.flavor.spec.flavorType.typeData.characteristics.gpu.count === 2, 'pc follows');

    const seen: string[] = [];
    const stop = s.store.watch(NODECORE, 'Allocation', {}, (e) => {
      const st = e.object.status?.status;
      if (st && seen[seen.length - 1] !== st) seen.push(st);
    });
    s.store.create(allocation('flare-alloc-1', contract.metadata.name));
    const a = await activeAllocation(s, 'flare-alloc-1');
    stop();
    expect(seen).toEqual(['Provisioning', 'ResourceCreation', 'Peering', 'Active']);
    const vn = getObj(s.store, 'v1', 'Node', a.status.resourceRef.name)!;
    expect(vn.metadata.labels).toMatchObject({ 'liqo.io/type': 'virtual-node', 'liqo.io/remote-cluster-id': 'liqo-provider-ie' });
    expect(vn.spec.taints).toEqual([{ key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute' }]);
    expect(vn.status.capacity).toMatchObject({ cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '2' });
    expect(vn.status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('True');

    // A second contract with the same provider gives a second virtual node.
    s.store.create(reservation('flare-res-2', pc, 2));
    const r2 = await reservationDone(s, 'flare-res-2');
    expect(r2.status.phase.phase).toBe('Solved');
    s.store.create(allocation('flare-alloc-2', r2.status.contract.name));
    const a2 = await activeAllocation(s, 'flare-alloc-2');
    expect(a2.status.resourceRef.name).not.toBe(a.status.resourceRef.name);
    const vnodes = s.store.list('v1', 'Node', { labelSelector: 'liqo.io/remote-cluster-id=liqo-provider-ie' }).items;
    expect(vnodes).toHaveLength(2);

    // Exhausted: the next reservation is refused with a message, and the flavor is unavailable.
    await waitFor(() => flavorGpuCount(s, 'k8slice-provider-ie-h100-4x') === 0, 'flavor exhausted');
    expect(getObj(s.store, NODECORE, 'Flavor', 'k8slice-provider-ie-h100-4x', 'fluidos')!.spec.availability).toBe(false);
    await waitFor(() => getObj(s.store, 'advertisement.fluidos.eu/v1alpha1', 'PeeringCandidate', pc, 'fluidos')?.spec.available === false, 'pc unavailable');
    s.store.create(reservation('flare-res-3', pc, 1));
    const r3 = await reservationDone(s, 'flare-res-3');
    expect(r3.status.phase.phase).toBe('Failed');
    expect(r3.status.phase.message).toMatch(/not available|GPUs/);

    // Deleting an Allocation releases its capacity and removes its virtual node.
    s.store.delete({ apiVersion: NODECORE, kind: 'Allocation', namespace: 'fluidos', name: 'flare-alloc-2' });
    await waitFor(() => !getObj(s.store, 'v1', 'Node', a2.status.resourceRef.name), 'virtual node gone');
    await waitFor(() => flavorGpuCount(s, 'k8slice-provider-ie-h100-4x') === 2, 'capacity released');
    // Deleting a Reservation releases too, and its contract goes with it.
    s.store.delete({ apiVersion: RES, kind: 'Reservation', namespace: 'fluidos', name: 'flare-res-1' });
    await waitFor(() => flavorGpuCount(s, 'k8slice-provider-ie-h100-4x') === 4, 'all capacity back');
    await waitFor(() => !getObj(s.store, 'v1', 'Node', a.status.resourceRef.name), 'first virtual node gone');
    expect(getObj(s.store, RES, 'Contract', contract.metadata.name, 'fluidos')).toBeUndefined();
    expect(s.errors).toEqual([]);
  });

  it('contention fault refuses the next reservation on a provider, then accepts', async () => {
    s = startSim();
    const pc = await discoverH100(s);
    s.sim.refuseReservations(1, { provider: 'provider-ie' });
    s.store.create(reservation('contended', pc, 1));
    const r = await reservationDone(s, 'contended');
    expect(r.status.phase.phase).toBe('Failed');
    expect(r.status.phase.message).toMatch(/refused/);
    s.store.create(reservation('second-try', pc, 1));
    expect((await reservationDone(s, 'second-try')).status.phase.phase).toBe('Solved');
    expect(flavorGpuCount(s, 'k8slice-provider-ie-h100-4x')).toBe(3);
  });

  it('NamespaceOffloading: Ready with a matching virtual node, NoClusterSelected otherwise; Deployment Ready, Job Complete; outage', async () => {
    s = startSim();
    const pc = await discoverH100(s);
    s.store.create(reservation('wl-res', pc, 2));
    const r = await reservationDone(s, 'wl-res');
    s.store.create(allocation('wl-alloc', r.status.contract.name));
    const a = await activeAllocation(s, 'wl-alloc');
    const vnName: string = a.status.resourceRef.name;

    for (const ns of ['flare-t-app', 'flare-t-nomatch']) s.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const offloading = (ns: string, id: string): KubeObject => ({
      apiVersion: OFF,
      kind: 'NamespaceOffloading',
      metadata: { name: 'offloading', namespace: ns },
      spec: {
        namespaceMappingStrategy: 'EnforceSameName',
        podOffloadingStrategy: 'Remote',
        clusterSelector: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'liqo.io/remote-cluster-id', operator: 'In', values: [id] }] }] },
      },
    });
    s.store.create(offloading('flare-t-app', 'liqo-provider-ie'));
    s.store.create(offloading('flare-t-nomatch', 'liqo-provider-jp'));
    await waitFor(() => getObj(s.store, OFF, 'NamespaceOffloading', 'offloading', 'flare-t-app')?.status?.offloadingPhase === 'Ready', 'offloading Ready');
    await waitFor(() => getObj(s.store, OFF, 'NamespaceOffloading', 'offloading', 'flare-t-nomatch')?.status?.offloadingPhase === 'NoClusterSelected', 'NoClusterSelected');

    const container = (gpus: number) => ({ name: 'main', image: 'busybox', resources: { requests: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': String(gpus) }, limits: { 'nvidia.com/gpu': String(gpus) } } });
    s.store.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'svc', namespace: 'flare-t-app' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'svc' } }, template: { metadata: { labels: { app: 'svc' } }, spec: { containers: [container(1)] } } },
    });
    const dep = await waitFor(() => {
      const d = getObj(s.store, 'apps/v1', 'Deployment', 'svc', 'flare-t-app');
      return d?.status?.readyReplicas === 1 ? d : undefined;
    }, 'Deployment ready');
    expect(dep.status.availableReplicas).toBe(1);
    expect(dep.status.conditions.find((c: { type: string }) => c.type === 'Available').status).toBe('True');
    const pods = s.store.list('v1', 'Pod', { namespace: 'flare-t-app' }).items;
    expect(pods.map((p) => p.spec.nodeName)).toEqual([vnName]);

    s.store.create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'train', namespace: 'flare-t-app' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [container(1)] } } },
    });
    const job = await waitFor(() => {
      const j = getObj(s.store, 'batch/v1', 'Job', 'train', 'flare-t-app');
      return j?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
    }, 'Job Complete');
    expect(job.status.succeeded).toBe(1);

    // A pod that fits nowhere stays Pending: 2 GPUs on the node, 1 used by the Deployment.
    s.store.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'too-big', namespace: 'flare-t-app' },
      spec: { replicas: 1, template: { metadata: { labels: { app: 'big' } }, spec: { containers: [container(2)] } } },
    });
    const pending = await waitFor(() => {
      const p = s.store.list('v1', 'Pod', { namespace: 'flare-t-app', labelSelector: 'app=big' }).items[0];
      return p?.status?.conditions?.[0]?.reason === 'Unschedulable' && p.status.conditions[0].message.includes('room') ? p : undefined;
    }, 'big pod unschedulable');
    expect(pending.spec.nodeName).toBeUndefined();
    expect(pending.status.phase).toBe('Pending');

    // Provider outage: the virtual node goes NotReady, the allocation is lost, the pod fails.
    s.sim.providerDown('provider-ie');
    await waitFor(() => getObj(s.store, 'v1', 'Node', vnName)?.status.conditions[0].status !== 'True', 'virtual node NotReady');
    expect(getObj(s.store, NODECORE, 'Allocation', 'wl-alloc', 'fluidos')!.status.status).toBe('Inactive');
    expect(getObj(s.store, NODECORE, 'Flavor', 'k8slice-provider-ie-h100-4x', 'fluidos')!.spec.availability).toBe(false);
    await waitFor(() => getObj(s.store, OFF, 'NamespaceOffloading', 'offloading', 'flare-t-app')?.status?.offloadingPhase === 'NoClusterSelected', 'offloading loses its cluster');
    await waitFor(() => getObj(s.store, 'apps/v1', 'Deployment', 'svc', 'flare-t-app')?.status?.readyReplicas === 0, 'Deployment not ready');
    s.sim.providerUp('provider-ie');
    await waitFor(() => getObj(s.store, NODECORE, 'Flavor', 'k8slice-provider-ie-h100-4x', 'fluidos')?.spec.availability === true, 'flavor back');
    expect(flavorGpuCount(s, 'k8slice-provider-ie-h100-4x')).toBe(4);
    expect(s.errors).toEqual([]);
  });

  it('a running Job fails when its node dies', async () => {
    s = startSim(undefined, { jobDurationMs: 60_000 });
    s.store.create(solver('jobfail', a100x1, { reserveAndBuy: true, establishPeering: true }));
    await solved(s.store, 'jobfail');
    const a = getObj(s.store, NODECORE, 'Allocation', 'allocation-jobfail', 'fluidos')!;
    s.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'jobns' } });
    s.store.create({ apiVersion: OFF, kind: 'NamespaceOffloading', metadata: { name: 'offloading', namespace: 'jobns' }, spec: { podOffloadingStrategy: 'Remote' } });
    s.store.create({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'long', namespace: 'jobns' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } });
    await waitFor(() => s.store.list('v1', 'Pod', { namespace: 'jobns' }).items[0]?.status?.phase === 'Running', 'job pod running');
    s.sim.providerDown('provider-de');
    const j = await waitFor(() => {
      const x = getObj(s.store, 'batch/v1', 'Job', 'long', 'jobns');
      return x?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Failed' && c.status === 'True') ? x : undefined;
    }, 'Job Failed');
    expect(j.status.failed).toBe(1);
    expect(getObj(s.store, 'v1', 'Node', a.status.resourceRef.name)?.status.conditions[0].status).not.toBe('True');
  });

  it('Flavors follow node annotation changes', async () => {
    s = startSim();
    const node = 'provider-jp-rtx4080-1x';
    s.store.patch({ apiVersion: 'v1', kind: 'Node', name: node }, { metadata: { annotations: { 'cost.fluidos.eu/hourly-rate': '0.42', 'gpu.fluidos.eu/count': '3' } } });
    await waitFor(() => getObj(s.store, NODECORE, 'Flavor', 'k8slice-provider-jp-rtx4080-1x', 'fluidos')?.spec.flavorType.typeData.characteristics.gpu.hourly_rate === 0.42, 'rate follows');
    expect(flavorGpuCount(s, 'k8slice-provider-jp-rtx4080-1x')).toBe(3);
    // Removing the GPU annotations removes the Flavor.
    const live = getObj(s.store, 'v1', 'Node', node)!;
    const ann = Object.fromEntries(Object.keys(live.metadata.annotations ?? {}).filter((k) => k.startsWith('gpu.fluidos.eu/') || k.startsWith('nvidia.fluidos.eu/')).map((k) => [k, null]));
    s.store.patch({ apiVersion: 'v1', kind: 'Node', name: node }, { metadata: { annotations: ann } });
    await waitFor(() => !getObj(s.store, NODECORE, 'Flavor', 'k8slice-provider-jp-rtx4080-1x', 'fluidos'), 'flavor removed');
  });
});
