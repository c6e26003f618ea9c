import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { seededRandom } from '../../src/sandbox/api/faults.js';
import { mutate } from '../support/fuzz.js';
import { allSettled, cycleUntil, serviceIntent, startWorld, TENANT, type World } from './harness.js';
import { MANAGED_KINDS } from '../../src/reconcile/apply.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const FILES: Record<string, string> = {
  'tenants/team-a.yaml': TENANT('team-a'),
  'tenants/team-b.yaml': TENANT('team-b', '  allowed_locations: [EU]\n'),
  'intents/team-a/web.yaml': serviceIntent('web'),
  'intents/team-a/api.yaml': serviceIntent('api', { model: 'nvidia-rtx-4080' }),
  'intents/team-b/web.yaml': serviceIntent('web', { model: 'nvidia-t4' }),
};

/** uid and generation of every managed object of each intent: what a change to it would alter. */
async function objectsByIntent(w: World): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const k of MANAGED_KINDS) {
    for (const o of await w.cluster.list(k.apiVersion, k.kind, { labelSelector: 'flare.io/intent-id' })) {
      const id = o.metadata.labels?.['flare.io/intent-id'] ?? '';
      out.set(id, [...(out.get(id) ?? []), `${k.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}@${o.metadata.uid}#${o.metadata.generation ?? ''}`].sort());
    }
  }
  return out;
}

/** flare validate's exit code on the repo files with one of them replaced. */
async function validateExit(files: Record<string, string>): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flare-fuzz-'));
  try {
    for (const [f, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
      await writeFile(path.join(dir, f), text);
    }
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    return await main(['node', 'flare', 'validate', '--repo', dir, '-o', 'json'], { stdout: sink, stderr: sink, cwd: dir, env: {} });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('fuzz: one reconcile cycle over a mutated intent or status file (issue 13)', () => {
  it('no crash, no exit 70, and no change to any other intent\'s objects', { timeout: 240_000 }, async () => {
    world = await startWorld(FILES);
    const errors: unknown[] = [];
    const rec = await world.start({ onError: (e) => errors.push(e) });
    await cycleUntil(rec, (r) => allSettled(r) && r.intents.every((i) => i.phase === 'Running'));
    const rand = seededRandom(29);
    const targets = ['intents/team-a/web.yaml', 'intents/team-b/web.yaml', 'status/team-a/api.yaml', 'status/team-b/web.yaml'];
    for (let round = 0; round < 6; round++) {
      const victim = targets[round % targets.length]!;
      const victimId = victim.includes('team-a/web') ? 'team-a-web' : victim.includes('team-b/web') ? 'team-b-web' : 'team-a-api';
      const original = (await world.read(victim))!;
      const mutated = mutate(original, rand);
      const current: Record<string, string> = {};
      for (const f of [...Object.keys(FILES), 'status/team-a/web.yaml', 'status/team-a/api.yaml', 'status/team-b/web.yaml']) {
        const text = await world.read(f);
        if (text !== undefined) current[f] = text;
      }
      expect([0, 1], `validate after mutating ${victim}`).toContain(await validateExit({ ...current, [victim]: mutated }));
      const before = await objectsByIntent(world);
      await world.push({ [victim]: mutated }, `fuzz ${round}: ${victim}`);
      errors.length = 0;
      const r = await rec.runOnce();
      // a cycle may fail (a broken flare.yaml would stop it), but never with a bug in FLARE
      for (const e of errors) expect(String((e as Error)?.stack ?? e)).not.toMatch(/TypeError|RangeError|ReferenceError|Maximum call stack/);
      expect(r, `cycle after mutating ${victim}: ${errors.map(String).join('; ')}`).toBeDefined();
      const after = await objectsByIntent(world);
      for (const [id, objs] of before) {
        if (id === victimId) continue;
        expect(after.get(id), `${id} changed after mutating ${victim}`).toEqual(objs);
      }
      // put it back (a status file is replaced by the reconciler's own anyway) and settle again
      if (victim.startsWith('intents/')) await world.push({ [victim]: original }, `fuzz ${round}: restore ${victim}`);
      await cycleUntil(rec, (x) => allSettled(x) && x.intents.every((i) => i.phase === 'Running'), { timeoutMs: 60_000 });
    }
  });
});
