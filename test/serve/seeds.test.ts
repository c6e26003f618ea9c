import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allSettled, cycleUntil, REPO_ROOT, startWorld, type World } from '../reconcile/harness.js';
import { runGit } from '../../src/git/exec.js';
import { MANAGED_KINDS } from '../../src/reconcile/apply.js';
import { BOOTSTRAP, startApi, type Api } from './helpers.js';

const seedsDir = path.resolve(REPO_ROOT, '..', 'shared', 'seeds');

/** The seeds' curl bodies: every `-d '{...}'` that is an intent (API or one-call shape). */
function curlBodies(): string[] {
  const out: string[] = [];
  for (const f of readdirSync(seedsDir).filter((x) => x.endsWith('.txt')).sort()) {
    for (const m of readFileSync(path.join(seedsDir, f), 'utf8').matchAll(/-d '(\{[\s\S]*?\})'/g)) {
      const o = JSON.parse(m[1]!) as { intent?: { objective?: string }; objective?: string };
      if (o.intent?.objective || o.objective) out.push(m[1]!);
    }
  }
  return out;
}

/** Which tenant each seed belongs to: the folder its copy in the repo's intents/ lives in. */
function tenantOf(name: string): string {
  for (const t of readdirSync(path.join(REPO_ROOT, 'intents'))) {
    if (existsSync(path.join(REPO_ROOT, 'intents', t, `${name}.json`))) return t;
  }
  throw new Error(`no tenant holds ${name}`);
}

describe.skipIf(!existsSync(seedsDir))('the seeds\' curl bodies through flare serve', () => {
  let world: World;
  let api: Api;
  beforeAll(async () => {
    const files: Record<string, string> = { 'flare.yaml': readFileSync(path.join(REPO_ROOT, 'flare.yaml'), 'utf8') };
    for (const t of readdirSync(path.join(REPO_ROOT, 'tenants'))) files[`tenants/${t}`] = readFileSync(path.join(REPO_ROOT, 'tenants', t), 'utf8');
    world = await startWorld(files);
    api = await startApi(world);
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await world?.close();
  });

  it('accepts every seed body, commits it as the tenant owner, and the reconciler runs it; GET shows provider, phase, cost', async () => {
    const bodies = curlBodies();
    expect(bodies.length).toBeGreaterThanOrEqual(10);
    const tokens = new Map<string, string>();
    const ids: string[] = [];
    for (const raw of bodies) {
      const o = JSON.parse(raw) as { name?: string; intent?: { workload?: { name?: string } } };
      const name = o.name ?? o.intent?.workload?.name ?? '';
      const tenant = tenantOf(name);
      if (!tokens.has(tenant)) tokens.set(tenant, await api.token(tenant));
      // Sent byte for byte as the seeds' curl sends it.
      const r = await api.call('POST', '/api/v1/intents', { token: tokens.get(tenant)!, raw });
      expect(r.status, `${name}: ${JSON.stringify(r.body)}`).toBe(201);
      expect(r.body).toMatchObject({ status: 'pending', intent_id: expect.any(String), message: expect.any(String) });
      expect(r.body.estimated_cost).toMatch(/^\d+\.\d\d-\d+\.\d\d EUR\/hour$/);
      const text = await world.read(`intents/${tenant}/${name}.yaml`);
      expect(text).toContain('kind: Intent');
      ids.push(r.body.intent_id as string);
    }
    const messages = await world.messages();
    expect(messages.filter((m) => /^Add intent .* \(API\)/.test(m))).toHaveLength(bodies.length);
    expect(messages.every((m) => !m.includes('flr_'))).toBe(true);

    const rec = await world.start();
    await cycleUntil(rec, (r) => allSettled(r) && r.intents.length === bodies.length, { timeoutMs: 90_000 });
    await rec.stop();
    await api.server.intents.refresh();
    // No token value anywhere in the repo's history: files (intents, status) or messages.
    const bare = path.join(world.tmp, 'srv', 'flare.git');
    const history = (await runGit(['log', '-p', '--format=%B', 'main'], { cwd: bare })).stdout;
    expect(history).toContain('Flare-Api-Token: ');
    expect(history).toContain('phase: Running');
    for (const t of tokens.values()) expect(history).not.toContain(t.slice(21));
    expect(history).not.toContain(BOOTSTRAP);
    expect(history).not.toMatch(/flr_[0-9a-f]{16}_/);
    const token = await api.token(null, ['admin:*']);
    for (const id of ids) {
      const g = await api.call('GET', `/api/v1/intents/${id}`, { token });
      expect(g.status).toBe(200);
      expect(['Running', 'Completed'], `${id}: ${g.body.phase} ${g.body.message}`).toContain(g.body.phase);
      expect(g.body.allocation.provider).toEqual(expect.any(String));
      expect(g.body.cost.hourly).toBeGreaterThan(0);
    }

    // DELETE commits the removal; the reconciler then releases everything the intent held.
    const victim = ids.find((id) => id.endsWith('llama2--inference'))!;
    const d = await api.call('DELETE', `/api/v1/intents/${victim}`, { token });
    expect(d.status).toBe(202);
    const rec2 = await world.start();
    await cycleUntil(rec2, (r) => !r.intents.some((i) => i.id === victim) && r.commit !== undefined, { timeoutMs: 60_000 });
    await rec2.stop();
    for (const k of MANAGED_KINDS) {
      const left = await world.cluster.list(k.apiVersion, k.kind, { labelSelector: `flare.io/intent-id=${victim}` });
      expect(left.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    }
    expect(await world.read('status/ml-platform/llama2-inference.yaml')).toBeUndefined();
    await api.server.intents.refresh();
    expect((await api.call('GET', `/api/v1/intents/${victim}`, { token })).status).toBe(404);
  }, 180_000);
});
