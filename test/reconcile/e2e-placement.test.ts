import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { normalizeFederation } from '../../src/sandbox/federation/model.js';
import type { IntentStatus } from '../../src/status/model.js';
import { cycleUntil, serviceIntent, startWorld, TENANT, type World } from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const RTX4090 = { vendor: 'nvidia', model: 'nvidia-rtx-4090', memory: '24Gi', tier: 'gaming', architecture: 'ada-lovelace', fp32_tflops: 82.6, interconnect: 'pcie', interconnect_bandwidth: '64' };

const MI300X = { vendor: 'amd', model: 'amd-mi300x', memory: '192Gi', tier: 'premium', architecture: 'cdna3', fp32_tflops: 163.4, interconnect: 'pcie', interconnect_bandwidth: '64' };

/** One EU provider with one 8-GPU node: every intent of a test lands there. */
function oneProvider(gpus = 8, gpu: Record<string, unknown> = RTX4090) {
  return normalizeFederation({
    providers: [
      {
        name: 'provider-x', domain: 'provider-x.fluidos.eu', nodeID: 'provider-x', ip: '10.10.9.1', liqoClusterId: 'liqo-provider-x',
        region: 'eu-central-1', latency_ms: 20, bandwidth_gbps: 25,
        nodes: [{ name: 'gpu-8x', cpu: 64, memory: '256Gi', gpu: { ...gpu, count: gpus, hourly_rate: 0.5 } }],
      },
    ],
  });
}

async function statusOf(w: World, tenant: string, name: string): Promise<IntentStatus> {
  const text = await w.read(`status/${tenant}/${name}.yaml`);
  return parse(text ?? 'status: {}').status as IntentStatus;
}

const running = (ids: string[]) => (r: { intents: { id: string; phase: string }[] }) =>
  ids.every((id) => r.intents.find((i) => i.id === id)?.phase === 'Running');

describe('placement isolation on a shared provider', () => {
  it('three intents of two tenants on one provider each run only on their own allocation\'s virtual node', async () => {
    world = await startWorld(
      {
        'tenants/team-a.yaml': TENANT('team-a'),
        'tenants/team-b.yaml': TENANT('team-b'),
        // different sizes: a pod of a small intent fits on the big intent's node, whose own pod
        // then fits nowhere else
        'intents/team-a/alpha.yaml': serviceIntent('alpha'),
        'intents/team-a/zeta.yaml': serviceIntent('zeta', { count: 2 }),
        'intents/team-b/mid.yaml': serviceIntent('mid'),
      },
      { federation: oneProvider() },
    );
    const rec = await world.start();
    const ids = ['team-a-alpha', 'team-a-zeta', 'team-b-mid'];
    await cycleUntil(rec, running(ids), { timeoutMs: 20_000 });
    const nodes = (await world.cluster.list('v1', 'Node')).filter((n) => n.metadata.labels?.['liqo.io/type'] === 'virtual-node');
    expect(nodes).toHaveLength(3);
    const owned: [string, string, string][] = [];
    for (const [tenant, name] of [['team-a', 'alpha'], ['team-a', 'zeta'], ['team-b', 'mid']] as const) {
      const st = await statusOf(world, tenant, name);
      const p = st.placements[0]!;
      expect(p.chosen?.provider).toBe('provider-x');
      const own = nodes.find((n) => n.metadata.name === p.virtual_node?.name);
      expect(own, `${tenant}/${name} has a virtual node`).toBeDefined();
      const ns = `flare-${tenant}-${name}`;
      const pods = await world.cluster.list('v1', 'Pod', { namespace: ns });
      expect(pods.length).toBeGreaterThan(0);
      for (const pod of pods) expect(`${ns}: ${pod.spec?.nodeName}`).toBe(`${ns}: ${own!.metadata.name}`);
      owned.push([tenant, name, own!.metadata.name]);
    }
    // the rendered selection names the intent's own node, never the whole provider
    for (const [tenant, name, node] of owned) {
      const no = await world.read(`rendered/${tenant}/${name}/namespaceoffloading-offloading.yaml`);
      expect(no).toContain(node);
      for (const other of nodes.filter((n) => n.metadata.name !== node)) expect(no).not.toContain(other.metadata.name);
    }
  });

  it('a 3-replica service with gpu.count 1 reserves 3 GPUs and reaches Running (count is per replica)', async () => {
    const intent = serviceIntent('replicas3').replace('    resources:', '    scaling:\n      min_replicas: 3\n      max_replicas: 3\n    resources:');
    world = await startWorld({ 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/replicas3.yaml': intent }, { federation: oneProvider() });
    const rec = await world.start();
    await cycleUntil(rec, running(['team-a-replicas3']), { timeoutMs: 20_000 });
    const st = await statusOf(world, 'team-a', 'replicas3');
    expect(st.workload).toMatchObject({ replicas: 3, ready_replicas: 3 });
    const reservation = await world.read(`rendered/team-a/replicas3/reservation-${st.placements[0]!.reservation?.name}.yaml`);
    expect(parse(reservation ?? '').spec.configuration.data.gpu.count).toBe(3);
    // the cost is that of the 3 GPUs held
    expect(st.placements[0]!.chosen?.hourly_cost).toBeCloseTo(1.5);
    const pods = await world.cluster.list('v1', 'Pod', { namespace: 'flare-team-a-replicas3' });
    expect(pods.map((p) => p.spec?.containers?.[0]?.resources?.limits?.['nvidia.com/gpu'])).toEqual(['1', '1', '1']);
  });

  it('model: any placed on an AMD offer runs: the GPU resource name comes from the chosen vendor', async () => {
    world = await startWorld({ 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/anygpu.yaml': serviceIntent('anygpu', { model: 'any' }) }, { federation: oneProvider(8, MI300X) });
    const rec = await world.start();
    await cycleUntil(rec, running(['team-a-anygpu']), { timeoutMs: 20_000 });
    const st = await statusOf(world, 'team-a', 'anygpu');
    expect(st.placements[0]!.chosen).toMatchObject({ model: 'amd-mi300x', vendor: 'amd' });
    const pods = await world.cluster.list('v1', 'Pod', { namespace: 'flare-team-a-anygpu' });
    expect(pods.map((p) => p.spec?.containers?.[0]?.resources?.limits)).toEqual([{ 'amd.com/gpu': '1' }]);
  });
});
