import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { clusterFromFlags } from '../../src/cluster/kubeconfig.js';
import { createKubeCluster } from '../../src/cluster/kube.js';
import { startApiServer, writeKubeconfig, type ApiServer } from '../../src/sandbox/api/index.js';
import { runGit } from '../../src/git/exec.js';
import { runFlare } from '../support/cli.js';

let api: ApiServer;
let dir: string;
let first: string;
let second: string;

beforeAll(async () => {
  api = await startApiServer();
  dir = await mkdtemp(join(tmpdir(), 'flare-kubeconfig-'));
  const whole = join(dir, 'whole');
  await writeKubeconfig(whole, api.url, { token: api.token });
  const kc = parse(await readFile(whole, 'utf8')) as Record<string, unknown>;
  // as people split them: contexts in one file, clusters and credentials in another
  first = join(dir, 'contexts');
  second = join(dir, 'credentials');
  await writeFile(first, stringify({ apiVersion: 'v1', kind: 'Config', contexts: kc.contexts, 'current-context': kc['current-context'] }));
  await writeFile(second, stringify({ apiVersion: 'v1', kind: 'Config', clusters: kc.clusters, users: kc.users }));
  api.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'merged' } });
});

afterAll(async () => {
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('KUBECONFIG with several files, as kubectl reads it', () => {
  it('merges every file of KUBECONFIG=a:b for CLI commands', async () => {
    const cluster = clusterFromFlags({}, { KUBECONFIG: [first, second].join(delimiter) }, dir);
    const ns = await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: 'merged' });
    expect(ns?.metadata.name).toBe('merged');
  });

  it('merges a list given as one kubeconfig path (the reconciler passes $KUBECONFIG through)', async () => {
    const cluster = createKubeCluster({ kubeconfigPath: [first, second].join(delimiter) });
    const ns = await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: 'merged' });
    expect(ns?.metadata.name).toBe('merged');
  });
});

describe('KUBECONFIG merge order', () => {
  it('the first file to define a name wins, duplicates later are ignored as kubectl does', async () => {
    const other = join(dir, 'other');
    const kc = parse(await readFile(second, 'utf8')) as { clusters: { name: string; cluster: { server: string } }[]; users: unknown };
    // a later file with the same cluster name pointing elsewhere must not take over
    await writeFile(other, stringify({ apiVersion: 'v1', kind: 'Config', clusters: kc.clusters.map((c) => ({ ...c, cluster: { ...c.cluster, server: 'http://127.0.0.1:1' } })), users: kc.users }));
    const cluster = clusterFromFlags({}, { KUBECONFIG: [first, second, other].join(delimiter) }, dir);
    expect((await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: 'merged' }))?.metadata.name).toBe('merged');
  });
});

describe('KUBECONFIG in the commands that take a kubeconfig', () => {
  it('status --watch merges KUBECONFIG=a:b with files named relative to the command cwd, as kubectl does', async () => {
    const repo = join(dir, 'repo');
    await runGit(['init', '-q', '-b', 'main', repo], { cwd: dir });
    // relative names: resolved against the command's cwd (dir), not the process's
    const r = await runFlare(['status', '--watch', '--max-updates', '1', '-o', 'json', '--repo', 'repo'], dir, { KUBECONFIG: ['contexts', 'credentials'].join(delimiter) });
    expect(r.code, r.stderr).toBe(0);
    const line = JSON.parse(r.stdout.trim().split('\n')[0]!) as { source: string; intents: unknown[] };
    expect(line.source).toBe('working tree');
    expect(line.intents).toEqual([]);
  });
});
