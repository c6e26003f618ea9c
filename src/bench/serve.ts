import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createKubeCluster } from '../cluster/kube.js';
import { createBareRepo, startGitHttpServer } from '../git/http-server.js';
import { openIsoRemoteRepo } from '../git/iso-repo.js';
import { openRemoteRepo } from '../git/repo.js';
import type { GitRepo } from '../git/types.js';
import { startSandbox } from '../sandbox/index.js';
import { startApiServer } from '../serve/server.js';
import { TokenStore, fileTokenBackend } from '../serve/tokens.js';

const TENANTS = ['bench-a', 'bench-b', 'bench-c', 'bench-d', 'bench-e'];
const CLIENTS = 10;
const POSTS = Number(process.env.BENCH_SERVE_POSTS ?? 200);
const GETS = 3000;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** Runs `total` calls with `clients` workers; per-call latencies and wall time. */
async function load(total: number, clients: number, call: (i: number) => Promise<number>): Promise<{ times: number[]; wallMs: number; failed: number }> {
  const times: number[] = [];
  let next = 0;
  let failed = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t = performance.now();
        const status = await call(i);
        times.push(performance.now() - t);
        if (status >= 300) failed++;
      }
    }),
  );
  return { times: times.sort((a, b) => a - b), wallMs: performance.now() - start, failed };
}

/**
 * `flare serve` on loopback against a real smart-HTTP remote and the sandbox cluster: POST
 * (validate, price against the sandbox's Flavors, commit, push) and GET throughput and latency at
 * 10 concurrent clients, for each git implementation.
 */
export async function benchServe(log: (line: string) => void): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'flare-bench-serve-'));
  const gitServer = await startGitHttpServer({ root: path.join(tmp, 'srv') });
  const sandbox = await startSandbox({ stepDelayMs: 5 });
  const cluster = createKubeCluster({ kubeconfigPath: sandbox.kubeconfigPath });
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  try {
    const seed = path.join(tmp, 'seed');
    await mkdir(path.join(seed, 'tenants'), { recursive: true });
    const flare = await readFile(path.join(process.cwd(), 'flare.yaml'), 'utf8').catch(() => undefined);
    if (flare) await writeFile(path.join(seed, 'flare.yaml'), flare);
    for (const t of TENANTS) {
      await writeFile(
        path.join(seed, 'tenants', `${t}.yaml`),
        `apiVersion: flare.fluidos.eu/v1alpha1\nkind: Tenant\nmetadata:\n  name: ${t}\nspec:\n  owners:\n    - kind: User\n      name: ${t}@example.com\n`,
      );
    }
    for (const impl of ['iso', 'cli'] as const) {
      const name = `bench-${impl}`;
      await createBareRepo(path.join(tmp, 'srv'), name, { branch: 'main', seedFrom: seed });
      const url = `${gitServer.url}/${name}.git`;
      const dir = path.join(tmp, `clone-${impl}`);
      const repo: GitRepo = impl === 'iso' ? await openIsoRemoteRepo({ url, dir, branch: 'main' }) : await openRemoteRepo({ url, dir, branch: 'main' });
      const tokens = new TokenStore(fileTokenBackend(path.join(tmp, `tokens-${impl}.json`)));
      await tokens.load();
      const server = await startApiServer({ repo, tokens, cluster, port: 0, rateLimitPerMinute: 1_000_000, syncIntervalMs: 2000, accessLog: () => undefined });
      try {
        const issued = await Promise.all(
          TENANTS.map(async (t) => (await tokens.create({ tenant: t, owner: `${t}@example.com`, permissions: ['intents:read', 'intents:write'], expiresInDays: 1, createdBy: 'bench' })).token),
        );
        const call = (method: string, p: string, token: string, body?: string): Promise<number> =>
          new Promise((resolve, reject) => {
            const req = request(
              `${server.url}${p}`,
              { method, agent, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) } },
              (res) => {
                res.resume();
                res.on('end', () => resolve(res.statusCode ?? 0));
              },
            );
            req.on('error', reject);
            req.end(body);
          });
        const body = (i: number) =>
          JSON.stringify({
            intent: {
              objective: 'Cost_Minimization',
              workload: { type: 'service', name: `svc-${i}`, image: 'nginx:1.27', resources: { gpu: { model: 'nvidia-t4', count: 1 } } },
              constraints: { location: 'EU', max_hourly_cost: '5 EUR' },
            },
          });
        await call('POST', '/api/v1/intents', issued[0]!, body(-1)); // warm-up
        const post = await load(POSTS, CLIENTS, (i) => call('POST', '/api/v1/intents', issued[i % TENANTS.length]!, body(i)));
        const get = await load(GETS, CLIENTS, (i) =>
          i % 2 === 0
            ? call('GET', `/api/v1/intents/${TENANTS[i % TENANTS.length]}-svc-${i % POSTS}`, issued[i % TENANTS.length]!)
            : call('GET', '/api/v1/intents', issued[i % TENANTS.length]!),
        );
        const c = server.intents.counters;
        log(
          `serve (${impl}, load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs): POST ${POSTS} at ${CLIENTS} clients: ${((POSTS / post.wallMs) * 1000).toFixed(1)}/s, ` +
            `p50 ${quantile(post.times, 0.5).toFixed(0)} ms, p99 ${quantile(post.times, 0.99).toFixed(0)} ms, ${post.failed} failed; ` +
            `${c.commits} commits in ${c.batches} pushes (${((c.push_seconds / c.batches) * 1000).toFixed(0)} ms per commit+push, ` +
            `${(((c.land_seconds - c.push_seconds) / c.batches) * 1000).toFixed(0)} ms checks per batch)`,
        );
        log(
          `serve (${impl}): GET ${GETS} at ${CLIENTS} clients (one intent / list of a tenant's ${POSTS / TENANTS.length}): ` +
            `${((GETS / get.wallMs) * 1000).toFixed(0)}/s, p50 ${quantile(get.times, 0.5).toFixed(1)} ms, p99 ${quantile(get.times, 0.99).toFixed(1)} ms, ${get.failed} failed`,
        );
      } finally {
        await server.close();
        await repo.close();
      }
    }
  } finally {
    agent.destroy();
    await sandbox.close();
    await gitServer.close();
    await rm(tmp, { recursive: true, force: true });
  }
}
