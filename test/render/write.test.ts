import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { loadTemplates } from '../../src/render/load-templates.js';
import { render } from '../../src/render/render.js';
import type { TemplateSet } from '../../src/render/templates.js';
import { checkRendered, compareTrees, listTree, writeRendered } from '../../src/render/write.js';
import { richModel } from './rich.js';
import * as h from './helpers.js';

let templates: TemplateSet;
const dirs: string[] = [];
beforeAll(async () => {
  templates = (await loadTemplates()).templates;
});
afterEach(() => {
  for (const d of dirs.splice(0)) {
    chmodSync(d, 0o755);
    rmSync(d, { recursive: true, force: true });
  }
});
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'flare-render-'));
  dirs.push(d);
  return d;
}

function kubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('writeRendered / checkRendered', () => {
  test('writes exactly the files, replaces the tree and removes stale files', async () => {
    const root = tmp();
    const out = path.join(root, 'rendered');
    mkdirSync(path.join(out, 'old-tenant', 'gone'), { recursive: true });
    writeFileSync(path.join(out, 'old-tenant', 'gone', 'stale.yaml'), 'x');
    const files = render(h.model([h.intent({ name: 'a' }), h.intent({ name: 'b' })]), templates).files;
    await writeRendered(out, files);
    expect(await listTree(out)).toEqual([...files.keys()].sort());
    for (const [rel, text] of files) expect(readFileSync(path.join(out, rel), 'utf8')).toBe(text);
    // no temp or old trees left beside it
    expect(readdirSync(root)).toEqual(['rendered']);
    expect((await checkRendered(out, files)).ok).toBe(true);
  });

  test('check reports missing, changed and stale files, and writes nothing', async () => {
    const out = path.join(tmp(), 'rendered');
    const files = render(h.model([h.intent({ name: 'a' })]), templates).files;
    expect(await checkRendered(out, files)).toMatchObject({ ok: false, missing: [...files.keys()], changed: [], stale: [] });
    expect(existsSync(out)).toBe(false);
    await writeRendered(out, files);
    writeFileSync(path.join(out, 'team-a/a/solver-flare-team-a-a.yaml'), 'changed');
    writeFileSync(path.join(out, 'team-a/extra.yaml'), 'x');
    rmSync(path.join(out, '.gitattributes'));
    const c = await checkRendered(out, files);
    expect(c).toEqual({ ok: false, missing: ['.gitattributes'], changed: ['team-a/a/solver-flare-team-a-a.yaml'], stale: ['team-a/extra.yaml'], symlinks: [] });
    expect(compareTrees(files, new Map(files)).ok).toBe(true);
  });

  test('a failing write leaves the existing tree untouched', async () => {
    const root = tmp();
    const out = path.join(root, 'rendered');
    const first = render(h.model([h.intent({ name: 'a' })]), templates).files;
    await writeRendered(out, first);
    const before = await listTree(out);
    const bad = new Map(first);
    bad.set('../escape.yaml', 'x');
    await expect(writeRendered(out, bad)).rejects.toThrow(/outside/);
    // an unwritable parent makes the temp tree impossible to build
    chmodSync(root, 0o555);
    try {
      if (process.getuid?.() !== 0) await expect(writeRendered(out, render(h.model([h.intent({ name: 'b' })]), templates).files)).rejects.toThrow();
    } finally {
      chmodSync(root, 0o755);
    }
    expect(await listTree(out)).toEqual(before);
    expect((await checkRendered(out, first)).ok).toBe(true);
  });
});

describe.skipIf(!kubectl())('kubectl kustomize', () => {
  test('the top-level and every tenant kustomization build with real kubectl', async () => {
    const out = path.join(tmp(), 'rendered');
    const combined = render(richModel([h.intent({ tenant: 'team-b', name: 'z' })]), templates);
    expect(combined.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    await writeRendered(out, combined.files);
    const all = execFileSync('kubectl', ['kustomize', out], { encoding: 'utf8' });
    const count = (all.match(/^kind: /gm) ?? []).length;
    expect(count).toBe(combined.objects.length);
    for (const t of ['team-a', 'team-b']) {
      const one = execFileSync('kubectl', ['kustomize', path.join(out, t)], { encoding: 'utf8' });
      expect((one.match(/^kind: /gm) ?? []).length).toBe(combined.objects.filter((o) => o.tenant === t).length);
    }
  });
});
