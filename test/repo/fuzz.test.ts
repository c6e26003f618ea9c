import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseRepo } from '../../src/repo/parse.js';
import { render } from '../../src/render/render.js';
import { loadTemplates } from '../../src/render/load-templates.js';
import { seededRandom } from '../../src/sandbox/api/faults.js';
import type { SourceFile } from '../../src/repo/model.js';

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

const HOSTILE = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '[[[[[[[[', '{a: {b: {c:', '&a [*a, *a]', '!!js/function x', '"\\u0000"', 'x'.repeat(20_000), '-1e309', 'null', '[]', '{}'];

/** Value positions of a YAML or JSON file: `key: value` and `"key": value`. */
function valueSpans(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const m of text.matchAll(/^(\s*-?\s*"?[\w.-]+"?\s*:[ \t]*)([^\n{[]+?)(,?)[ \t]*$/gm)) {
    const start = m.index + m[1]!.length;
    out.push({ start, end: start + m[2]!.length });
  }
  return out;
}

/** One random mutation: a value replaced by a hostile token or deep nesting, a token spliced in, or a cut. */
function mutate(text: string, rand: () => number): string {
  const hostile = (): string => HOSTILE[Math.floor(rand() * HOSTILE.length)]!;
  const deep = (): string => {
    const n = 100 + Math.floor(rand() * 3000);
    return '['.repeat(n) + ']'.repeat(n);
  };
  const pick = rand();
  const spans = valueSpans(text);
  if (pick < 0.6 && spans.length > 0) {
    const sp = spans[Math.floor(rand() * spans.length)]!;
    const json = text.trimStart().startsWith('{');
    const v = rand() < 0.7 ? hostile() : deep();
    return text.slice(0, sp.start) + (json && !v.startsWith('[') ? JSON.stringify(v) : v) + text.slice(sp.end);
  }
  const at = Math.floor(rand() * (text.length + 1));
  if (pick < 0.8) return text.slice(0, at) + (rand() < 0.5 ? hostile() : deep()) + text.slice(at);
  return text.slice(0, at);
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
