import path from 'node:path';
import { runFlare } from '../support/cli.js';
import { afterEach, describe, expect, it } from 'vitest';
import { isRemoteRepo } from '../../src/cli/reconcile.js';
import { runGit } from '../../src/git/exec.js';
import { serviceIntent, sleep, startWorld, TENANT, type World } from './harness.js';

async function run(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const r = await runFlare(args, cwd);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const FAST_FLARE = 'apiVersion: flare.fluidos.eu/v1alpha1\nkind: FlareConfig\nmetadata:\n  name: flare\nspec:\n  reconciler:\n    interval: 1s\n    grace_period: 1s\n    backoff: 1s\n    max_backoff: 2s\n';

describe('flare reconcile / flare status against the sandbox', () => {
  it('reconcile --once over a remote URL reaches Running; status --watch shows the live phase', async () => {
    world = await startWorld({ 'flare.yaml': FAST_FLARE, 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/web.yaml': serviceIntent('web') });
    const workdir = path.join(world.tmp, 'cli-clone');
    let phase = '';
    for (let i = 0; i < 60 && phase !== 'Running'; i++) {
      const r = await run(['reconcile', '--repo', world.url, '--kubeconfig', world.sandbox.kubeconfigPath, '--workdir', workdir, '--once', '-o', 'json'], world.tmp);
      expect(r.code, r.err).toBe(0);
      const res = JSON.parse(r.out);
      phase = res.intents[0].phase;
      await sleep(50);
    }
    expect(phase).toBe('Running');
    const subjects = await world.subjects();
    expect(subjects.some((s) => s.includes('team-a/web Running on provider-'))).toBe(true);
    // a working copy of the repo as a user has it
    const clone = path.join(world.tmp, 'user');
    await runGit(['clone', '-q', world.url, clone], { cwd: world.tmp });
    const st = await run(['status', '--repo', clone], world.tmp);
    expect(st.out).toMatch(/team-a\s+web\s+Running\s+provider-/);
    // the provider goes down: before any commit the live view shows the committed choice and
    // what the cluster says of it (the virtual node NotReady), never a choice of its own
    const provider = /Running\s+(provider-\S+)/.exec(st.out)![1]!;
    world.sandbox.faults.providerDown(provider);
    let view: { time: string; intents: { provider: string; cluster: string; status: { placements: { excluded_providers?: string[] }[] } }[] } | undefined;
    for (let i = 0; i < 100; i++) {
      const live = await run(['status', 'web', '--repo', clone, '--watch', '--kubeconfig', world.sandbox.kubeconfigPath, '--max-updates', '1', '-o', 'json'], world.tmp);
      expect(live.code, live.err).toBe(0);
      view = JSON.parse(live.out.trim().split('\n')[0]!);
      if (/NotReady/.test(view!.intents[0]!.cluster)) break;
      await sleep(50);
    }
    expect(view!.time).toMatch(/^\d{4}-/);
    expect(view!.intents[0]!.provider).toBe(provider);
    expect(view!.intents[0]!.cluster).toMatch(/NotReady/);
    expect(view!.intents[0]!.status.placements[0]!.excluded_providers).toBeUndefined();
  });

  it('reconcile --once on a local working tree commits locally; --no-apply writes nothing to the cluster', async () => {
    world = await startWorld({ 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/web.yaml': serviceIntent('web') });
    const local = path.join(world.tmp, 'local');
    await runGit(['clone', '-q', world.url, local], { cwd: world.tmp });
    // the admin provides the status-signing key (otherwise the first start creates that Secret)
    await world.cluster.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'flare-status-key', namespace: 'default' }, data: { 'key-1': Buffer.alloc(32, 3).toString('base64') } } as never, { fieldManager: 'admin' });
    const before = world.sandbox.stats().server.writes;
    const r = await run(['reconcile', '--repo', local, '--kubeconfig', world.sandbox.kubeconfigPath, '--once', '--no-apply'], world.tmp);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/team-a-web\s+Pending/);
    expect(world.sandbox.stats().server.writes).toBe(before);
    const log = (await runGit(['log', '--format=%s', '-1'], { cwd: local })).stdout.trim();
    expect(log).toMatch(/^flare: team-a\/web Pending/);
    const a = await run(['reconcile', '--repo', local, '--kubeconfig', world.sandbox.kubeconfigPath, '--once'], world.tmp);
    expect(a.code, a.err).toBe(0);
    expect(world.sandbox.stats().server.writes).toBeGreaterThan(before);
  });

  it('tells remote URLs from local paths', () => {
    expect(isRemoteRepo('https://example.com/x.git', '/')).toBe(true);
    expect(isRemoteRepo('git@github.com:o/r.git', '/')).toBe(true);
    expect(isRemoteRepo('.', '/tmp')).toBe(false);
  });
});
