import { describe, expect, it, afterAll } from 'vitest';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { Diagnostic } from '../../src/diagnostics.js';
import { formatGithub } from '../../src/cli/validate.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const corpus = path.join(repoRoot, 'test', 'fixtures', 'bad');
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

async function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = sink();
  const err = sink();
  const code = await main(['node', 'flare', ...args], { stdout: out.stream, stderr: err.stream, cwd, env: {} });
  return { code, stdout: out.text(), stderr: err.text() };
}

function snapshot(dir: string): Map<string, string> {
  const m = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else m.set(path.relative(dir, p), `${statSync(p).mtimeMs}:${readFileSync(p, 'utf8')}`);
    }
  };
  walk(dir);
  return m;
}

interface Expected {
  exitCode: number;
  diagnostics: (Pick<Diagnostic, 'severity' | 'file' | 'line' | 'column' | 'path' | 'code'> & { hintIncludes?: string })[];
}

const cases = readdirSync(corpus).sort();

describe('flare validate on the bad-input corpus', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('%s', async (name) => {
    const expected = JSON.parse(readFileSync(path.join(corpus, name, 'expected.json'), 'utf8')) as Expected;
    const dir = mkdtempSync(path.join(tmpdir(), `flare-bad-${name}-`));
    temps.push(dir);
    cpSync(path.join(corpus, name), dir, { recursive: true });
    const before = snapshot(dir);
    const res = await run(['validate', '--repo', dir, '--output', 'json'], dir);
    expect(res.code).toBe(expected.exitCode);
    const report = JSON.parse(res.stdout) as { valid: boolean; diagnostics: Diagnostic[] };
    expect(report.valid).toBe(false);
    const got = report.diagnostics
      .filter((d) => d.severity !== 'info')
      .map((d) => ({ severity: d.severity, file: d.file, line: d.line, column: d.column, path: d.path, code: d.code }));
    const want = expected.diagnostics.map(({ hintIncludes: _h, ...d }) => d);
    const key = (d: { file: string; line: number; column: number; code: string }) => `${d.file}:${d.line}:${d.column}:${d.code}`;
    expect([...got].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...want].sort((a, b) => key(a).localeCompare(key(b))));
    for (const e of expected.diagnostics) {
      if (!e.hintIncludes) continue;
      const d = report.diagnostics.find((x) => x.file === e.file && x.code === e.code && x.line === e.line);
      expect(d?.hint ?? '').toContain(e.hintIncludes);
    }
    // validate writes nothing
    expect(snapshot(dir)).toEqual(before);
    // and render refuses the same input without writing anything either (no rendered/, no temp tree)
    if (expected.exitCode === 1) {
      const rendered = await run(['render', '--repo', dir], dir);
      expect(rendered.code).toBe(1);
      expect(snapshot(dir)).toEqual(before);
    }
  });
});

describe('flare validate on the project repo', () => {
  it('accepts the example repo with exit 0 and lists the recorded-not-enforced fields', async () => {
    const res = await run(['validate'], repoRoot);
    expect(res.stderr).toMatch(/^valid: \d+ intent\(s\)/m);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('recorded, not enforced');
    expect(res.stdout).not.toMatch(/^\S+:\d+:\d+ {2}\S+ {2}(?!info:|warning:)/m);
  });

  it('limits the report to the given paths but still loads tenants', async () => {
    const res = await run(['validate', '--output', 'json', 'intents/ml-platform/mistral-chat.yaml'], repoRoot);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as { intents: { id: string }[]; diagnostics: Diagnostic[] };
    expect(report.intents.map((i) => i.id)).toEqual(['ml-platform-mistral--chat']);
    expect(report.diagnostics.every((d) => d.file === 'intents/ml-platform/mistral-chat.yaml')).toBe(true);
  });

  it('exits 2 for a missing repo or path', async () => {
    const missing = await run(['validate', '--repo', path.join(tmpdir(), 'flare-no-such-dir-xyz')], repoRoot);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('flare-no-such-dir-xyz');
    const badPath = await run(['validate', 'intents/nope.yaml'], repoRoot);
    expect(badPath.code).toBe(2);
  });

  it('rejects an unknown output format as a usage error', async () => {
    const res = await run(['validate', '--output', 'xml'], repoRoot);
    expect(res.code).toBe(2);
  });

  it('prints GitHub annotations with file, line and column', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flare-gh-'));
    temps.push(dir);
    cpSync(path.join(corpus, 'unknown-field-did-you-mean'), dir, { recursive: true });
    const res = await run(['validate', '--output', 'github'], dir);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('::error file=intents/t/demo.yaml,line=13,col=9::workload.resources.gpu.momory unknown field; did you mean "memory"?');
    expect(res.stderr).toMatch(/^invalid: /m);
  });

  it('text output puts one diagnostic per line on stdout', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flare-txt-'));
    temps.push(dir);
    cpSync(path.join(corpus, 'bad-enum-objective'), dir, { recursive: true });
    const res = await run(['validate'], dir);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('intents/t/demo.yaml:6:14  objective  "Cost_Minimisation" is not one of Performance_Maximization, Cost_Minimization, Latency_Minimization, Energy_Efficiency, Balanced_Optimization; did you mean "Cost_Minimization"?\n');
  });
});

describe('formatGithub', () => {
  it('escapes newlines and property separators', () => {
    const s = formatGithub({ severity: 'warning', file: 'a,b:c.yaml', line: 0, column: 0, path: '', message: 'x\ny', code: 'c' });
    expect(s).toBe('::warning file=a%2Cb%3Ac.yaml::x%0Ay');
  });
});
