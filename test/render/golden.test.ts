import { caseFiles } from './golden-case.js';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { beforeAll, describe, expect, test } from 'vitest';
import { formatDiagnostic, hasErrors } from '../../src/diagnostics.js';
import { parseRepo } from '../../src/repo/parse.js';
import type { SourceFile } from '../../src/doc/source-file.js';
import { loadTemplates } from '../../src/render/load-templates.js';
import { render } from '../../src/render/render.js';
import type { TemplateSet } from '../../src/render/templates.js';
import { writeRendered } from '../../src/render/write.js';

/**
 * Folder-driven golden tests: test/fixtures/golden/<case>/ holds intent.yaml|json (+ tenant.yaml,
 * status.yaml, flare.yaml) and expected/ (the rendered tree). UPDATE_GOLDEN=1 rewrites expected/
 * (a developer tool; CI never sets it).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const goldenDir = path.resolve(here, '..', 'fixtures', 'golden');
const cases = existsSync(goldenDir) ? readdirSync(goldenDir).filter((d) => !d.startsWith('.')).sort() : [];
const update = process.env.UPDATE_GOLDEN === '1';

/** Every file under `root` by its relative path, in sorted order. */
function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${e}` : e;
      if (statSync(path.join(root, r)).isDirectory()) walk(r);
      else out[r] = readFileSync(path.join(root, r), 'utf8');
    }
  };
  if (existsSync(root)) walk('');
  return sortedRecord(new Map(Object.entries(out)));
}

function sortedRecord(files: ReadonlyMap<string, string>): Record<string, string> {
  return Object.fromEntries([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

let templates: TemplateSet;
beforeAll(async () => {
  templates = (await loadTemplates()).templates;
});

describe('golden renders', () => {
  test('there are golden cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  test.each(cases)('%s', async (name) => {
    const dir = path.join(goldenDir, name);
    const model = parseRepo(caseFiles(dir));
    expect(hasErrors(model.diagnostics), model.diagnostics.map(formatDiagnostic).join('\n')).toBe(false);
    expect(model.intents.length).toBe(1);
    const r = render(model, templates);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const expected = path.join(dir, 'expected');
    if (update) await writeRendered(expected, r.files);
    // compare the file maps themselves, not through the production drift checker under test
    expect(sortedRecord(r.files)).toEqual(readTree(expected));
  });
});
