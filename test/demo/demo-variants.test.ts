import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runDemo } from '../../src/demo/run-demo.js';
import type { IntentStatus } from '../../src/status/model.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const variants = path.join(repoRoot, 'test', 'fixtures', 'demo-variants');

async function statusFiles(dir: string): Promise<IntentStatus[]> {
  const out: IntentStatus[] = [];
  for (const t of await readdir(dir)) {
    for (const f of await readdir(path.join(dir, t))) out.push((parse(await readFile(path.join(dir, t, f), 'utf8')) as { status: IntentStatus }).status);
  }
  return out;
}

describe('flare demo over the seeds plus variants (issue 8)', () => {
  it('multi-replica, model: any, shared GPUs, past deadlines, several intents per provider: nothing stuck, and every NoMatch/Failed says per offer why', async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'flare-variants-'));
    let work: string | undefined;
    try {
      for (const p of ['flare.yaml', 'tenants', 'intents']) await cp(path.join(repoRoot, p), path.join(repo, p), { recursive: true });
      await cp(variants, repo, { recursive: true });
      const r = await runDemo({ repo, timeoutMs: 150_000, keep: true, progress: () => undefined });
      work = r.workDir;
      expect(r.timedOut).toBe(false);
      expect(r.intents.length).toBeGreaterThanOrEqual(25);
      const stuck = r.intents.filter((i) => !['Running', 'Completed', 'NoMatch', 'Failed'].includes(i.phase)).map((i) => `${i.id} ${i.phase}`);
      expect(stuck).toEqual([]);
      const phase = (id: string) => r.intents.find((i) => i.id === id)?.phase;
      // the variants behave as their constraints say
      expect(phase('variants-three--replicas')).toBe('Running');
      expect(phase('variants-any--model')).toBe('Running');
      expect(phase('variants-past--deadline--fits')).toBe('Completed');
      expect(phase('variants-past--deadline--no--fit')).toBe('Failed');
      expect(phase('variants-too--cheap')).toBe('NoMatch');
      // several intents on one provider, each its own virtual node
      const byProvider = new Map<string, number>();
      for (const i of r.intents) for (const p of (i.provider ?? '').split(',').filter(Boolean)) byProvider.set(p, (byProvider.get(p) ?? 0) + 1);
      expect(Math.max(...byProvider.values())).toBeGreaterThanOrEqual(3);
      const statuses = await statusFiles(path.join(work!, 'clone', 'status'));
      const unplaced = statuses.filter((s) => s.phase === 'NoMatch' || s.phase === 'Failed');
      expect(unplaced.length).toBeGreaterThanOrEqual(2);
      for (const s of unplaced) {
        expect(s.message, s.intent_id).toMatch(/\d+\/\d+ offers fit: /);
        for (const p of s.placements) {
          expect(p.rejected?.length ?? 0, `${s.intent_id}: rejected offers`).toBeGreaterThan(0);
          for (const x of p.rejected ?? []) expect(x.constraint && x.reason, `${s.intent_id}: ${x.candidate}`).toBeTruthy();
        }
      }
      // three replicas of one GPU each: the placement reserved three GPUs
      const three = statuses.find((s) => s.intent_id === 'variants-three--replicas')!;
      const chosen = three.placements[0]!.chosen!;
    expect(Math.round(chosen.hourly_cost / chosen.hourly_rate)).toBe(3);
    } finally {
      await rm(repo, { recursive: true, force: true });
      if (work) await rm(work, { recursive: true, force: true });
    }
  }, 200_000);
});
