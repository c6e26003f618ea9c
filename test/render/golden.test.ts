import { caseFiles } from './golden-case.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { beforeAll, describe, expect, test } from 'vitest';
import { formatDiagnostic, hasErrors } from '../../src/diagnostics.js';
import { parseRepo } from '../../src/repo/parse.js';
import type { SourceFile } from '../../src/repo/model.js';
import { loadTemplates } from '../../src/render/load-templates.js';
import { render } from '../../src/render/render.js';
import type { TemplateSet } from '../../src/render/templates.js';
import { checkRendered, writeRendered } from '../../src/render/write.js';

/**
 * Folder-driven golden tests: test/fixtures/golden/<case>/ holds intent.yaml|json (+ tenant.yaml,
 * status.yaml, flare.yaml) and expected/ (the rendered tree). UPDATE_GOLDEN=1 rewrites expected/
 * (a developer tool; CI never sets it).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const goldenDir = path.resolve(here, '..', 'fixtures', 'golden');
const cases = existsSync(goldenDir) ? readdirSync(goldenDir).filter((d) => !d.startsWith('.')).sort() : [];
const update = process.env.UPDATE_GOLDEN === '1';

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
    const c = await checkRendered(expected, r.files);
    if (!c.ok) {
      for (const f of c.changed) expect(r.files.get(f), `${name}: ${f}`).toBe(readFileSync(path.join(expected, f), 'utf8'));
    }
    expect({ missing: c.missing, changed: c.changed, stale: c.stale }).toEqual({ missing: [], changed: [], stale: [] });
  });
});
