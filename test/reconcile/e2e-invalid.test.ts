import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { IntentStatus } from '../../src/status/model.js';
import { runFlare } from '../support/cli.js';
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

const ns = (w: World, name: string) => w.cluster.get({ apiVersion: 'v1', kind: 'Namespace', name });
const deploy = (w: World, namespace: string, name: string) => w.cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });

describe('an intent that fails validation keeps its last good objects (issue 8 item 4)', () => {
  it('a typo in a running intent: Invalid with located diagnostics, nothing pruned for it, the rest of its tenant reconciles, recovers when fixed', async () => {
    world = await startWorld({
      'tenants/team-a.yaml': TENANT('team-a'),
      'tenants/team-b.yaml': TENANT('team-b'),
      'intents/team-a/web.yaml': serviceIntent('web'),
      'intents/team-a/api.yaml': serviceIntent('api'),
      'intents/team-b/svc.yaml': serviceIntent('svc'),
    });
    const rec = await world.start();
    await cycleUntil(rec, (x) => x.intents.length === 3 && Object.values(phasesOf(x)).every((p) => p === 'Running'));
    const good = await statusOf(world, 'team-a', 'web');
    expect(good?.phase).toBe('Running');
    expect(await deploy(world, 'flare-team-a-web', 'web')).toBeDefined();

    // a typo in web, and in the same push the tenant's other intent api is deleted
    const typo = serviceIntent('web').replace('objective: Cost_Minimization', 'objective: Cost_Minimisation');
    await world.push({ 'intents/team-a/web.yaml': typo, 'intents/team-a/api.yaml': null }, 'typo in web, drop api');
    const r = await cycleUntil(rec, (x) => phasesOf(x)['team-a-web'] === 'Invalid' && !('team-a-api' in phasesOf(x)));

    // web's objects stay where they were; api (same tenant) is pruned as usual
    expect(await ns(world, 'flare-team-a-web')).toBeDefined();
    expect(await deploy(world, 'flare-team-a-web', 'web')).toBeDefined();
    await cycleUntil(rec, () => true);
    expect(await ns(world, 'flare-team-a-api')).toBeUndefined();
    expect(await world.read('status/team-a/api.yaml')).toBeUndefined();
    expect(await world.read('rendered/team-a/web/deployment-web.yaml')).toBeDefined();
    // Argo CD mode applies rendered/: the tenant kustomization still lists the kept objects
    expect(await world.read('rendered/team-a/kustomization.yaml')).toContain('web/deployment-web.yaml');
    expect(r.intents.find((i) => i.id === 'team-a-web')?.provider).toBe(good!.placements[0]!.chosen!.provider);

    const bad = await statusOf(world, 'team-a', 'web');
    expect(bad?.phase).toBe('Invalid');
    expect(bad?.placements[0]!.chosen?.candidate).toBe(good!.placements[0]!.chosen!.candidate);
    expect(bad?.placements[0]!.attempt).toBe(good!.placements[0]!.attempt);
    const d = bad?.diagnostics?.[0];
    expect(d).toMatchObject({ file: 'intents/team-a/web.yaml', path: 'objective' });
    expect(d!.line).toBeGreaterThan(0);
    expect(d!.column).toBeGreaterThan(0);
    expect(bad?.message).toContain('intents/team-a/web.yaml:');
    expect(rec.metrics()).toMatch(/flare_intents\{phase="Invalid"\} 1/);

    // flare status on a clone of the remote shows it
    const st = await runFlare(['status', '--repo', rec.git.dir], world.tmp);
    expect(st.stdout).toMatch(/team-a\s+web\s+Invalid/);

    // a new file that never validated: a status file saying so, nothing placed
    await world.push({ 'intents/team-a/fresh.yaml': serviceIntent('fresh').replace('count: 1', 'count: -2') }, 'new intent with a typo');
    await cycleUntil(rec, (x) => phasesOf(x)['team-a-fresh'] === 'Invalid');
    const fresh = await statusOf(world, 'team-a', 'fresh');
    expect(fresh?.placements).toEqual([]);
    expect(fresh?.diagnostics?.[0]).toMatchObject({ file: 'intents/team-a/fresh.yaml', path: 'workload.resources.gpu.count' });
    expect(await ns(world, 'flare-team-a-fresh')).toBeUndefined();

    // fixed: back to Running on the same placement, diagnostics gone
    await world.push({ 'intents/team-a/web.yaml': serviceIntent('web'), 'intents/team-a/fresh.yaml': null}, 'fix typo');
    await cycleUntil(rec, (x) => phasesOf(x)['team-a-web'] === 'Running' && x.commit !== undefined);
    const fixed = await statusOf(world, 'team-a', 'web');
    expect(fixed?.phase).toBe('Running');
    expect(fixed?.diagnostics).toBeUndefined();
    expect(fixed?.placements[0]!.attempt).toBe(good!.placements[0]!.attempt);
    expect(fixed?.placements[0]!.chosen?.candidate).toBe(good!.placements[0]!.chosen!.candidate);
    expect(rec.metrics()).toMatch(/flare_intents\{phase="Invalid"\} 0/);

    // a second valid file claiming the name web (sorted before web.yaml): both are invalid now,
    // and what runs (web.yaml's spec) keeps running
    const solverBefore = await world.read('rendered/team-a/web/solver-flare-team-a-web.yaml');
    await world.push({ 'intents/team-a/a-copy.yaml': serviceIntent('web', { model: 'nvidia-h100' }) }, 'duplicate name');
    await cycleUntil(rec, (x) => x.commit !== undefined || x.changed.length === 0);
    await cycleUntil(rec, (x) => x.commit === undefined);
    const dup = await statusOf(world, 'team-a', 'web');
    expect(dup?.phase).toBe('Invalid');
    expect(dup?.diagnostics?.map((x) => x.file)).toContain('intents/team-a/a-copy.yaml');
    expect(await world.read('rendered/team-a/web/solver-flare-team-a-web.yaml')).toBe(solverBefore);
    expect(dup?.placements[0]!.chosen?.candidate).toBe(good!.placements[0]!.chosen!.candidate);
    await world.push({ 'intents/team-a/a-copy.yaml': null }, 'drop the copy');
    await cycleUntil(rec, (x) => phasesOf(x)['team-a-web'] === 'Running' && x.commit === undefined);

  });
});
