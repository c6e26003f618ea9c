import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/sandbox/api/server.js';
import { writeKubeconfig } from '../../src/sandbox/api/kubeconfig.js';

const kubectlPath = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'kubectl')).find((p) => existsSync(p));
if (!kubectlPath) console.warn('kubectl not found on PATH: skipping the real-kubectl sandbox tests');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let server: ApiServer;
let home: string;

// The server runs in this process: kubectl must run asynchronously or both would wait forever.
function kubectl(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      kubectlPath!,
      ['--kubeconfig', join(home, 'kubeconfig'), ...args],
      { env: { ...process.env, HOME: home, KUBECONFIG: '' }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

const SOLVER = (intentID: string) => `apiVersion: nodecore.fluidos.eu/v1alpha1
kind: Solver
metadata:
  name: s1
  namespace: team-a
spec:
  intentID: ${intentID}
  findCandidate: true
`;

describe.skipIf(!kubectlPath)('real kubectl against the sandbox API server', () => {
  beforeEach(async () => {
    // Own HOME (fresh discovery cache) and own port per test.
    home = await mkdtemp(join(tmpdir(), 'flare-kubectl-'));
    server = await startApiServer();
    await writeKubeconfig(join(home, 'kubeconfig'), server.url, { token: server.token });
    server.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
  });

  afterEach(async () => {
    await server.close();
    await rm(home, { recursive: true, force: true });
  });

  it('get and get -A print tables with CRD printer columns and namespaces', async () => {
    server.store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-default', namespace: 'default' } });
    server.store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-team', namespace: 'team-a' } });
    server.store.create({ apiVersion: 'nodecore.fluidos.eu/v1alpha1', kind: 'Solver', metadata: { name: 'sol-1', namespace: 'team-a' }, spec: { intentID: 'intent-42' } });

    const one = await kubectl('get', 'configmaps');
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('cm-default');
    expect(one.stdout).not.toContain('cm-team');

    const all = await kubectl('get', 'cm', '-A');
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+/);
    expect(lines.some((l) => /^team-a\s+cm-team\s/.test(l))).toBe(true);
    expect(lines.some((l) => /^default\s+cm-default\s/.test(l))).toBe(true);

    const solvers = await kubectl('get', 'sol', '-n', 'team-a');
    expect(solvers.code).toBe(0);
    expect(solvers.stdout).toMatch(/INTENT ID/);
    expect(solvers.stdout).toMatch(/sol-1\s+intent-42/);
  });

  it('get -w prints existing objects, then new ones', async () => {
    server.store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'first', namespace: 'default' } });
    const child = spawn(kubectlPath!, ['--kubeconfig', join(home, 'kubeconfig'), 'get', 'configmaps', '-w'], {
      env: { ...process.env, HOME: home, KUBECONFIG: '' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const until = async (re: RegExp): Promise<void> => {
        const end = Date.now() + 20_000;
        while (!re.test(out)) {
          if (Date.now() > end) throw new Error(`kubectl get -w never printed ${re}; stdout: ${out} stderr: ${err}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await until(/first/);
      const end = Date.now() + 10_000;
      while (server.stats().watches === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      server.store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'second', namespace: 'default' } });
      await until(/second/);
    } finally {
      child.kill();
    }
  });

  it('apply --server-side: create, identical re-apply, conflict, --force-conflicts', async () => {
    const file = join(home, 'solver.yaml');
    await writeFile(file, SOLVER('alpha'));
    const created = await kubectl('apply', '--server-side', '-f', file);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('solver.nodecore.fluidos.eu/s1 serverside-applied');
    const ref = { apiVersion: 'nodecore.fluidos.eu/v1alpha1', kind: 'Solver', namespace: 'team-a', name: 's1' };
    const rv = server.store.get(ref)?.metadata.resourceVersion;

    expect((await kubectl('apply', '--server-side', '-f', file)).code).toBe(0);
    expect(server.store.get(ref)?.metadata.resourceVersion).toBe(rv);

    await writeFile(file, SOLVER('beta'));
    const conflict = await kubectl('apply', '--server-side', '--field-manager=intruder', '-f', file);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr.toLowerCase()).toContain('conflict');
    expect(conflict.stderr).toContain('.spec.intentID');
    expect(server.store.get(ref)?.spec.intentID).toBe('alpha');

    const forced = await kubectl('apply', '--server-side', '--field-manager=intruder', '--force-conflicts', '-f', file);
    expect(forced.code).toBe(0);
    expect(server.store.get(ref)?.spec.intentID).toBe('beta');
  });

  it('delete removes the object', async () => {
    server.store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'doomed', namespace: 'team-a' } });
    const del = await kubectl('delete', 'configmap', 'doomed', '-n', 'team-a');
    expect(del.code).toBe(0);
    expect(del.stdout).toContain('configmap "doomed" deleted');
    expect(server.store.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'team-a', name: 'doomed' })).toBeUndefined();
    const again = await kubectl('delete', 'configmap', 'doomed', '-n', 'team-a');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('NotFound');
  });
});
