import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '../../src/git/exec.js';
import { installRacingHook } from '../git/helpers.js';
import { cycleUntil, phasesOf, serviceIntent, startWorld, TENANT, type World } from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const files = { 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/web.yaml': serviceIntent('web') };

describe('the private clone looks after itself (issue 14 item 4, issue 13 item 9)', () => {
  it('a stale index.lock left by a killed reconciler does not wedge the next start', async () => {
    world = await startWorld(files);
    const dir = path.join(world.tmp, 'shared-clone');
    const first = await world.start({ repo: { url: world.url, dir } });
    await cycleUntil(first, (x) => phasesOf(x)['team-a-web'] === 'Reserving' || phasesOf(x)['team-a-web'] === 'Running');
    await first.stop();
    // what `kill -9` of the process group leaves behind mid-commit
    await writeFile(path.join(dir, '.git', 'index.lock'), '');
    await writeFile(path.join(dir, '.git', 'HEAD.lock'), '');
    const second = await world.start({ repo: { url: world.url, dir } });
    await cycleUntil(second, (x) => phasesOf(x)['team-a-web'] === 'Running' && x.commit === undefined);
    expect((await world.read('status/team-a/web.yaml')) ?? '').toContain('phase: Running');
  });

  it('recovers from what a full disk leaves behind (a truncated object, a stale lock) once space is back', async () => {
    world = await startWorld(files);
    const dir = path.join(world.tmp, 'disk-clone');
    const rec = await world.start({ repo: { url: world.url, dir } });
    const r = await cycleUntil(rec, (x) => x.commit !== undefined);
    // the disk filled up during the last commit and checkout: an object and a working file
    // written half, a lock left behind
    const blob = (await runGit(['rev-parse', `${r.commit}:status/team-a/web.yaml`], { cwd: dir })).stdout.trim();
    await truncate(path.join(dir, '.git', 'objects', blob.slice(0, 2), blob.slice(2)), 0);
    await rm(path.join(dir, 'status', 'team-a', 'web.yaml'));
    await writeFile(path.join(dir, '.git', 'index.lock'), '');
    await cycleUntil(rec, (x) => phasesOf(x)['team-a-web'] === 'Running' && x.commit === undefined);
    const fsck = await runGit(['fsck', '--no-progress'], { cwd: dir, okCodes: [1, 2] });
    expect(fsck.code).toBe(0);
  });

  it('honours reconciler.push_retries from flare.yaml', async () => {
    world = await startWorld({
      ...files,
      'flare.yaml': 'apiVersion: flare.fluidos.eu/v1alpha1\nkind: FlareConfig\nmetadata:\n  name: flare\nspec:\n  reconciler:\n    push_retries: 1\n',
    });
    const bare = path.join(world.tmp, 'srv', 'flare.git');
    await installRacingHook(bare, 1000);
    const errors: unknown[] = [];
    const rec = await world.start({ onError: (e) => errors.push(e) });
    expect(await rec.runOnce()).toBeUndefined();
    expect(String(errors[0])).toMatch(/rejected 2 times/);
    // one push and one retry
    expect(await readFile(path.join(bare, 'race-count'), 'utf8')).toBe('2\n');
  });
});
