import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { runFlare, type FlareRun } from '../support/cli.js';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { listTree } from '../../src/render/write.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A small FLARE repo in a temp dir: two tenants of the project's examples, one with status. */
function repo(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'flare-cli-render-'));
  dirs.push(d);
  for (const t of ['ml-platform', 'research']) {
    mkdirSync(path.join(d, 'tenants'), { recursive: true });
    cpSync(path.join(repoRoot, 'tenants', `${t}.yaml`), path.join(d, 'tenants', `${t}.yaml`));
  }
  mkdirSync(path.join(d, 'intents', 'ml-platform'), { recursive: true });
  mkdirSync(path.join(d, 'intents', 'research'), { recursive: true });
  cpSync(path.join(repoRoot, 'intents/ml-platform/mistral-chat.yaml'), path.join(d, 'intents/ml-platform/mistral-chat.yaml'));
  cpSync(path.join(repoRoot, 'intents/ml-platform/llama2-inference.json'), path.join(d, 'intents/ml-platform/llama2-inference.json'));
  cpSync(path.join(repoRoot, 'intents/research/h100-capacity.yaml'), path.join(d, 'intents/research/h100-capacity.yaml'));
  mkdirSync(path.join(d, 'status', 'ml-platform'), { recursive: true });
  cpSync(path.join(repoRoot, 'status/ml-platform/llama2-inference.yaml'), path.join(d, 'status/ml-platform/llama2-inference.yaml'));
  return d;
}

function run(args: string[], cwd: string): Promise<FlareRun> {
  return runFlare(args, cwd);
}

async function snapshot(dir: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const f of await listTree(dir)) m.set(f, readFileSync(path.join(dir, f), 'utf8'));
  return m;
}

describe('flare render', () => {
  test('writes rendered/, logs a summary on stderr, nothing on stdout; byte-identical on re-run', async () => {
    const d = repo();
    const r = await run(['render'], d);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/rendered \d+ objects for 3 intents in 2 tenants/);
    const files = await listTree(path.join(d, 'rendered'));
    expect(files).toContain('ml-platform/llama2-inference/reservation-flare-ml-platform-llama2--inference-a1.yaml');
    expect(files).toContain('research/h100-capacity/solver-flare-research-h100--capacity.yaml');
    expect(files).toContain('kustomization.yaml');
    const first = await snapshot(path.join(d, 'rendered'));
    expect((await run(['render'], d)).code).toBe(0);
    expect(await snapshot(path.join(d, 'rendered'))).toEqual(first);
  });

  test('--check: 0 when up to date, 1 listing changed, missing and stale files; writes nothing', async () => {
    const d = repo();
    const out = path.join(d, 'rendered');
    const missing = await run(['render', '--check'], d);
    expect(missing.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(missing.stderr).toMatch(/missing: rendered\/kustomization.yaml/);
    expect((await run(['render'], d)).code).toBe(0);
    const ok = await run(['render', '--check'], d);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/up to date/);
    const solver = path.join(out, 'research/h100-capacity/solver-flare-research-h100--capacity.yaml');
    writeFileSync(solver, readFileSync(solver, 'utf8') + '# edited\n');
    writeFileSync(path.join(out, 'research/old.yaml'), 'x: 1\n');
    const before = await snapshot(out);
    const bad = await run(['render', '--check'], d);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('differs: rendered/research/h100-capacity/solver-flare-research-h100--capacity.yaml');
    expect(bad.stderr).toContain('stale:   rendered/research/old.yaml');
    expect(await snapshot(out)).toEqual(before);
    // an intent change is caught too
    rmSync(path.join(d, 'intents/research/h100-capacity.yaml'));
    const removed = await run(['render', '--check'], d);
    expect(removed.code).toBe(1);
    expect(removed.stderr).toContain('stale:   rendered/research/h100-capacity/solver-flare-research-h100--capacity.yaml');
    // and a real render removes the stale files
    expect((await run(['render'], d)).code).toBe(0);
    const after = await listTree(out);
    expect(after.some((f) => f.includes('h100-capacity') || f === 'research/old.yaml')).toBe(false);
  });

  test('an invalid intent: diagnostics on stderr, exit 1, rendered/ untouched', async () => {
    const d = repo();
    expect((await run(['render'], d)).code).toBe(0);
    const before = await snapshot(path.join(d, 'rendered'));
    writeFileSync(
      path.join(d, 'intents/research/broken.yaml'),
      'apiVersion: flare.fluidos.eu/v1alpha1\nkind: Intent\nmetadata:\n  name: broken\nspec:\n  objective: Cost_Minimization\n  requirements:\n    gpu:\n      modle: nvidia-h100\n',
    );
    const r = await run(['render'], d);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/intents\/research\/broken.yaml:\d+:\d+/);
    expect(r.stderr).toMatch(/nothing written/);
    expect(await snapshot(path.join(d, 'rendered'))).toEqual(before);
  });

  test('--out and --repo resolve against the working directory', async () => {
    const d = repo();
    const cwd = path.dirname(d);
    const r = await run(['render', '--repo', path.basename(d), '--out', path.join(path.basename(d), 'out', 'manifests')], cwd);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(d, 'out/manifests/kustomization.yaml'))).toBe(true);
    expect(existsSync(path.join(d, 'rendered'))).toBe(false);
  });

  test('a repo template override takes precedence; an unsafe one fails the render', async () => {
    const d = repo();
    mkdirSync(path.join(d, 'templates'));
    const shipped = readFileSync(path.join(repoRoot, 'templates/namespace.yaml.hbs'), 'utf8');
    writeFileSync(path.join(d, 'templates/namespace.yaml.hbs'), shipped.replace('  annotations: {{json annotations}}', '  annotations: {{json annotations}}\n  finalizers: ["example.com/keep"]'));
    expect((await run(['render'], d)).code).toBe(0);
    const ns = readFileSync(path.join(d, 'rendered/research/h100-capacity/namespace-flare-research-h100--capacity.yaml'), 'utf8');
    expect(ns).toContain('example.com/keep');
    writeFileSync(path.join(d, 'templates/namespace.yaml.hbs'), shipped.replace('{{json name}}', '{{name}}'));
    const r = await run(['render'], d);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/templates\/namespace.yaml.hbs.*json helper/);
  });
});
