import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import { runGit } from '../../src/git/exec.js';
import type { IntentStatus } from '../../src/status/model.js';
import { sink } from '../support/cli.js';
import { cycleUntil, phasesOf, serviceIntent, sleep, startWorld, TENANT, type World } from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

interface WatchLine {
  time: string;
  intents: { id: string; phase: string; provider: string; cluster: string }[];
  deleted: string[];
}

describe('flare status --watch (issue 8 item 10)', () => {
  it('follows the pushed status files and the cluster live, with a time per update, through a re-placement and a deletion', async () => {
    world = await startWorld({
      'tenants/team-a.yaml': TENANT('team-a'),
      'intents/team-a/web.yaml': serviceIntent('web'),
      'intents/team-a/api.yaml': serviceIntent('api', { model: 'nvidia-a100' }),
    });
    const rec = await world.start();
    await cycleUntil(rec, (x) => x.intents.length === 2 && Object.values(phasesOf(x)).every((p) => p === 'Running'));
    const user = path.join(world.tmp, 'user');
    await runGit(['clone', '-q', world.url, user], { cwd: world.tmp });

    const out = sink();
    const stop = new AbortController();
    const watching = main(['node', 'flare', 'status', '--repo', user, '--watch', '--kubeconfig', world.sandbox.kubeconfigPath, '-o', 'json'], {
      stdout: out.stream,
      stderr: sink().stream,
      cwd: world.tmp,
      env: {},
      signal: stop.signal,
    });
    const lines = (): WatchLine[] => out.text().split('\n').filter(Boolean).map((l) => JSON.parse(l) as WatchLine);
    const until = async (what: string, ok: (l: WatchLine) => boolean): Promise<WatchLine> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const hit = lines().find(ok);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`status --watch never showed ${what}; got ${out.text()}`);
        // the reconciler keeps going while we wait: the watch must follow it
        await rec.runOnce();
        await sleep(100);
      }
    };
    try {
      const status = async (name: string) => parse((await world!.read(`status/team-a/${name}.yaml`))!).status as IntentStatus;
      const first = (await status('web')).placements[0]!.chosen!.provider;
      const a = await until('web running', (l) => l.intents.some((i) => i.id === 'team-a-web' && i.phase === 'Running' && /1\/1 ready/.test(i.cluster)));
      expect(a.intents.find((i) => i.id === 'team-a-web')!.provider).toBe(first);
      expect(Number.isNaN(Date.parse(a.time))).toBe(false);

      // re-placement: the provider goes down, the reconciler fails over; the watch follows
      world.sandbox.faults.providerDown(first);
      await until('the failover', (l) => l.intents.some((i) => i.id === 'team-a-web' && i.phase === 'Running' && i.provider !== first && i.provider !== '-'));
      const moved = (await status('web')).placements[0]!.chosen!.provider;
      const shown = lines().filter((l) => l.intents.some((i) => i.id === 'team-a-web'));
      // it never shows a provider the reconciler did not choose
      for (const l of shown) expect([first, moved, '-']).toContain(l.intents.find((i) => i.id === 'team-a-web')!.provider);

      // deletion
      await world.push({ 'intents/team-a/api.yaml': null }, 'remove api');
      const d = await until('the deletion', (l) => l.deleted.includes('team-a-api'));
      expect(d.intents.map((i) => i.id)).toEqual(['team-a-web']);
      // one timestamp per update, in order
      const times = lines().map((l) => Date.parse(l.time));
      expect([...times].sort((x, y) => x - y)).toEqual(times);
    } finally {
      stop.abort();
      expect(await watching).toBe(0);
    }
  }, 90_000);
});
