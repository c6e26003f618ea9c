import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { afterEach, describe, expect, test } from 'vitest';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { ApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet';
import { runFlare } from '../support/cli.js';
import { buildProgram } from '../../src/cli/main.js';
import { sink } from '../support/cli.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'flare-init-'));
  dirs.push(d);
  return d;
}

function filesUnder(dir: string, base = ''): string[] {
  return readdirSync(path.join(dir, base), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(dir, path.join(base, e.name)) : [path.join(base, e.name)],
  );
}

describe('flare init', () => {
  test('scaffolds a repo in which validate and render pass', async () => {
    const cwd = tempDir();
    const r = await runFlare(['init', 'gpus', '--tenant', 'vision', '--repo-url', 'https://ci:tok@git.example.com/vision/gpus.git'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const dir = path.join(cwd, 'gpus');
    expect(filesUnder(dir).sort()).toEqual(
      [
        '.github/workflows/flare.yml', '.gitignore', 'README.md', 'argocd/application.yaml', 'argocd/applicationset.yaml', 'flare.yaml',
        'intents/vision/hello-gpu.yaml', 'schemas/flare.json', 'schemas/intent.json', 'schemas/status.json', 'schemas/tenant.json', 'tenants/vision.yaml',
      ].sort(),
    );
    expect(r.stdout.trim().split('\n').sort()).toEqual(filesUnder(dir).sort());
    const v = await runFlare(['validate'], dir);
    expect(v.code, v.stderr + v.stdout).toBe(0);
    const rr = await runFlare(['render'], dir);
    expect(rr.code, rr.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'rendered', 'vision', 'kustomization.yaml'))).toBe(true);
    const check = await runFlare(['render', '--check'], dir);
    expect(check.code, check.stderr).toBe(0);
  });

  test('the intent is in envelope form and every $schema line resolves to the copied schemas', async () => {
    const dir = tempDir();
    expect((await runFlare(['init'], dir)).code).toBe(0);
    const intent = parse(readFileSync(path.join(dir, 'intents/team-a/hello-gpu.yaml'), 'utf8'));
    expect(intent).toMatchObject({ apiVersion: 'flare.fluidos.eu/v1alpha1', kind: 'Intent', metadata: { name: 'hello-gpu' } });
    let lines = 0;
    for (const f of filesUnder(dir).filter((x) => x.endsWith('.yaml'))) {
      const m = /\$schema=(\S+)/.exec(readFileSync(path.join(dir, f), 'utf8'));
      if (!m) continue;
      lines++;
      const target = path.resolve(path.dirname(path.join(dir, f)), m[1]!);
      expect(existsSync(target), `${f} -> ${m[1]}`).toBe(true);
      expect(readFileSync(target, 'utf8')).toBe(readFileSync(path.join(repoRoot, 'schemas', path.basename(target)), 'utf8'));
    }
    expect(lines).toBe(3); // flare.yaml, the tenant, the intent
    expect(readFileSync(path.join(dir, 'flare.yaml'), 'utf8')).toMatch(/^# /m); // commented
  });

  test('the workflow runs validate --output github and render --check, and only commands this flare has', async () => {
    const dir = tempDir();
    expect((await runFlare(['init'], dir)).code).toBe(0);
    const wf = parse(readFileSync(path.join(dir, '.github/workflows/flare.yml'), 'utf8'));
    const runs: string[] = wf.jobs.check.steps.flatMap((s: { run?: string }) => (s.run ? [s.run] : []));
    expect(runs).toContain('flare validate --output github');
    expect(runs).toContain('flare render --check');
    const program = buildProgram({ exitCode: 0, stdout: sink().stream, stderr: sink().stream, cwd: dir, env: {} });
    const names = new Set(program.commands.map((c) => c.name()));
    const hasBase = program.commands.find((c) => c.name() === 'validate')!.options.some((o) => o.long === '--base');
    for (const run of runs.filter((x) => x.startsWith('flare '))) expect(names.has(run.split(' ')[1]!), run).toBe(true);
    expect(runs.some((x) => x.includes('--base'))).toBe(hasBase);
    expect(runs.some((x) => x.startsWith('flare plan'))).toBe(names.has('plan'));
  });

  test('the Argo CD Application and ApplicationSet validate against the Argo CD models and carry no credentials', async () => {
    const dir = tempDir();
    expect((await runFlare(['init', '--repo-url', 'https://ci:tok@git.example.com/vision/gpus.git', '--branch', 'prod'], dir)).code).toBe(0);
    const [app] = parseAllDocuments(readFileSync(path.join(dir, 'argocd/application.yaml'), 'utf8')).map((d) => d.toJS());
    const [set] = parseAllDocuments(readFileSync(path.join(dir, 'argocd/applicationset.yaml'), 'utf8')).map((d) => d.toJS());
    expect(() => new Application(app).validate()).not.toThrow();
    expect(() => new ApplicationSet(set).validate()).not.toThrow();
    expect(app.spec.source).toEqual({ repoURL: 'https://git.example.com/vision/gpus.git', targetRevision: 'prod', path: 'rendered' });
    expect(set.spec.generators[0].git.directories).toEqual([{ path: 'rendered/*' }]);
    expect(parse(readFileSync(path.join(dir, 'flare.yaml'), 'utf8')).spec.git.branch).toBe('prod');
  });

  test('refuses to overwrite existing files unless --force, and writes nothing when it refuses', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'flare.yaml'), 'mine\n');
    const r = await runFlare(['init'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/exists: flare\.yaml/);
    expect(readdirSync(dir)).toEqual(['flare.yaml']);
    expect(readFileSync(path.join(dir, 'flare.yaml'), 'utf8')).toBe('mine\n');
    const f = await runFlare(['init', '--force'], dir);
    expect(f.code, f.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'flare.yaml'), 'utf8')).toMatch(/kind: FlareConfig/);
    expect((await runFlare(['init', '--tenant', 'Bad_Name'], tempDir())).code).toBe(2);
  });
});

describe('scaffold (pure)', () => {
  test('with validate --base and plan available, the workflow runs them (plan as a pull request comment)', async () => {
    const { scaffold } = await import('../../src/init/scaffold.js');
    const base = { tenant: 't', repoURL: 'https://git.example.com/r.git', branch: 'main', version: '1.2.3', packageName: 'flare-gitops', schemas: {} };
    const wfOf = (has: { validateBase: boolean; plan: boolean }) => parse(scaffold({ ...base, has }).find((f) => f.path === '.github/workflows/flare.yml')!.content);
    const full = wfOf({ validateBase: true, plan: true });
    const runs: string[] = full.jobs.check.steps.flatMap((s: { run?: string }) => (s.run ? [s.run] : []));
    expect(runs).toContain('npm install -g flare-gitops@1.2.3');
    expect(runs.some((r) => r.startsWith('flare validate --output github --base'))).toBe(true);
    expect(runs.some((r) => r.includes('flare plan --output markdown') && r.includes('gh pr comment'))).toBe(true);
    expect(full.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    const bare = wfOf({ validateBase: false, plan: false });
    expect(bare.permissions).toEqual({ contents: 'read' });
    expect(JSON.stringify(bare.jobs)).not.toMatch(/--base|flare plan/);
  });
});
