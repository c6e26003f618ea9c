import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '../../src/git/exec.js';
import { runFlare } from '../support/cli.js';
import { cycleUntil, phasesOf, serviceIntent, startWorld, TENANT, type World } from './harness.js';

let world: World | undefined;
let local: string | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  if (local) await rm(local, { recursive: true, force: true });
  local = undefined;
});

const human = { GIT_AUTHOR_NAME: 'Human', GIT_AUTHOR_EMAIL: 'h@example.com', GIT_COMMITTER_NAME: 'Human', GIT_COMMITTER_EMAIL: 'h@example.com' };

async function write(dir: string, files: Record<string, string>): Promise<void> {
  for (const [f, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await writeFile(path.join(dir, f), text);
  }
}

describe('--repo <local path> acts on the committed HEAD only (issue 8 item 5)', () => {
  it('ignores uncommitted intents and edits, warns once, and every bot commit passes render --check on a fresh clone', async () => {
    world = await startWorld({ 'tenants/team-a.yaml': TENANT('team-a') });
    local = await mkdtemp(path.join(os.tmpdir(), 'flare-local-head-'));
    await runGit(['init', '-q', '-b', 'main'], { cwd: local });
    await write(local, { 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/web.yaml': serviceIntent('web') });
    await runGit(['add', '-A'], { cwd: local });
    await runGit(['commit', '-q', '-m', 'web'], { cwd: local, env: human });
    const base = (await runGit(['rev-parse', 'HEAD'], { cwd: local })).stdout.trim();

    // uncommitted: a new intent, and an edit of the committed one
    await write(local, {
      'intents/team-a/draft.yaml': serviceIntent('draft'),
      'intents/team-a/web.yaml': serviceIntent('web', { model: 'nvidia-h100' }),
    });
    const logs: string[] = [];
    const rec = await world.start({ repo: { path: local }, log: (l) => logs.push(l) });
    const r = await cycleUntil(rec, (x) => phasesOf(x)['team-a-web'] === 'Running');
    expect(Object.keys(phasesOf(r))).toEqual(['team-a-web']);
    await cycleUntil(rec, (x) => x.commit === undefined);
    expect(await world.cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: 'flare-team-a-draft' })).toBeUndefined();
    const show = (f: string) => runGit(['show', `HEAD:${f}`], { cwd: local!, okCodes: [128] });
    expect((await show('status/team-a/draft.yaml')).code).toBe(128);
    // the committed spec (RTX 4090), not the edited one
    expect((await show('status/team-a/web.yaml')).stdout).toContain('model: nvidia-rtx-4090');
    expect(logs.filter((l) => /uncommitted/.test(l))).toHaveLength(1);
    // the user's edits are still there, untouched
    const st = (await runGit(['status', '--porcelain'], { cwd: local })).stdout;
    expect(st).toContain(' M intents/team-a/web.yaml');
    expect(st).toContain('?? intents/team-a/draft.yaml');

    // every commit the reconciler made passes render --check on a fresh clone
    const bots = (await runGit(['rev-list', `${base}..HEAD`], { cwd: local })).stdout.trim().split('\n');
    expect(bots.length).toBeGreaterThan(0);
    const clone = path.join(world.tmp, 'fresh');
    await runGit(['clone', '-q', local, clone], { cwd: world.tmp });
    for (const sha of bots) {
      await runGit(['checkout', '-q', sha], { cwd: clone });
      const check = await runFlare(['render', '--check'], clone);
      expect(`${sha} ${check.code} ${check.stdout}`).toBe(`${sha} 0 ${check.stdout}`);
      expect(check.code).toBe(0);
    }

    // committing the draft makes it real
    await runGit(['add', 'intents/team-a/draft.yaml'], { cwd: local });
    await runGit(['commit', '-q', '-m', 'draft'], { cwd: local, env: human });
    await cycleUntil(rec, (x) => phasesOf(x)['team-a-draft'] === 'Running');
  });
});
