import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ValidateFunction } from 'ajv';
import { parseRepo } from '../../src/repo/parse.js';
import type { SourceFile } from '../../src/doc/source-file.js';
import { intentSchemaText } from '../../src/intent/schema.js';
import { ARCHITECTURES, COMPLETION_POLICIES, INTERCONNECTS, PROTOCOLS, TIERS, TOPOLOGIES, WORKLOAD_TYPES } from '../../src/intent/fields.js';

const require = createRequire(import.meta.url);
const Ajv = require('ajv') as typeof import('ajv').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

const root = path.resolve(import.meta.dirname, '..', '..');
const schemaFile = path.join(root, 'schemas', 'intent.json');

function compile(): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((e) => (statSync(path.join(dir, e)).isDirectory() ? walk(path.join(dir, e)) : [path.join(dir, e)]));
}

/** Files of a repo folder as parseRepo takes them. */
function repoFiles(dir: string): SourceFile[] {
  return walk(dir)
    .map((f) => path.relative(dir, f).split(path.sep).join('/'))
    .filter((rel) => /^(flare\.yaml|tenants\/|intents\/)/.test(rel))
    .map((rel) => ({ path: rel, text: readFileSync(path.join(dir, rel), 'utf8') }));
}

/**
 * Checks a JSON Schema cannot make, by diagnostic code, and why: they need other files, the
 * repo's flare.yaml, the file's size, or a comparison of two fields. The schema may accept a file
 * whose only errors are these; every other error must be the schema's too.
 */
const BEYOND_A_SCHEMA: Record<string, string> = {
  'duplicate-intent': 'another file of the tenant has the same name',
  'unknown-tenant': 'tenants/ has no such tenant',
  'nested-folder': 'where the file is, not what it says',
  'no-tenant-folder': 'where the file is, not what it says',
  'name-too-long': 'the namespace joins the tenant name and the intent name',
  'location-not-allowed': "the tenant's allowed locations",
  'bad-location': "flare.yaml's location catalog",
  'currency-mismatch': "flare.yaml's currency",
  'min-greater-than-max': 'a comparison of two fields',
  'file-too-large': 'the size of the file',
};

/** Does `flare validate` accept this one intent file, counting only what a schema could check? */
function validatorAccepts(files: SourceFile[], intentPath: string, schemaExpressibleOnly = false): boolean {
  const model = parseRepo(files);
  return !model.diagnostics.some((d) => d.severity === 'error' && d.file === intentPath && !(schemaExpressibleOnly && d.code !== undefined && d.code in BEYOND_A_SCHEMA));
}

function schemaAccepts(v: ValidateFunction, text: string): boolean | 'unparsable' {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return 'unparsable';
  }
  return v(doc) as boolean;
}

describe('schemas/intent.json is generated from the readers', () => {
  it('the file is what src/intent/schema.ts generates (UPDATE_SCHEMAS=1 rewrites it)', () => {
    const text = intentSchemaText();
    if (process.env.UPDATE_SCHEMAS === '1') writeFileSync(schemaFile, text);
    expect(readFileSync(schemaFile, 'utf8')).toBe(text);
  });
});

describe('the schema and flare validate agree', () => {
  let v: ValidateFunction;
  beforeAll(() => {
    v = compile();
  });
  const exampleFiles = repoFiles(root);

  it('both accept every example intent of the repo', () => {
    const intents = exampleFiles.filter((f) => f.path.startsWith('intents/'));
    expect(intents.length).toBeGreaterThanOrEqual(17);
    for (const f of intents) {
      expect(validatorAccepts(exampleFiles, f.path), f.path).toBe(true);
      expect(schemaAccepts(v, f.text), f.path).toBe(true);
    }
  });

  it('both give the same verdict on every intent file of the bad-input corpus', () => {
    const badRoot = path.join(root, 'test', 'fixtures', 'bad');
    const disagree: string[] = [];
    for (const c of readdirSync(badRoot).sort()) {
      const files = repoFiles(path.join(badRoot, c));
      for (const f of files.filter((x) => x.path.startsWith('intents/'))) {
        const byValidator = validatorAccepts(files, f.path, true);
        const bySchema = schemaAccepts(v, f.text);
        if (bySchema === 'unparsable') {
          if (byValidator) disagree.push(`${c}/${f.path}: unparsable YAML accepted by flare validate`);
          continue;
        }
        if (byValidator !== bySchema) disagree.push(`${c}/${f.path}: validate ${byValidator ? 'accepts' : 'rejects'}, schema ${bySchema ? 'accepts' : 'rejects'}`);
      }
    }
    expect(disagree).toEqual([]);
  });

  it('every check left to flare validate is one the corpus exercises', () => {
    const badRoot = path.join(root, 'test', 'fixtures', 'bad');
    const seen = new Set<string>();
    for (const c of readdirSync(badRoot)) {
      const files = repoFiles(path.join(badRoot, c));
      for (const d of parseRepo(files).diagnostics) if (d.code) seen.add(d.code);
    }
    expect(Object.keys(BEYOND_A_SCHEMA).filter((code) => !seen.has(code))).toEqual([]);
  });

  it('both accept enum values in any letter case where flare validate does, and both reject a wrong value', () => {
    const base = {
      apiVersion: 'flare.fluidos.eu/v1alpha1',
      kind: 'Intent',
      metadata: { name: 'probe' },
      spec: { objective: 'Cost_Minimization', workload: { type: 'service', name: 'probe', image: 'nginx:1.27', resources: { gpu: { model: 'nvidia-t4', count: 1 } } } },
    };
    const variants: [string, (doc: any, value: string) => void, readonly string[]][] = [
      ['workload.type', (d, x) => (d.spec.workload.type = x), WORKLOAD_TYPES],
      ['gpu.architecture', (d, x) => (d.spec.workload.resources.gpu.architecture = x), ARCHITECTURES],
      ['gpu.tier', (d, x) => (d.spec.workload.resources.gpu.tier = x), TIERS],
      ['gpu.interconnect', (d, x) => (d.spec.workload.resources.gpu.interconnect = x), INTERCONNECTS],
      ['gpu.topology', (d, x) => (d.spec.workload.resources.gpu.topology = x), TOPOLOGIES],
      ['ports.protocol', (d, x) => (d.spec.workload.ports = [{ port: 80, protocol: x }]), PROTOCOLS],
      ['batch.completion_policy', (d, x) => Object.assign(d.spec.workload, { type: 'batch', batch: { completion_policy: x } }), COMPLETION_POLICIES],
    ];
    const tenant: SourceFile = { path: 'tenants/t.yaml', text: 'apiVersion: flare.fluidos.eu/v1alpha1\nkind: Tenant\nmetadata:\n  name: t\nspec:\n  owners:\n    - kind: User\n      name: t\n' };
    const verdicts = (doc: unknown) => {
      const text = JSON.stringify(doc);
      const files = [tenant, { path: 'intents/t/probe.json', text }];
      return { validate: validatorAccepts(files, 'intents/t/probe.json'), schema: schemaAccepts(v, text) };
    };
    for (const [field, set, values] of variants) {
      for (const value of values) {
        for (const spelling of [value, value.toUpperCase(), value[0]!.toUpperCase() + value.slice(1).toLowerCase()]) {
          const doc = structuredClone(base);
          set(doc, spelling);
          expect(verdicts(doc), `${field}: ${spelling}`).toEqual({ validate: true, schema: true });
        }
      }
      const doc = structuredClone(base);
      set(doc, 'no-such-value');
      expect(verdicts(doc), `${field}: no-such-value`).toEqual({ validate: false, schema: false });
    }
  });
});
