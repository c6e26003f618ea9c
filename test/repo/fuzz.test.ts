import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseRepo } from '../../src/repo/parse.js';
import { render } from '../../src/render/render.js';
import { loadTemplates } from '../../src/render/load-templates.js';
import { seededRandom } from '../../src/sandbox/api/faults.js';
import type { SourceFile } from '../../src/doc/source-file.js';
import { mutate } from '../support/fuzz.js';

const root = path.resolve(import.meta.dirname, '..', '..');

function repoFiles(): SourceFile[] {
  const out: SourceFile[] = [{ path: 'flare.yaml', text: readFileSync(path.join(root, 'flare.yaml'), 'utf8') }];
  for (const dir of ['tenants', 'intents', 'status']) {
    const walk = (rel: string): void => {
      for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
        const p = `${rel}/${e.name}`;
        if (e.isDirectory()) walk(p);
        else if (/\.(ya?ml|json)$/.test(e.name)) out.push({ path: p, text: readFileSync(path.join(root, p), 'utf8') });
      }
    };
    walk(dir);
  }
  return out;
}

describe('fuzz: mutated seed intents, tenants and status files', () => {
  it('parse and render never throw, and a mutated file never removes another intent', async () => {
    const templates = (await loadTemplates(undefined)).templates;
    const files = repoFiles();
    const baseline = parseRepo(files);
    const baseIds = new Set(baseline.intents.map((i) => i.id));
    const rand = seededRandom(13);
    const candidates = files.filter((f) => f.path.startsWith('intents/') || f.path.startsWith('status/'));
    for (let round = 0; round < 60; round++) {
      const victim = candidates[Math.floor(rand() * candidates.length)]!;
      const mutated = files.map((f) => (f === victim ? { path: f.path, text: mutate(f.text, rand) } : f));
      const model = parseRepo(mutated);
      const r = render(model, templates);
      expect(r.objects.length).toBeGreaterThan(0);
      // every intent not in the mutated file (nor its status) is still there
      const ids = new Set(model.intents.map((i) => i.id));
      const victimIntent = baseline.intents.find((i) => i.file === victim.path);
      for (const id of baseIds) {
        if (victimIntent?.id === id) continue;
        expect(ids.has(id), `${id} lost after mutating ${victim.path}`).toBe(true);
      }
    }
  });
});
