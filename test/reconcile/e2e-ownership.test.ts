import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Cluster } from '../../src/cluster/types.js';
import type { KubeObject } from '../../src/k8s/object.js';
import { keyOf } from '../../src/k8s/object.js';
import { MANAGED_KINDS } from '../../src/reconcile/apply.js';
import type { Reconciler } from '../../src/reconcile/reconciler.js';
import type { IntentStatus } from '../../src/status/model.js';
import { cycleUntil, phasesOf, serviceIntent, startWorld, TENANT, type World } from './harness.js';
import { openRepo, type Repo } from './second-repo.js';

let world: World | undefined;
const repos: Repo[] = [];
afterEach(async () => {
  for (const r of repos.splice(0)) await r.close();
  await world?.close();
  world = undefined;
});

async function setup(...repoFiles: Record<string, string>[]): Promise<Repo[]> {
  world = await startWorld({ 'README.md': 'cluster only\n' });
  const out: Repo[] = [];
  for (const f of repoFiles) out.push(await openRepo(world, f));
  repos.push(...out);
  return out;
}

const tenantFiles = (tenant: string, ...names: string[]): Record<string, string> => {
  const files: Record<string, string> = { [`tenants/${tenant}.yaml`]: TENANT(tenant) };
  for (const n of names) files[`intents/${tenant}/${n}.yaml`] = serviceIntent(n);
  return files;
};

/** key → uid, labels, annotations and spec of every object of the managed kinds, optionally only those matching `keep`. */
async function snapshot(cluster: Cluster, keep: (o: KubeObject) => boolean = () => true): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const k of MANAGED_KINDS) {
    for (const o of await cluster.list(k.apiVersion, k.kind)) {
      const obj = o.kind ? o : { ...o, apiVersion: k.apiVersion, kind: k.kind };
      if (keep(obj) && !obj.metadata.deletionTimestamp) {
        out.set(keyOf(obj), JSON.stringify([obj.metadata.uid, obj.metadata.labels, obj.metadata.annotations, obj.spec ?? null]));
      }
    }
  }
  return out;
}

const ofTenant = (t: string) => (o: KubeObject) => o.metadata.labels?.['flare.io/tenant'] === t || o.metadata.name === t;

async function statusOf(repo: Repo, tenant: string, name: string): Promise<IntentStatus | undefined> {
  const text = await repo.read(`status/${tenant}/${name}.yaml`);
  return text ? (parse(text).status as IntentStatus) : undefined;
}

const phaseIs = (id: string, phase: string) => (r: { intents: { id: string; phase: string }[] }) => phasesOf(r as never)[id] === phase;

async function cycles(rec: Reconciler, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await rec.runOnce();
}

const nsRef = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', name });
const deployRef = (tenant: string, name: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: `flare-${tenant}-${name}`, name });

async function handMadeNamespace(cluster: Cluster, name: string): Promise<KubeObject> {
  return cluster.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { owner: 'human' } } }, { fieldManager: 'kubectl' });
}

describe('the reconciler acts only on what its repo created', () => {
  it('a junk status file of another tenant in one repo prunes nothing of another repo on the same cluster', async () => {
    const [a, b] = await setup(tenantFiles('team-a', 'web'), tenantFiles('team-b', 'web'));
    const ra = await a!.start();
    const rb = await b!.start();
    await cycleUntil(ra, phaseIs('team-a-web', 'Running'));
    await cycleUntil(rb, phaseIs('team-b-web', 'Running'));
    const before = await snapshot(world!.cluster, ofTenant('team-b'));
    expect(before.size).toBeGreaterThan(4);
    await a!.push({ 'status/team-b/web.yaml': 'x: 1\n' }, 'junk status of another tenant');
    await cycles(ra, 3);
    expect(await snapshot(world!.cluster, ofTenant('team-b'))).toEqual(before);
    const r = await rb.runOnce();
    expect(phasesOf(r)['team-b-web']).toBe('Running');
    expect((await statusOf(b!, 'team-b', 'web'))!.placements[0]!.attempt).toBe(1);
  });

  it('a template rendering the name of a hand-made Namespace neither takes it over nor prunes it', async () => {
    const files = tenantFiles('team-a', 'web');
    const [a] = await setup(files);
    const hand = await handMadeNamespace(world!.cluster, 'hand-made');
    await a!.push({ 'templates/namespace.yaml.hbs': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: hand-made\n  labels: {{json labels}}\n' }, 'template naming a hand-made namespace');
    const ra = await a!.start();
    await cycles(ra, 3);
    const live = await world!.cluster.get(nsRef('hand-made'));
    expect(live?.metadata.uid).toBe(hand.metadata.uid);
    expect(live?.metadata.labels).toEqual({ ...hand.metadata.labels });
    await a!.push({ 'templates/namespace.yaml.hbs': null }, 'revert the template');
    await cycles(ra, 3);
    const after = await world!.cluster.get(nsRef('hand-made'));
    expect(after?.metadata.uid).toBe(hand.metadata.uid);
    expect(after?.metadata.labels).toEqual({ ...hand.metadata.labels });
  });

  it('two repos and a hand-made object named like a rendered one: nothing of the other repo and nothing hand-made is changed or deleted', async () => {
    const [a, b] = await setup(tenantFiles('team-a', 'web', 'api'), tenantFiles('team-b', 'web'));
    const hand = await handMadeNamespace(world!.cluster, 'flare-team-a-api');
    const rb = await b!.start();
    await cycleUntil(rb, phaseIs('team-b-web', 'Running'));
    const before = await snapshot(world!.cluster, ofTenant('team-b'));
    const ra = await a!.start();
    const r = await cycleUntil(ra, phaseIs('team-a-web', 'Running'));
    const api = r.intents.find((i) => i.id === 'team-a-api')!;
    expect(api.message).toMatch(/Namespace flare-team-a-api .*not managed by this repo/);
    expect(ra.metrics()).toMatch(/^flare_ownership_conflicts [1-9]/m);
    const s = await statusOf(a!, 'team-a', 'api');
    expect(s?.message).toMatch(/not managed by this repo.*\(rendered\/team-a\/api\/[^)]+\.yaml\)/);
    // the intent goes: its hand-made namespace stays as it was
    await a!.push({ 'intents/team-a/api.yaml': null }, 'drop api');
    await cycleUntil(ra, (x) => x.intents.length === 1);
    await cycles(ra, 2);
    const live = await world!.cluster.get(nsRef('flare-team-a-api'));
    expect(live?.metadata.uid).toBe(hand.metadata.uid);
    expect(live?.metadata.labels).toEqual({ ...hand.metadata.labels });
    expect(await snapshot(world!.cluster, ofTenant('team-b'))).toEqual(before);
  });

  it('a status file naming another intent\'s Solver with a wrong spec hash deletes no Solver of that intent', async () => {
    const [a] = await setup(tenantFiles('team-a', 'web', 'api'));
    const ra = await a!.start();
    await cycleUntil(ra, (x) => phasesOf(x)['team-a-web'] === 'Running' && phasesOf(x)['team-a-api'] === 'Running');
    const solverRef = { apiVersion: 'nodecore.fluidos.eu/v1alpha1', kind: 'Solver', namespace: 'fluidos', name: 'flare-team-a-api' };
    const solver = await world!.cluster.get(solverRef);
    expect(solver).toBeDefined();
    const text = (await a!.read('status/team-a/web.yaml'))!;
    const forged = text.replace(/^ {2}spec_hash: .*$/m, '  spec_hash: forged').replace(/solver: flare-team-a-web$/m, 'solver: flare-team-a-api');
    expect(forged).not.toBe(text);
    await a!.push({ 'status/team-a/web.yaml': forged }, 'forged status');
    await cycles(ra, 3);
    expect((await world!.cluster.get(solverRef))?.metadata.uid).toBe(solver!.metadata.uid);
  });
});

describe('status from the cluster', () => {
  async function runningWeb(): Promise<{ a: Repo; ra: Reconciler; deploy: KubeObject }> {
    const [a] = await setup(tenantFiles('team-a', 'web'));
    const ra = await a!.start();
    await cycleUntil(ra, phaseIs('team-a-web', 'Running'));
    const deploy = (await world!.cluster.get(deployRef('team-a', 'web')))!;
    expect(deploy).toBeDefined();
    return { a: a!, ra, deploy };
  }

  async function expectStillRunning(a: Repo, ra: Reconciler, deploy: KubeObject): Promise<IntentStatus> {
    await cycleUntil(ra, phaseIs('team-a-web', 'Running'));
    await cycles(ra, 2);
    expect((await world!.cluster.get(deployRef('team-a', 'web')))?.metadata.uid).toBe(deploy.metadata.uid);
    const res = await world!.cluster.list('reservation.fluidos.eu/v1alpha1', 'Reservation', { namespace: 'fluidos', labelSelector: 'flare.io/intent-id=team-a-web' });
    expect(res.map((r) => r.metadata.name)).toEqual(['flare-team-a-web-a1']);
    const s = (await statusOf(a, 'team-a', 'web'))!;
    expect(s.phase).toBe('Running');
    expect(s.placements[0]!.attempt).toBe(1);
    expect(s.placements[0]!.chosen).toBeDefined();
    return s;
  }

  it('a malformed status file: the workload keeps running, same attempt, status rebuilt from the cluster', async () => {
    const { a, ra, deploy } = await runningWeb();
    const text = (await a.read('status/team-a/web.yaml'))!;
    await a.push({ 'status/team-a/web.yaml': `${text}oops: [\n` }, 'break the status file');
    const s = await expectStillRunning(a, ra, deploy);
    expect(s.history.some((h) => h.message.includes('rebuilt from cluster'))).toBe(true);
  });

  it('a deleted status file: the same placement is rebuilt from the cluster', async () => {
    const { a, ra, deploy } = await runningWeb();
    const chosen = (await statusOf(a, 'team-a', 'web'))!.placements[0]!.chosen!.candidate;
    await a.push({ 'status/team-a/web.yaml': null }, 'delete the status file');
    const s = await expectStillRunning(a, ra, deploy);
    expect(s.placements[0]!.chosen!.candidate).toBe(chosen);
    expect(s.history.some((h) => h.message.includes('rebuilt from cluster'))).toBe(true);
  });

  it('phase: Failed written by hand does not prune a running intent', async () => {
    const { a, ra, deploy } = await runningWeb();
    const text = (await a.read('status/team-a/web.yaml'))!;
    const forged = text.replace(/^ {2}phase: Running$/m, '  phase: Failed');
    expect(forged).not.toBe(text);
    await a.push({ 'status/team-a/web.yaml': forged }, 'fail it by hand');
    await expectStillRunning(a, ra, deploy);
  });

  it('a status file reverted to before the contract: Allocation and workload stay, status rebuilt', async () => {
    const { a, ra, deploy } = await runningWeb();
    const doc = parse((await a.read('status/team-a/web.yaml'))!) as { status: IntentStatus };
    const p = doc.status.placements[0]!;
    for (const k of ['contract', 'allocation', 'remote_cluster_id', 'virtual_node'] as const) delete p[k];
    delete doc.status.workload;
    doc.status.phase = 'Reserving';
    await a.push({ 'status/team-a/web.yaml': stringify(doc) }, 'revert the status by hand');
    const s = await expectStillRunning(a, ra, deploy);
    expect(s.placements[0]!.contract).toBeDefined();
    // a hand edit is unsigned (trust boundary), so the file is dropped and the status rebuilt from the cluster
    expect(s.history.some((h) => /status rebuilt from cluster/.test(h.message))).toBe(true);
  });

  it('a symlinked status/ root is an error before anything is applied or pruned', async () => {
    const { a, ra, deploy } = await runningWeb();
    const errors: string[] = [];
    const rb = await a.start({ onError: (e) => errors.push(String((e as Error).message)) });
    await ra.stop();
    await a.push({ status: { symlink: 'nowhere' } }, 'status as a symlink');
    expect(await rb.runOnce()).toBeUndefined();
    expect(await rb.runOnce()).toBeUndefined();
    expect(errors.join('\n')).toMatch(/status.*symlink/);
    expect((await world!.cluster.get(deployRef('team-a', 'web')))?.metadata.uid).toBe(deploy.metadata.uid);
    // once the symlink goes, the status is rebuilt from the cluster and nothing was lost
    await a.push({ status: null }, 'status folder back');
    const r = await cycleUntil(rb, phaseIs('team-a-web', 'Running'));
    expect(r.changed).toContain('team-a-web');
    expect((await world!.cluster.get(deployRef('team-a', 'web')))?.metadata.uid).toBe(deploy.metadata.uid);
    expect((await statusOf(a, 'team-a', 'web'))!.history.some((h) => h.message.includes('rebuilt from cluster'))).toBe(true);
  });
});
