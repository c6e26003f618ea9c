import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import type { AnySchema, ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);
const Ajv = require('ajv') as typeof import('ajv').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const load = (name: string): AnySchema => JSON.parse(readFileSync(path.join(repoRoot, 'schemas', name), 'utf8')) as AnySchema;

function compile(name: string): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(load(name));
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (/\.(ya?ml|json)$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

const doc = (p: string): unknown => parse(readFileSync(path.join(repoRoot, p), 'utf8'));

describe('JSON Schemas', () => {
  it('every schema compiles', () => {
    for (const s of ['intent.json', 'tenant.json', 'status.json', 'flare.json']) expect(() => compile(s)).not.toThrow();
  });

  it('the intent schema accepts every example intent (all three shapes)', () => {
    const v = compile('intent.json');
    const files = filesUnder('intents');
    expect(files.length).toBeGreaterThanOrEqual(17);
    for (const f of files) expect(v(doc(f)), `${f}: ${JSON.stringify(v.errors?.slice(0, 3))}`).toBe(true);
  });

  it('the tenant, status and flare schemas accept the examples', () => {
    const t = compile('tenant.json');
    for (const f of filesUnder('tenants')) expect(t(doc(f)), f).toBe(true);
    const s = compile('status.json');
    const statuses = filesUnder('status');
    expect(statuses.length).toBeGreaterThanOrEqual(3);
    for (const f of statuses) expect(s(doc(f)), `${f}: ${JSON.stringify(s.errors?.slice(0, 3))}`).toBe(true);
    expect(compile('flare.json')(doc('flare.yaml'))).toBe(true);
  });

  it('the intent schema rejects typos, bad enums, zero counts and both spellings of an alias', () => {
    const v = compile('intent.json');
    const base = () => ({ name: 'x', objective: 'Cost_Minimization', requirements: { gpu: { count: 1 } } as Record<string, unknown> });
    expect(v(base())).toBe(true);
    expect(v({ ...base(), objectve: 'Cost_Minimization' })).toBe(false);
    expect(v({ ...base(), objective: '<objective>' })).toBe(false);
    expect(v({ ...base(), requirements: { gpu: { count: 0 } } })).toBe(false);
    expect(v({ ...base(), requirements: { gpu: { memory: '8Gi', memory_min: '8Gi' } } })).toBe(false);
    expect(v({ ...base(), requirements: { gpu: { momory: '8Gi' } } })).toBe(false);
    expect(v({ intent: { objective: 'Cost_Minimization', workload: { type: 'service', image: 'x' } } })).toBe(false); // API shape needs workload.name
    expect(v({ ...base(), constraints: { max_hourly_cost: 'five euros' } })).toBe(false);
  });

  it('the tenant and status schemas reject bad documents', () => {
    const t = compile('tenant.json');
    expect(t({ apiVersion: 'flare.fluidos.eu/v1alpha1', kind: 'Tenant', metadata: { name: 'a' }, spec: { quota: { gpus: -1 } } })).toBe(false);
    expect(t({ apiVersion: 'flare.fluidos.eu/v1alpha1', kind: 'Tenant', metadata: { name: 'a' }, spec: { quotas: {} } })).toBe(false);
    const s = compile('status.json');
    const good = doc('status/ml-platform/llama2-inference.yaml') as { status: Record<string, unknown> };
    expect(s({ ...good, status: { ...good.status, phase: 'Runing' } })).toBe(false);
  });
});
