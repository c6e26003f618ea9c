import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runGit } from '../../src/git/exec.js';
import { REPO_ROOT, startWorld, TENANT, type World } from '../reconcile/harness.js';
import { startApi, until, type Api } from './helpers.js';

let world: World;
let api: Api;
const TENANTS = ['t-alpha', 't-beta', 't-gamma', 't-delta', 't-eps'];

beforeAll(async () => {
  const files: Record<string, string> = { 'flare.yaml': readFileSync(path.join(REPO_ROOT, 'flare.yaml'), 'utf8') };
  for (const t of TENANTS) files[`tenants/${t}.yaml`] = TENANT(t);
  world = await startWorld(files);
  api = await startApi(world, { rateLimitPerMinute: 100_000 });
}, 60_000);
afterAll(async () => {
  await api?.close();
  await world?.close();
});

it('50 concurrent POSTs from five tenants all land exactly once while the reconciler pushes status; fsck clean', async () => {
  const tokens = await Promise.all(TENANTS.map((t) => api.token(t)));
  // The reconciler too drives its clone with isomorphic-git here (RepoSource.git).
  const rec = await world.start({ autoStart: true, intervalMs: 300, pollMs: 100, repo: { url: world.url, dir: path.join(world.tmp, 'rec-iso'), git: 'iso' } });
  // Let the reconciler start committing status before and during the burst.
  await world.push({ 'intents/t-alpha/warm.yaml': `apiVersion: flare.fluidos.eu/v1alpha1\nkind: Intent\nmetadata:\n  name: warm\nspec:\n  objective: Cost_Minimization\n  requirements:\n    gpu:\n      model: nvidia-t4\n      count: 1\n  constraints:\n    location: EU\n` }, 'warm');
  await until('a status commit', async () => ((await world.read('status/t-alpha/warm.yaml')) ? true : undefined), 30_000);
  const body = (name: string) => ({
    intent: {
      objective: 'Cost_Minimization',
      workload: { type: 'service', name, image: 'nginx:1.27', resources: { gpu: { model: 'nvidia-t4', count: 1 } } },
      constraints: { location: 'EU', max_hourly_cost: '5 EUR' },
    },
  });
  const jobs = Array.from({ length: 50 }, (_, i) => {
    const t = i % TENANTS.length;
    return api.call('POST', '/api/v1/intents', { token: tokens[t]!, body: body(`burst-${i}`) });
  });
  const results = await Promise.all(jobs);
  for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(201);
  await rec.stop();

  const bare = path.join(world.tmp, 'srv', 'flare.git');
  const subjects = (await runGit(['log', '--format=%s', 'main'], { cwd: bare })).stdout.trim().split('\n');
  for (let i = 0; i < 50; i++) {
    const t = TENANTS[i % TENANTS.length];
    expect(subjects.filter((s) => s === `Add intent ${t}/burst-${i} (API)`), `burst-${i}`).toHaveLength(1);
  }
  const files = (await runGit(['ls-tree', '-r', '--name-only', 'main', 'intents'], { cwd: bare })).stdout.trim().split('\n');
  expect(files.filter((f) => /\/burst-\d+\.yaml$/.test(f))).toHaveLength(50);
  // The reconciler pushed to the same branch meanwhile.
  expect(subjects.filter((s) => !s.startsWith('Add intent') && s !== 'warm').length).toBeGreaterThan(0);
  await runGit(['fsck', '--strict', '--no-dangling'], { cwd: bare });
  // Batching: fewer pushes than commits.
  expect(api.server.intents.counters.batches).toBeLessThan(50);
  expect(api.server.intents.counters.commits).toBe(50);
}, 120_000);
