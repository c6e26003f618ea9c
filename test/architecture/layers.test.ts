import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLayers, findCycles, formatViolation, readImportGraph, type ImportGraph } from '../support/import-graph.js';
import { LAYERS } from './layers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('import direction of src/', () => {
  it('has no upward import, no unplaced file and no import circle', () => {
    const graph = readImportGraph(path.join(root, 'src'));
    expect(graph.edges.length).toBeGreaterThan(500);
    expect(checkLayers(graph, LAYERS).map(formatViolation)).toEqual([]);
  });

  it('no src module but bench imports src/bench, and no test does', () => {
    const graph = readImportGraph(path.join(root, 'src'));
    expect(graph.edges.filter((e) => e.to.startsWith('bench/') && !e.from.startsWith('bench/'))).toEqual([]);
    const tests = readImportGraph(root, ['src', 'test']);
    const fromTests = tests.edges.filter((e) => e.from.startsWith('test/') && e.to.startsWith('src/bench/'));
    expect(fromTests).toEqual([]);
  });
});

describe('the checker', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  const tree = (files: Record<string, string>): string => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'flare-layers-'));
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    return dir;
  };

  it('reports an upward import, a type-only one too, and a circle', () => {
    const src = tree({
      'util/a.ts': "import { run } from '../cli/main.js';\nexport const a = run;\n",
      'intent/b.ts': "import type { Decision } from '../select/types.js';\nexport type B = Decision;\n",
      'select/types.ts': "export interface Decision { ok: boolean }\n",
      'cli/main.ts': "export const run = 1;\n",
      'render/x.ts': "export { y } from './y.js';\nexport const x = 1;\n",
      'render/y.ts': "import { x } from './x.js';\nexport const y = x;\n",
      'render/z.ts': "export const z = () => import('../reconcile/w.js');\n",
      'reconcile/w.ts': "export const w = 1;\n",
      'nowhere/n.ts': "export const n = 1;\n",
    });
    const found = checkLayers(readImportGraph(src), LAYERS).map(formatViolation);
    expect(found).toEqual([
      'unplaced: nowhere/n.ts is in no layer',
      'upward: intent/b.ts (intent) -> select/types.ts (select) [type]',
      'upward: render/z.ts (render) -> reconcile/w.ts (reconcile)',
      'upward: util/a.ts (base) -> cli/main.ts (shells)',
      'cycle: render/x.ts <-> render/y.ts',
    ].sort((p, q) => (p.startsWith('cycle') ? 1 : q.startsWith('cycle') ? -1 : 0)));
  });

  it('reports a circle closed only by a type import, which the load order alone would not show', () => {
    const graph: ImportGraph = {
      files: ['select/a.ts', 'select/b.ts'],
      edges: [
        { from: 'select/a.ts', to: 'select/b.ts', typeOnly: false },
        { from: 'select/b.ts', to: 'select/a.ts', typeOnly: true },
      ],
    };
    expect(findCycles(graph, { includeTypeOnly: false })).toEqual([]);
    expect(checkLayers(graph, LAYERS).map(formatViolation)).toEqual(['cycle: select/a.ts <-> select/b.ts']);
  });

  it('fails on a deliberately wrong import added to a copy of src/', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'flare-layers-'));
    cpSync(path.join(root, 'src'), dir, { recursive: true });
    expect(checkLayers(readImportGraph(dir), LAYERS)).toEqual([]);
    // The intent model reaching up into the reconciler: against the pipeline, and a circle too.
    appendFileSync(path.join(dir, 'intent/model.ts'), "\nimport '../reconcile/cycle.js';\n");
    const found = checkLayers(readImportGraph(dir), LAYERS).map(formatViolation);
    expect(found).toContain('upward: intent/model.ts (intent) -> reconcile/cycle.ts (reconcile)');
    expect(found.filter((v) => v.startsWith('cycle: ')).join('\n')).toMatch(/intent\/model\.ts.*reconcile\/cycle\.ts/);
  });
});
