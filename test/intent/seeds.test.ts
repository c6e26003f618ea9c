import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseIntent } from '../../src/intent/parse.js';
import { parseRepo } from '../../src/repo/parse.js';
import { readRepoFiles } from '../../src/repo/load.js';
import type { Intent } from '../../src/intent/model.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const seedsDir = path.resolve(repoRoot, '..', 'shared', 'seeds');

/** Every intent example of the seeds: fenced JSON blocks and curl -d bodies that parse as an intent. */
export function extractSeedIntents(text: string): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const candidates = [...text.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
  candidates.push(...[...text.matchAll(/-d '(\{[\s\S]*?\})'/g)].map((m) => m[1]!));
  for (const c of candidates) {
    let j: unknown;
    try {
      j = JSON.parse(c);
    } catch {
      continue;
    }
    if (!j || typeof j !== 'object') continue;
    const o = j as { name?: string; objective?: string; intent?: { objective?: string; workload?: { name?: string } } };
    if (o.intent && typeof o.intent === 'object' && o.intent.objective) out.push({ name: o.intent.workload?.name ?? '', text: c });
    else if (o.name && o.objective) out.push({ name: o.name, text: c });
  }
  return out;
}

const strip = (i: Intent) => ({ ...i, file: '' });

describe('the seeds\' intent examples', () => {
  it('every example in intents/ validates with zero errors and zero warnings', async () => {
    const model = parseRepo(await readRepoFiles(repoRoot));
    expect(model.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(model.intents.length).toBeGreaterThanOrEqual(17);
    for (const shape of ['api', 'envelope', 'one-call'] as const) expect(model.intents.some((i) => i.shape === shape)).toBe(true);
    expect(model.intents.some((i) => !i.spec.workload)).toBe(true);
    expect(model.statuses.size).toBeGreaterThanOrEqual(3);
  });

  it.skipIf(!existsSync(seedsDir))('extracted straight from ../shared/seeds, all 14 parse identically to the committed files', async () => {
    const model = parseRepo(await readRepoFiles(repoRoot));
    const seeds = readdirSync(seedsDir)
      .filter((f) => f.endsWith('.txt'))
      .sort()
      .flatMap((f) => extractSeedIntents(readFileSync(path.join(seedsDir, f), 'utf8')));
    expect(seeds.map((s) => s.name).sort()).toEqual(
      [
        'batch-processing',
        'bert-large-training',
        'data-processing-batch',
        'deepseek-r1-nvidia',
        'global-ml-inference',
        'gpu-inference-job',
        'iot-edge-inference',
        'llama2-inference',
        'llama7b-lora-finetuning',
        'llm-inference',
        'model-training',
        'molecular-dynamics-simulation',
        'tenant-a-ml-service',
        'traffic-video-analytics',
      ],
    );
    for (const seed of seeds) {
      const committed = model.intents.find((i) => i.name === seed.name && i.file.endsWith('.json'));
      expect(committed, `intents/*/${seed.name}.json`).toBeDefined();
      const text = readFileSync(path.join(repoRoot, committed!.file), 'utf8');
      expect(text.trimEnd()).toBe(seed.text.trimEnd());
      const tenant = model.tenants.find((t) => t.name === committed!.tenant);
      const r = parseIntent(seed.text, 'seed.json', { tenant: committed!.tenant, config: model.config, ...(tenant ? { tenantDef: tenant } : {}) });
      expect(r.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
      expect(strip(r.intent!)).toEqual(strip(committed!));
    }
  });

  it.runIf(!existsSync(seedsDir))('skips the seed extraction: ../shared/seeds is absent', () => {
    console.warn(`skipping seed extraction: ${seedsDir} not found`);
  });
});
