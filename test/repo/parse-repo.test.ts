import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseRepo } from '../../src/repo/parse.js';
import { loadRepo, readRepoFiles } from '../../src/repo/load.js';
import { IoError } from '../../src/errors.js';
import type { SourceFile } from '../../src/doc/source-file.js';

const tenant = (name: string, spec = '  quota: {gpus: 8}\n') => `apiVersion: flare.fluidos.eu/v1alpha1\nkind: Tenant\nmetadata: {name: ${name}}\nspec:\n${spec}`;
const intent = (name: string, gpus = 1, extra = '') => JSON.stringify({ name, objective: 'Cost_Minimization', requirements: { gpu: { count: gpus } }, ...(extra ? JSON.parse(extra) : {}) });
const status = (tenantName: string, name: string) => `apiVersion: flare.fluidos.eu/v1alpha1
kind: IntentStatus
metadata: {name: ${name}, tenant: ${tenantName}}
status: {intent_id: ${tenantName}-${name}, tenant: ${tenantName}, name: ${name}, phase: Pending, selection: flare, spec_hash: x, placements: [], history: []}
`;

describe('parseRepo', () => {
  it('collects intents, tenants and statuses keyed by intent id; ignores other files', () => {
    const files: SourceFile[] = [
      { path: 'tenants/a.yaml', text: tenant('a') },
      { path: 'intents/a/one.json', text: intent('one') },
      { path: 'intents/a/README.md', text: '# not an intent' },
      { path: 'status/a/one.yaml', text: status('a', 'one') },
      { path: 'docs/whatever.yaml', text: 'x: [' },
    ];
    const m = parseRepo(files);
    expect(m.diagnostics).toEqual([]);
    expect(m.intents.map((i) => i.id)).toEqual(['a-one']);
    expect(m.tenants.map((t) => t.name)).toEqual(['a']);
    expect([...m.statuses.keys()]).toEqual(['a-one']);
    expect(m.statuses.get('a-one')!.phase).toBe('Pending');
  });

  it('excludes intents with errors but reports every file', () => {
    const m = parseRepo([
      { path: 'tenants/a.yaml', text: tenant('a') },
      { path: 'intents/a/good.json', text: intent('good') },
      { path: 'intents/a/bad.json', text: intent('bad', 0) },
      { path: 'intents/a/worse.json', text: '{"name": "worse"' },
    ]);
    expect(m.intents.map((i) => i.name)).toEqual(['good']);
    expect(m.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual(['intents/a/bad.json out-of-range', 'intents/a/worse.json yaml-syntax']);
  });

  it('counts multi-region intents once per region against the GPU quota', () => {
    const m = parseRepo([
      { path: 'tenants/a.yaml', text: tenant('a', '  quota: {gpus: 5}\n') },
      { path: 'intents/a/multi.json', text: intent('multi', 2, '{"constraints": {"regions": ["EU", "US", "Asia"]}}') },
    ]);
    const d = m.diagnostics.find((x) => x.code === 'quota-gpus');
    expect(d?.message).toContain('ask for 6 GPUs; the quota is 5');
  });

  it('warns when a money quota meets an intent without a budget; sums hourly budgets', () => {
    const m = parseRepo([
      { path: 'tenants/a.yaml', text: tenant('a', '  quota: {max_hourly_cost: 10 EUR}\n') },
      { path: 'intents/a/x.json', text: intent('x') },
      { path: 'intents/a/y.json', text: intent('y', 1, '{"constraints": {"max_total_cost": "20 EUR"}}') },
    ]);
    expect(m.diagnostics.map((d) => `${d.severity} ${d.file} ${d.code}`)).toEqual(['warning intents/a/x.json quota-unbounded', 'error tenants/a.yaml quota-money']);
    expect(m.diagnostics[1]!.message).toContain('20.00 EUR/h'.replace('.00', ''));
  });

  it('only= limits reported intents and diagnostics, keeping tenant diagnostics', () => {
    const m = parseRepo(
      [
        { path: 'tenants/a.yaml', text: tenant('a', '  quota: {gpus: 1}\n') },
        { path: 'intents/a/x.json', text: intent('x') },
        { path: 'intents/a/y.json', text: intent('y', 0) },
      ],
      { only: ['intents/a/x.json'] },
    );
    expect(m.intents.map((i) => i.name)).toEqual(['x']);
    expect(m.diagnostics.map((d) => d.code)).toEqual([]);
    const m2 = parseRepo([{ path: 'tenants/a.yaml', text: tenant('a', '  quota: {gpus: 1}\n') }, { path: 'intents/a/x.json', text: intent('x', 2) }], { only: ['intents/a'] });
    expect(m2.diagnostics.map((d) => d.code)).toEqual(['quota-gpus']);
  });

  it('a status file whose intent has errors is not called an orphan', () => {
    const m = parseRepo([
      { path: 'tenants/a.yaml', text: tenant('a') },
      { path: 'intents/a/x.json', text: intent('x', 0) },
      { path: 'status/a/x.yaml', text: status('a', 'x') },
    ]);
    expect(m.diagnostics.map((d) => d.code)).toEqual(['out-of-range']);
  });
});

describe('loadRepo / readRepoFiles', () => {
  it('reads only FLARE files and throws IoError for a missing directory or path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flare-load-'));
    try {
      mkdirSync(path.join(dir, 'intents', 'a'), { recursive: true });
      mkdirSync(path.join(dir, 'tenants'));
      mkdirSync(path.join(dir, 'src'));
      writeFileSync(path.join(dir, 'tenants', 'a.yaml'), tenant('a'));
      writeFileSync(path.join(dir, 'intents', 'a', 'x.json'), intent('x'));
      writeFileSync(path.join(dir, 'src', 'ignored.yaml'), 'x: 1');
      const files = await readRepoFiles(dir);
      expect(files.map((f) => f.path)).toEqual(['tenants/a.yaml', 'intents/a/x.json']);
      const m = await loadRepo(dir, { paths: [path.join(dir, 'intents/a/x.json')] });
      expect(m.intents.map((i) => i.id)).toEqual(['a-x']);
      await expect(loadRepo(path.join(dir, 'nope'))).rejects.toBeInstanceOf(IoError);
      await expect(loadRepo(dir, { paths: ['intents/a/missing.json'] })).rejects.toBeInstanceOf(IoError);
      await expect(loadRepo(dir, { paths: ['../outside'] })).rejects.toBeInstanceOf(IoError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never reads more than the size bound of a file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flare-big-'));
    try {
      mkdirSync(path.join(dir, 'intents', 'a'), { recursive: true });
      writeFileSync(path.join(dir, 'intents', 'a', 'big.yaml'), 'x'.repeat(2 * 1024 * 1024));
      const files = await readRepoFiles(dir);
      expect(files[0]!.text.length).toBe(256 * 1024 + 1);
      const m = parseRepo(files);
      expect(m.diagnostics.map((d) => d.code)).toContain('file-too-large');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
