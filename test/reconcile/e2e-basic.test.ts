import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { IntentStatus } from '../../src/status/model.js';
import { MANAGED_KINDS } from '../../src/reconcile/apply.js';
import { cycleUntil, phasesOf, serviceIntent, startWorld, TENANT, type World } from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function statusOf(w: World, tenant: string, name: string): Promise<IntentStatus | undefined> {
  const text = await w.read(`status/${tenant}/${name}.yaml`);
  return text ? (parse(text).status as IntentStatus) : undefined;
}

describe('reconciler against the sandbox and a git http-backend remote', () => {
  it('takes an intent to Running, commits status once per cycle, and a no-op cycle writes nothing', async () => {
    world = await startWorld({ 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/web.yaml': serviceIntent('web') });
    const rec = await world.start();
    const r = await cycleUntil(rec, (x) => phasesOf(x)['team-a-web'] === 'Running');
    expect(r.intents[0]!.provider).toBeDefined();
    const status = await statusOf(world, 'team-a', 'web');
    expect(status?.phase).toBe('Running');
    // Cost_Minimization on an EU RTX 4090: the cheapest per-GPU offer in the default federation
    expect(status?.placements[0]!.chosen?.model).toBe('nvidia-rtx-4090');
    expect(status?.placements[0]!.remote_cluster_id).toMatch(/^liqo-/);
    const rendered = await world.read('rendered/team-a/web/deployment-web.yaml');
    expect(rendered).toContain(status!.placements[0]!.remote_cluster_id!);
    const msgs = await world.messages();
    expect(msgs[0]).toContain('Flare-Phase: team-a-web=Running');
    // quiescent: once nothing changes, a cycle neither writes to the API nor commits
    await cycleUntil(rec, (x) => x.commit === undefined && x.apply.applied === 0);
    const before = world.sandbox.stats().server.writes;
    const subjects = (await world.subjects()).length;
    const noop = await rec.runOnce();
    expect(noop?.commit).toBeUndefined();
    expect(noop?.changed).toEqual([]);
    expect(world.sandbox.stats().server.writes).toBe(before);
    expect((await world.subjects()).length).toBe(subjects);
  });

  it('deleting an intent file removes its cluster objects and its status file', async () => {
    world = await startWorld({
      'tenants/team-a.yaml': TENANT('team-a'),
      'intents/team-a/web.yaml': serviceIntent('web'),
      'intents/team-a/api.yaml': serviceIntent('api'),
    });
    const rec = await world.start();
    await cycleUntil(rec, (x) => Object.values(phasesOf(x)).every((p) => p === 'Running') && x.intents.length === 2);
    const ns = await world.cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: 'flare-team-a-api' });
    expect(ns).toBeDefined();
    await world.push({ 'intents/team-a/api.yaml': null }, 'remove api');
    const r = await cycleUntil(rec, (x) => x.deleted.includes('team-a-api') || !('team-a-api' in phasesOf(x)) && x.commit !== undefined);
    expect(r.intents.map((i) => i.id)).toEqual(['team-a-web']);
    expect(await world.read('status/team-a/api.yaml')).toBeUndefined();
    expect(await world.read('rendered/team-a/api/namespace-flare-team-a-api.yaml')).toBeUndefined();
    // nothing of any managed kind is left for the deleted intent, the namespace included
    for (const k of MANAGED_KINDS) {
      const left = await world.cluster.list(k.apiVersion, k.kind, { labelSelector: 'flare.io/intent-id=team-a-api' });
      expect(left.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    }
    expect(await world.cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: 'flare-team-a-api' })).toBeUndefined();
    expect(await world.cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: 'flare-team-a-web' })).toBeDefined();
  });
});
