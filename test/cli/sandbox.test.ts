import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxUp } from '../../src/cli/sandbox.js';
import { parse } from 'yaml';
import { sandboxFetch } from '../support/sandbox-fetch.js';
import type { CliContext } from '../../src/cli/main.js';
import { main } from '../../src/cli/main.js';
import { defaultFederation } from '../../src/sandbox/federation/default.js';
import { federationFlavors } from '../../src/sandbox/federation/flavors.js';

const DEFAULT = defaultFederation();
const FLAVORS = federationFlavors(DEFAULT).length;

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function ctx(): CliContext & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d) => (o += String(d)));
  stderr.on('data', (d) => (e += String(d)));
  return { exitCode: -1, stdout, stderr, cwd: repoRoot, env: {}, out: () => o, err: () => e };
}

describe('flare sandbox up (in process)', () => {
  it('prints the kubeconfig path and a kubectl hint, serves until stopped, exits 0', async () => {
    const c = ctx();
    const dir = mkdtempSync(path.join(tmpdir(), 'sbx-cli-'));
    try {
      // the CLI context's signal (SIGINT/SIGTERM in main) is what stops it
      const stop = new AbortController();
      const kc = path.join(dir, 'kc.yaml');
      const sc = { ...c, signal: stop.signal };
      const running = sandboxUp(sc, { kubeconfig: kc, port: '0', stepDelay: '1' });
      while (!c.out().includes('Try:')) await new Promise((r) => setTimeout(r, 10));
      expect(c.out()).toContain(`kubeconfig: ${kc}`);
      expect(c.out()).toContain(`kubectl --kubeconfig ${kc} get flavors -A`);
      expect(c.out()).toContain(`${DEFAULT.providers.length} providers, ${FLAVORS} flavors`);
      const server = /server: (https:\/\/127\.0\.0\.1:\d+)/.exec(c.out())![1]!;
      expect(readFileSync(kc, 'utf8')).toContain(server);
      const token = (parse(readFileSync(kc, 'utf8')) as { users: { user: { token: string } }[] }).users[0]!.user.token;
      expect((await sandboxFetch(`${server}/apis/nodecore.fluidos.eu/v1alpha1/namespaces/fluidos/flavors`)).status).toBe(401);
      const res = await sandboxFetch(`${server}/apis/nodecore.fluidos.eu/v1alpha1/namespaces/fluidos/flavors`, { token });
      expect(((await res.json()) as { items: unknown[] }).items).toHaveLength(FLAVORS);
      stop.abort('SIGTERM');
      await running;
      expect(sc.exitCode).toBe(0);
      expect(c.err()).toContain('sandbox: SIGTERM received, shutting down');
      await expect(sandboxFetch(`${server}/version`)).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a bad port and a broken federation file with the right exit codes', async () => {
    const c = ctx();
    expect(await main(['node', 'flare', 'sandbox', 'up', '--port', 'abc'], c)).toBe(2);
    expect(c.err()).toMatch(/--port must be a whole number/);
    const dir = mkdtempSync(path.join(tmpdir(), 'sbx-cli-'));
    try {
      writeFileSync(path.join(dir, 'fed.yaml'), 'providers:\n  - name: x\n');
      const c2 = ctx();
      c2.cwd = dir;
      expect(await main(['node', 'flare', 'sandbox', 'up', '--federation', 'fed.yaml'], c2)).toBe(1);
      expect(c2.err()).toMatch(/region is required/);
      const c3 = ctx();
      c3.cwd = dir;
      expect(await main(['node', 'flare', 'sandbox', 'up', '--federation', 'missing.yaml'], c3)).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const haveKubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].some((p) => existsSync(p));
if (!haveKubectl) console.warn('skipping the kubectl end-to-end test of flare sandbox up: kubectl is not installed');

describe.skipIf(!haveKubectl)('flare sandbox up (spawned, real kubectl)', () => {
  // A private build: other work may be compiling into dist/ at the same time.
  const outDir = path.join(repoRoot, 'node_modules', '.cache', `flare-sandbox-cli-${process.pid}`);
  const home = mkdtempSync(path.join(tmpdir(), 'sbx-home-'));
  let child: ChildProcess | undefined;
  let stdout = '';

  beforeAll(async () => {
    await run('npx', ['tsc', '-p', 'tsconfig.json', '--outDir', outDir, '--sourceMap', 'false'], { cwd: repoRoot }).catch((e: { stdout?: string }) => {
      // Type errors elsewhere in the tree still emit JavaScript; only a missing build is fatal.
      if (!existsSync(path.join(outDir, 'cli', 'main.js'))) throw new Error(`tsc produced no build: ${e.stdout ?? e}`);
    });
    writeFileSync(path.join(outDir, 'launch.js'), "import { main } from './cli/main.js';\nprocess.exitCode = await main(process.argv);\n");
  }, 300_000);

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(outDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  const kubectl = async (kc: string, ...args: string[]) =>
    (await run('kubectl', ['--kubeconfig', kc, ...args], { env: { ...process.env, HOME: home, KUBECONFIG: '' } })).stdout;

  it('serves kubectl get and apply --server-side, and exits 0 on SIGTERM', async () => {
    const kc = path.join(home, 'sandbox.kubeconfig');
    child = spawn(process.execPath, [path.join(outDir, 'launch.js'), 'sandbox', 'up', '--kubeconfig', kc, '--step-delay', '5'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (stdout += String(d)));
    const exited = new Promise<number | null>((r) => child!.on('exit', (code) => r(code)));
    const deadline = Date.now() + 60_000;
    while (!stdout.includes('Try:')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`sandbox did not start: ${stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(stdout).toContain(`kubeconfig: ${kc}`);

    const flavors = await kubectl(kc, 'get', 'flavors', '-A');
    expect(flavors).toMatch(/NAMESPACE/);
    expect(flavors).toContain('k8slice-provider-ie-h100-4x');
    expect(flavors.trim().split('\n')).toHaveLength(FLAVORS + 1); // + the header line

    const solverFile = path.join(home, 'solver.yaml');
    writeFileSync(
      solverFile,
      [
        'apiVersion: nodecore.fluidos.eu/v1alpha1',
        'kind: Solver',
        'metadata: {name: flare-demo-t4, namespace: fluidos}',
        'spec:',
        '  intentID: demo-t4',
        '  findCandidate: true',
        '  reserveAndBuy: false',
        '  establishPeering: false',
        '  selector:',
        '    flavorType: K8Slice',
        '    filters:',
        '      gpuFilters:',
        '      - {field: model, filter: StringFilter, data: {value: nvidia-t4}}',
        "      - {field: region, filter: StringRangeSelector, data: {regex: '^[a-z0-9-]*edge[a-z0-9-]*$'}}",
        '',
      ].join('\n'),
    );
    expect(await kubectl(kc, 'apply', '--server-side', '-f', solverFile)).toMatch(/serverside-applied/);
    let phase = '';
    for (let i = 0; i < 200 && phase !== 'Solved'; i++) {
      phase = await kubectl(kc, 'get', 'solver', 'flare-demo-t4', '-n', 'fluidos', '-o', 'jsonpath={.status.solverPhase.phase}');
      if (phase !== 'Solved') await new Promise((r) => setTimeout(r, 50));
    }
    expect(phase).toBe('Solved');
    const pcs = await kubectl(kc, 'get', 'peeringcandidates', '-n', 'fluidos', '-o', 'name');
    expect(pcs.trim().split('\n').sort()).toEqual(['peeringcandidate.advertisement.fluidos.eu/pc-k8slice-edge-milan-t4-1x', 'peeringcandidate.advertisement.fluidos.eu/pc-k8slice-edge-vienna-t4-1x']);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(kc)).toBe(true);
  }, 120_000);
});
