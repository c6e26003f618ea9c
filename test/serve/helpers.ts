import path from 'node:path';
import { request } from 'node:http';
import { openIsoRemoteRepo } from '../../src/git/iso-repo.js';
import type { GitRepo } from '../../src/git/types.js';
import { startApiServer } from '../../src/serve/server.js';
import type { ApiServer, ServeOptions } from '../../src/serve/server.js';
import { TokenStore, fileTokenBackend } from '../../src/serve/tokens.js';
import type { World } from '../reconcile/harness.js';

export const BOOTSTRAP = 'bootstrap-admin-token-for-tests-0123456789';

export interface Api {
  server: ApiServer;
  repo: GitRepo;
  tokens: TokenStore;
  tokenFile: string;
  logs: string[];
  call(method: string, p: string, o?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Record<string, string | string[] | undefined> }>;
  /** Issues a token with the bootstrap admin token; returns its value. */
  token(tenant: string | null, permissions?: string[], extra?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

let n = 0;

export async function startApi(world: World, opts: Partial<ServeOptions> & { withCluster?: boolean } = {}): Promise<Api> {
  const repo = await openIsoRemoteRepo({ url: world.url, dir: path.join(world.tmp, `api-clone-${n++}`), branch: 'main' });
  const tokenFile = path.join(world.tmp, `tokens-${n++}`, 'api-tokens.json');
  const tokens = new TokenStore(fileTokenBackend(tokenFile));
  await tokens.load(BOOTSTRAP);
  const logs: string[] = [];
  const { withCluster = true, ...rest } = opts;
  const server = await startApiServer({
    repo,
    tokens,
    ...(withCluster ? { cluster: world.cluster } : {}),
    port: 0,
    syncIntervalMs: 200,
    accessLog: (l) => logs.push(l),
    ...rest,
  });
  const call: Api['call'] = (method, p, o = {}) =>
    new Promise((resolve, reject) => {
      const payload = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
      const headers: Record<string, string> = { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      const req = request(`${server.url}${p}`, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* text answers (metrics) */
          }
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        });
      });
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  const api: Api = {
    server,
    repo,
    tokens,
    tokenFile,
    logs,
    call,
    async token(tenant, permissions, extra = {}) {
      const r = await call('POST', '/api/v1/auth/tokens', {
        token: BOOTSTRAP,
        body: { tenant, ...(permissions ? { permissions } : {}), ...extra },
      });
      if (r.status !== 201) throw new Error(`token: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.token as string;
    },
    async close() {
      await server.close();
      await repo.close();
    },
  };
  return api;
}

/** Polls until `check` holds (no fixed sleeps). */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
