import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseRepo } from '../../src/repo/parse.js';
import { render } from '../../src/render/render.js';
import { loadTemplates } from '../../src/render/load-templates.js';
import { loadDocument, LIMITS } from '../../src/doc/yaml-reader.js';
import { fastParseYaml } from '../../src/doc/fast-yaml-reader.js';
import type { SourceFile } from '../../src/doc/source-file.js';
import { runFlare } from '../support/cli.js';

const PROTO_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];

const tenant = (name: string, extra = '') =>
  `apiVersion: flare.fluidos.eu/v1alpha1\nkind: Tenant\nmetadata: {name: ${name}}\nspec:\n  quota: {gpus: 8}\n${extra}`;
const intentYaml = (name: string, location: string) => `apiVersion: flare.fluidos.eu/v1alpha1
kind: Intent
metadata:
  name: ${name}
spec:
  objective: Cost_Minimization
  workload:
    type: service
    image: nginx:1.25
    resources:
      gpu: {count: 1}
  constraints:
    location: ${JSON.stringify(location)}
`;
const good = (name: string) => intentYaml(name, 'EU');

function deepFlow(n: number): string {
  return '['.repeat(n) + ']'.repeat(n);
}
function deepBlock(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += `${' '.repeat(i)}k${i}:\n`;
  return s + `${' '.repeat(n)}leaf: 1\n`;
}

describe('prototype keys are names, not lookups', () => {
  for (const key of PROTO_KEYS) {
    it(`location ${key}: parse and render report it on the intent, the others render`, async () => {
      const files: SourceFile[] = [
        { path: 'tenants/a.yaml', text: tenant('a', '  allowed_locations: [EU]\n') },
        { path: 'tenants/b.yaml', text: tenant('b') },
        { path: 'intents/a/bad.yaml', text: intentYaml('bad', key) },
        { path: 'intents/a/ok.yaml', text: good('ok') },
        { path: 'intents/b/bad.yaml', text: intentYaml('bad', key) },
        { path: 'intents/b/ok.yaml', text: good('ok') },
      ];
      const model = parseRepo(files);
      // the tenant allows only EU: a location "constructor" is not in it
      expect(model.diagnostics.some((d) => d.file === 'intents/a/bad.yaml' && d.severity === 'error')).toBe(true);
      const ids = model.intents.map((i) => i.id);
      expect(ids).toContain('a-ok');
      expect(ids).toContain('b-ok');
      const res = render(model, (await loadTemplates(undefined)).templates);
      expect(res.objects.some((o) => o.intentId === 'a-ok')).toBe(true);
      expect(res.objects.some((o) => o.intentId === 'b-ok')).toBe(true);
    });
  }

  it('unknown field named like an Object.prototype member is an unknown field, not a crash', () => {
    for (const key of PROTO_KEYS) {
      const text = `apiVersion: flare.fluidos.eu/v1alpha1\nkind: Intent\nmetadata: {name: x}\nspec:\n  objective: Cost_Minimization\n  ${key}: 1\n  workload: {type: service, image: nginx}\n`;
      const model = parseRepo([{ path: 'tenants/a.yaml', text: tenant('a') }, { path: 'intents/a/x.yaml', text }]);
      expect(model.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['unknown-field']);
    }
  });

  it('a flare.yaml location catalog with prototype-like names works', async () => {
    const cfg = `apiVersion: flare.fluidos.eu/v1alpha1\nkind: FlareConfig\nmetadata: {name: flare}\nspec:\n  locations:\n    constructor: ["eu-*"]\n    toString: ["us-*"]\n`;
    const model = parseRepo([
      { path: 'flare.yaml', text: cfg },
      { path: 'tenants/a.yaml', text: tenant('a', '  allowed_locations: [constructor]\n') },
      { path: 'intents/a/x.yaml', text: intentYaml('x', 'constructor') },
      { path: 'intents/a/y.yaml', text: intentYaml('y', 'hasOwnProperty') },
    ]);
    expect(model.intents.map((i) => i.name)).toEqual(['x']);
    const res = render(model, (await loadTemplates(undefined)).templates);
    expect(res.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const solver = res.objects.find((o) => o.object.kind === 'Solver');
    expect(JSON.stringify(solver?.object)).toContain('eu-');
  });
});

describe('nesting depth is bounded', () => {
  it('the fast reader and the library reader report a located error past the limit', () => {
    for (const text of [`x: ${deepFlow(3000)}\n`, deepBlock(600), `{"a": ${deepFlow(3000)}}`, `x: ${deepFlow(LIMITS.maxDepth + 1)}\n`]) {
      const { reader, root } = loadDocument(text, 'f.yaml');
      expect(root).toBeUndefined();
      const d = reader.diagnostics.find((x) => x.code === 'too-deep');
      expect(d, text.slice(0, 40)).toBeDefined();
      expect(d!.line).toBeGreaterThan(0);
    }
    expect(() => fastParseYaml(`x: ${deepFlow(5000)}\n`)).not.toThrow();
  });

  it('nesting at the limit is still read', () => {
    const { root } = loadDocument(`x: ${deepFlow(LIMITS.maxDepth - 2)}\n`, 'f.yaml');
    expect(root).toBeDefined();
  });

  it('brackets inside strings and block scalars do not count', () => {
    const text = `a: "${'['.repeat(200)}"\nb: '${'{'.repeat(200)}'\nc: |\n${Array.from({ length: 100 }, (_, i) => ' '.repeat(2 + i) + 'x').join('\n')}\n`;
    const { root, reader } = loadDocument(text, 'f.yaml');
    expect(reader.diagnostics).toEqual([]);
    expect(root).toBeDefined();
  });

  it('a deep intent, tenant, status or flare.yaml never stops the other files', () => {
    const deep = `apiVersion: flare.fluidos.eu/v1alpha1\nkind: Intent\nmetadata: {name: deep}\nspec:\n  x: ${deepFlow(3000)}\n`;
    const model = parseRepo([
      { path: 'tenants/a.yaml', text: tenant('a') },
      { path: 'tenants/z.yaml', text: `kind: Tenant\nspec: ${deepFlow(3000)}\n` },
      { path: 'intents/a/deep.yaml', text: deep },
      { path: 'intents/a/ok.yaml', text: good('ok') },
      { path: 'status/a/ok.yaml', text: `x: ${deepFlow(3000)}\n` },
    ]);
    expect(model.intents.map((i) => i.id)).toEqual(['a-ok']);
    const codes = model.diagnostics.filter((d) => d.code === 'too-deep').map((d) => d.file).sort();
    expect(codes).toEqual(['intents/a/deep.yaml', 'status/a/ok.yaml', 'tenants/z.yaml']);
  });
});

describe('flare validate and render never exit 70 for input', () => {
  it('prototype-key locations and deep files are located errors (exit 1)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flare-hostile-'));
    try {
      mkdirSync(path.join(dir, 'tenants'));
      mkdirSync(path.join(dir, 'intents/a'), { recursive: true });
      writeFileSync(path.join(dir, 'tenants/a.yaml'), tenant('a', '  allowed_locations: [EU]\n'));
      writeFileSync(path.join(dir, 'intents/a/ctor.yaml'), intentYaml('ctor', 'constructor'));
      writeFileSync(path.join(dir, 'intents/a/deep.yaml'), `kind: Intent\nspec: ${deepFlow(3000)}\n`);
      writeFileSync(path.join(dir, 'intents/a/ok.yaml'), good('ok'));
      const v = await runFlare(['validate', '--output', 'json'], dir);
      expect(v.stderr).not.toContain('internal error');
      expect(v.code).toBe(1);
      expect(v.stdout).toContain('intents/a/ctor.yaml');
      expect(v.stdout).toContain('too-deep');
      const r = await runFlare(['render', '--output', 'json'], dir);
      expect(r.stderr).not.toContain('internal error');
      expect(r.code).not.toBe(70);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
