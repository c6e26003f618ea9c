/**
 * SLOW (~20-40 s: tsc through `npm pack`'s prepare, a global install, the sandbox demo).
 * Installs FLARE the way a user does, from the packed tarball into an empty prefix, and uses it
 * from an empty directory: init, validate, render, demo --repo . reaching Running.
 * The package is packed from a staging copy so the worktree's dist/ is never touched by the test.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(path.join(tmpdir(), 'flare-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What a source checkout needs to build and pack; tests, CI scripts and dist/ stay behind. */
const SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'bin', 'src', 'scripts', 'templates', 'schemas', 'argocd', 'flare.yaml', 'tenants', 'intents'];

const ALLOWED = [/^package\.json$/, /^README\.md$/, /^bin\/flare\.js$/, /^dist\/.+\.js$/, /^dist\/ui\/(index\.html|app\.css|favicon\.svg)$/, /^templates\/[^/]+$/, /^schemas\/[a-z]+\.json$/,
  /^argocd\/resource_customizations\/[^/]+\/[^/]+\/health\.lua$/, /^flare\.yaml$/, /^tenants\/[^/]+\.yaml$/, /^intents\/[^/]+\/[^/]+\.(json|ya?ml)$/];

describe('the packed package installs anywhere (slow)', () => {
  test('npm pack ships only what is meant; a global install runs init, validate, render and demo from an empty directory', { timeout: 240_000 }, async () => {
    const t0 = Date.now();
    const stage = path.join(work, 'stage');
    mkdirSync(stage);
    for (const s of SOURCES) cpSync(path.join(repoRoot, s), path.join(stage, s), { recursive: true });
    rmSync(path.join(stage, 'dist'), { recursive: true, force: true });
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(stage, 'node_modules'), 'dir');

    const packed = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: stage, maxBuffer: 64 << 20 });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const files = info!.files.map((f) => f.path).sort();
    const tPack = Date.now();

    const unexpected = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
    expect(unexpected).toEqual([]);
    for (const f of files) expect(f, 'no tests, fixtures, sources, bench or maps').not.toMatch(/(^|\/)(test|src|fixtures|testdata|bench)\/|\.test\.|\.ts$|\.map$|health_test\.yaml/);
    for (const must of ['bin/flare.js', 'dist/cli/main.js', 'dist/ui/index.html', 'dist/ui/app.js', 'dist/ui/app.css', 'dist/cli/init.js', 'dist/sandbox/index.js', 'templates/solver.yaml.hbs', 'schemas/intent.json',
      'argocd/resource_customizations/reservation.fluidos.eu/Reservation/health.lua']) {
      expect(files, must).toContain(must);
    }
    expect(files.filter((f) => f.endsWith('/health.lua')).length).toBe(8);

    const prefix = path.join(work, 'prefix');
    await run('npm', ['install', '-g', '--prefix', prefix, path.join(work, info!.filename), '--no-audit', '--no-fund', '--prefer-offline'], { cwd: work, maxBuffer: 64 << 20 });
    const flare = path.join(prefix, 'bin', 'flare');
    expect(existsSync(flare)).toBe(true);
    const tInstall = Date.now();

    // an empty directory far from the package: nothing may resolve through the cwd
    const user = path.join(work, 'empty', 'gpus');
    mkdirSync(user, { recursive: true });
    const env = { ...process.env, PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH ?? ''}` };
    const flareIn = (args: string[]) => run(flare, args, { cwd: user, env, maxBuffer: 64 << 20 });
    await flareIn(['init']);
    expect(existsSync(path.join(user, 'intents', 'team-a', 'hello-gpu.yaml'))).toBe(true);
    expect(readFileSync(path.join(user, 'schemas', 'intent.json'), 'utf8')).toBe(readFileSync(path.join(repoRoot, 'schemas', 'intent.json'), 'utf8'));
    await flareIn(['validate']);
    await flareIn(['render']);
    expect(existsSync(path.join(user, 'rendered', 'team-a', 'kustomization.yaml'))).toBe(true);
    const argo = await flareIn(['argocd', '--only', 'health', '--output', 'json']);
    expect(Object.keys(JSON.parse(argo.stdout).items[0].data).length).toBe(8);
    const demo = await flareIn(['demo', '--repo', '.', '--output', 'json']);
    const result = JSON.parse(demo.stdout) as { intents: { id: string; phase: string }[] };
    expect(result.intents.map((i) => [i.id, i.phase])).toEqual([['team-a-hello--gpu', 'Running']]);
    const tEnd = Date.now();
    console.log(`pack ${((tPack - t0) / 1000).toFixed(1)} s, install ${((tInstall - tPack) / 1000).toFixed(1)} s, init..demo ${((tEnd - tInstall) / 1000).toFixed(1)} s`);
  });
});
