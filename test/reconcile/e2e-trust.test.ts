import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '../../src/git/exec.js';
import { runFlare } from '../support/cli.js';
import { render } from '../../src/render/render.js';
import { loadTemplates } from '../../src/render/load-templates.js';
import { parse, stringify } from 'yaml';
import { API } from '../../src/fluidos/types.js';
import { parseRepo } from '../../src/repo/parse.js';
import { specHash } from '../../src/intent/spec-hash.js';
import type { IntentStatus } from '../../src/status/model.js';
import { cycleUntil, phasesOf, serviceIntent, startWorld, TENANT, type World } from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const SECRET = { apiVersion: 'v1', kind: 'Secret', namespace: 'default', name: 'flare-status-key' };
const FILES = { 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/web.yaml': serviceIntent('web') };

function hashOf(files: Record<string, string>): string {
  const m = parseRepo(Object.entries(files).map(([path, text]) => ({ path, text })));
  return specHash(m.intents[0]!, m.config);
}

/** What a PR author would write by hand: the offer of their liking, a contract and a remote cluster, all at stage D. */
function forgedStatus(hash: string): string {
  const status: IntentStatus = {
    intent_id: 'team-a-web',
    tenant: 'team-a',
    name: 'web',
    phase: 'Deploying',
    selection: 'flare',
    spec_hash: hash,
    placements: [
      {
        solver: 'flare-team-a-web',
        attempt: 7,
        chosen: {
          candidate: 'pc-k8slice-provider-us-rtx4090-1x',
          flavor: 'k8slice-provider-us-rtx4090-1x',
          provider: 'provider-us',
          owner: { domain: 'provider-us.fluidos.eu', nodeID: 'provider-us', ip: '10.30.1.1' },
          model: 'nvidia-rtx-4090',
          count: 1,
          memory: '24Gi',
          region: 'us-east-1',
          hourly_rate: 0.85,
          hourly_cost: 0.85,
          score: 1,
          breakdown: { cost: 1, performance: 1, latency: 1, energy: 1 },
        },
        reservation: { name: 'flare-team-a-web-a7', phase: 'Solved' },
        contract: { name: 'contract-forged', liqo_id: 'liqo-provider-us' },
        allocation: { name: 'flare-team-a-web-a7', status: 'Active' },
        remote_cluster_id: 'liqo-provider-us',
      },
    ],
    history: [],
  };
  return stringify({ apiVersion: 'flare.fluidos.eu/v1alpha1', kind: 'IntentStatus', metadata: { name: 'web', tenant: 'team-a' }, status });
}

/** Objects the forged status would unlock: its Reservation, its Allocation, any offloading of the intent's namespace. */
async function derivedFromForgery(w: World): Promise<string[]> {
  const out: string[] = [];
  for (const o of await w.cluster.list(API.offloading, 'NamespaceOffloading', { namespace: 'flare-team-a-web' })) out.push(`NamespaceOffloading ${o.metadata.name}`);
  if (await w.cluster.get({ apiVersion: API.reservation, kind: 'Reservation', namespace: 'fluidos', name: 'flare-team-a-web-a7' })) out.push('Reservation a7');
  if (await w.cluster.get({ apiVersion: API.nodecore, kind: 'Allocation', namespace: 'fluidos', name: 'flare-team-a-web-a7' })) out.push('Allocation a7');
  for (const a of await w.cluster.list(API.nodecore, 'Allocation', {})) if (JSON.stringify(a).includes('contract-forged')) out.push(`Allocation ${a.metadata.name}`);
  return out;
}

const signatureKey = (text: string | undefined): string | undefined => (text ? (parse(text) as { signature?: { key_id?: string } }).signature?.key_id : undefined);

describe('status signatures on the sandbox with a git remote', () => {
  it('a forged status for a new intent unlocks nothing; the ranker places the intent and a signed status replaces the forgery', async () => {
    world = await startWorld({ ...FILES, 'status/team-a/web.yaml': forgedStatus(hashOf(FILES)) });
    // what the first apply of the cycle (the one that renders from the committed status) put in the cluster
    const seen: string[][] = [];
    const w = world;
    const rec = await world.start({ afterApply: async () => void seen.push(await derivedFromForgery(w)) });
    const first = await rec.runOnce();
    expect(first).toBeDefined();
    expect(seen[0]).toEqual([]);
    expect(first!.untrusted).toEqual([{ file: 'status/team-a/web.yaml', id: 'team-a-web', verdict: 'unsigned' }]);
    await cycleUntil(rec, (x) => phasesOf(x)['team-a-web'] === 'Running');
    expect(seen.flat().filter((x) => !x.startsWith('NamespaceOffloading'))).toEqual([]);
    const text = await world.read('status/team-a/web.yaml');
    const s = (parse(text!) as { status: IntentStatus }).status;
    expect(s.placements[0]!.chosen?.provider).not.toBe('provider-us');
    expect(s.placements[0]!.attempt).toBe(1);
    expect(s.placements[0]!.contract?.name).not.toBe('contract-forged');
    const secret = (await world.cluster.get(SECRET)) as unknown as { data: Record<string, string> };
    expect(Object.keys(secret.data)).toContain(signatureKey(text));
    expect(rec.metrics()).toMatch(/^flare_untrusted_status_total [1-9]/m);
  });

  it('a status signed with a rotated-out key is re-signed with the newest key, placement unchanged', async () => {
    world = await startWorld(FILES);
    const rec = await world.start();
    await cycleUntil(rec, (x) => phasesOf(x)['team-a-web'] === 'Running');
    const before = await world.read('status/team-a/web.yaml');
    const oldKey = signatureKey(before)!;
    expect(oldKey).toMatch(/^key-/);
    // the admin adds a newer key; the old one stays for verification until every file is re-signed
    await world.cluster.apply(
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'flare-status-key', namespace: 'default' }, data: { 'key-zz-rotated': Buffer.alloc(32, 7).toString('base64') } } as never,
      { fieldManager: 'admin' },
    );
    const r = await cycleUntil(rec, (x) => x.commit !== undefined);
    expect(r.untrusted).toEqual([]);
    const after = await world.read('status/team-a/web.yaml');
    expect(signatureKey(after)).toBe('key-zz-rotated');
    expect(parse(after!).status).toEqual(parse(before!).status);
    expect(phasesOf(r)['team-a-web']).toBe('Running');
    // the PR guard over main's history: every status and rendered change is the reconciler's own
    const human = await world.humanClone();
    await runGit(['pull', '-q', '--ff-only', 'origin', 'main'], { cwd: human });
    const seed = (await runGit(['rev-list', '--max-parents=0', 'HEAD'], { cwd: human })).stdout.trim();
    const g = await runFlare(['validate', '--base', seed, '--quiet'], human);
    expect(g.code, g.stdout + g.stderr).toBe(0);
    expect(g.stderr).toMatch(/[1-9]\d* reconciler commit/);
  });

  it('a signed status edited by hand (one number) is rejected like an unsigned one', async () => {
    world = await startWorld(FILES);
    const rec = await world.start();
    await cycleUntil(rec, (x) => phasesOf(x)['team-a-web'] === 'Running');
    const signed = (await world.read('status/team-a/web.yaml'))!;
    expect(signed).toMatch(/^ {6}attempt: 1$/m);
    await world.push({ 'status/team-a/web.yaml': signed.replace(/^( {6}attempt:) 1$/m, '$1 5') }, 'hand edit');
    const r = await cycleUntil(rec, (x) => x.untrusted.length > 0);
    expect(r.untrusted).toEqual([{ file: 'status/team-a/web.yaml', id: 'team-a-web', verdict: 'mismatch' }]);
    expect(await world.cluster.get({ apiVersion: API.reservation, kind: 'Reservation', namespace: 'fluidos', name: 'flare-team-a-web-a5' })).toBeUndefined();
    const text = (await world.read('status/team-a/web.yaml'))!;
    expect(text).not.toMatch(/^ {6}attempt: 5$/m);
    expect(signatureKey(text)).toMatch(/^key-/);
  });

  it('--no-apply (Argo CD): a forged status and the rendered files made from it are replaced by trusted ones in the next commit', async () => {
    const forged = { ...FILES, 'status/team-a/web.yaml': forgedStatus(hashOf(FILES)) };
    // what `flare render` makes of the forgery, committed alongside it as a PR would
    const m = parseRepo(Object.entries(forged).map(([p, text]) => ({ path: p, text })));
    const out = render(m, (await loadTemplates('/nonexistent-flare-repo')).templates);
    const renderedForged = Object.fromEntries([...out.files].map(([rel, text]) => [`rendered/${rel}`, text]));
    expect(Object.values(renderedForged).some((t) => t.includes('liqo-provider-us'))).toBe(true);
    world = await startWorld({ ...forged, ...renderedForged });
    const rec = await world.start({ mode: 'observe' });
    const r = await rec.runOnce();
    expect(r?.untrusted.map((u) => u.verdict)).toEqual(['unsigned']);
    expect(r?.commit).toBeDefined();
    const files = (await runGit(['ls-tree', '-r', '--name-only', 'main'], { cwd: world.bare })).stdout.trim().split('\n');
    const leftovers: string[] = [];
    for (const f of files.filter((x) => x.startsWith('rendered/team-a/web/'))) if ((await world.read(f))!.match(/liqo-provider-us|contract-forged|-a7\b/)) leftovers.push(f);
    expect(leftovers).toEqual([]);
    const status = (await world.read('status/team-a/web.yaml'))!;
    expect(status).not.toContain('provider-us');
    expect(signatureKey(status)).toMatch(/^key-/);
    // Argo CD applied nothing FLARE did not: no object of the forged stages exists
    expect(await derivedFromForgery(world)).toEqual([]);
  });

  it('a status/ folder replaced by a symlink stops the cycle before anything is applied or pruned', async () => {
    world = await startWorld(FILES);
    let failure: unknown;
    const rec = await world.start({ onError: (e) => (failure = e) });
    await cycleUntil(rec, (x) => phasesOf(x)['team-a-web'] === 'Running');
    const human = await world.humanClone();
    await runGit(['pull', '-q', '--ff-only', 'origin', 'main'], { cwd: human });
    await runGit(['rm', '-q', '-r', 'status'], { cwd: human });
    const { symlink } = await import('node:fs/promises');
    await symlink('intents', path.join(human, 'status'));
    await runGit(['add', '-A'], { cwd: human });
    const env = { GIT_AUTHOR_NAME: 'Human', GIT_AUTHOR_EMAIL: 'h@example.com', GIT_COMMITTER_NAME: 'Human', GIT_COMMITTER_EMAIL: 'h@example.com' };
    await runGit(['commit', '-q', '-m', 'link status'], { cwd: human, env });
    await runGit(['push', '-q', 'origin', 'HEAD:main'], { cwd: human });
    const writes = world.sandbox.stats().server.writes;
    await rec.runOnce();
    // nothing pruned or applied: the workload and its reservation are as they were
    expect(await world.cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'flare-team-a-web', name: 'web' })).toBeDefined();
    expect(world.sandbox.stats().server.writes).toBe(writes);
    // the roots check (ownership) or the link check (trust) stops it, whichever runs first
    expect(String((failure as Error)?.message)).toMatch(/symbolic links in the repository: status\b|status.*symlink/);
  });
});
