import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Cluster } from '../cluster/types.js';
import type { GitRepo } from '../git/types.js';
import { memoryGi, rowsFromFlavors, selectRows } from '../provider/resources.js';
import { ApiError, hintSuggestion } from './api-error.js';
import { dashboardRoutes } from './dash-routes.js';
import { tenantScope, type RequestContext, type Route } from './route.js';
import { etagOf, notModified } from './etag.js';
import { IntentService } from './intents.js';
import { openApiDocument } from './openapi.js';
import { DEFAULT_EXPIRY_DAYS, MAX_EXPIRY_DAYS, PERMISSIONS, hasPermission, isAdmin } from './tokens.js';
import type { Permission, Principal, TokenStore } from './tokens.js';
import { serveUi, uiDirDefault } from './static-ui.js';
import { readLimited } from '../util/read-limited.js';

export interface ServeOptions {
  repo: GitRepo;
  tokens: TokenStore;
  cluster?: Cluster;
  host?: string;
  port?: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Largest request body accepted (default 256 KiB, the intent file limit). */
  bodyLimitBytes?: number;
  /** Requests per token per minute (default 600); a burst of a tenth of it is allowed. */
  rateLimitPerMinute?: number;
  /** How often the clone is synced with the remote for reads (default 2 s; 0 disables). */
  syncIntervalMs?: number;
  /** One JSON line per request; default stderr. */
  accessLog?: (line: string) => void;
  now?: () => Date;
  /** The dashboard bundle served at `/` (default: dist/ui of the package; false: no dashboard). */
  uiDir?: string | false;
}

export interface ApiServer {
  url: string;
  port: number;
  intents: IntentService;
  close(): Promise<void>;
}

const DEFAULT_BODY_LIMIT = 256 * 1024;

/** Token bucket per token id: `perMinute` sustained, a tenth of it (≥ 5) as burst. */
class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly perMinute: number) {}

  take(key: string, nowMs: number): number | undefined {
    const burst = Math.max(5, Math.ceil(this.perMinute / 10));
    const rate = this.perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: burst, at: nowMs };
    b.tokens = Math.min(burst, b.tokens + (nowMs - b.at) * rate);
    b.at = nowMs;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    return Math.ceil((1 - b.tokens) / rate / 1000);
  }
}

class Metrics {
  private requests = new Map<string, number>();
  private durations = new Map<string, { sum: number; count: number }>();
  observe(route: string, method: string, status: number, seconds: number): void {
    const k = `method="${method}",route="${route}",status="${status}"`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
    const d = this.durations.get(`method="${method}",route="${route}"`) ?? { sum: 0, count: 0 };
    d.sum += seconds;
    d.count++;
    this.durations.set(`method="${method}",route="${route}"`, d);
  }
  render(extra: Record<string, number>): string {
    const lines = ['# HELP flare_api_requests_total API requests by route and status', '# TYPE flare_api_requests_total counter'];
    for (const [k, v] of [...this.requests].sort()) lines.push(`flare_api_requests_total{${k}} ${v}`);
    lines.push('# HELP flare_api_request_duration_seconds API request time', '# TYPE flare_api_request_duration_seconds summary');
    for (const [k, v] of [...this.durations].sort()) {
      lines.push(`flare_api_request_duration_seconds_sum{${k}} ${v.sum.toFixed(6)}`, `flare_api_request_duration_seconds_count{${k}} ${v.count}`);
    }
    for (const [name, v] of Object.entries(extra)) lines.push(`# TYPE ${name} counter`, `${name} ${v}`);
    return `${lines.join('\n')}\n`;
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : '';
}

/** Reads the body up to the limit; 413 beyond it (checked on Content-Length first, then while reading). */
async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new ApiError('PAYLOAD_TOO_LARGE', `request body is ${declared} bytes; the limit is ${limit}`);
  }
  const body = await readLimited(req, limit);
  if (body === undefined) throw new ApiError('PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`);
  return body.toString('utf8');
}

function jsonBody(raw: string): unknown {
  if (raw.trim() === '') throw new ApiError('INVALID_FORMAT', 'the request body is empty; send a JSON object');
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new ApiError('INVALID_FORMAT', `malformed JSON: ${(err as Error).message.replace(/\s+/g, ' ').slice(0, 200)}`, [
      hintSuggestion('send a JSON object, e.g. {"intent": {...}}'),
    ]);
  }
}

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ApiError('INVALID_FORMAT', `${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

function fmtRange(min: number, max: number, currency: string): string {
  return `${min.toFixed(2)}-${max.toFixed(2)} ${currency}/hour`;
}

/** The FLARE REST API of the seeds, as a front on the Git repo (see README, `flare serve`). */
export async function startApiServer(opts: ServeOptions): Promise<ApiServer> {
  const now = opts.now ?? (() => new Date());
  const log = opts.accessLog ?? ((line: string) => process.stderr.write(`${line}\n`));
  const intents = new IntentService(opts.repo, opts.cluster, now);
  await intents.init();
  const tokens = opts.tokens;
  const limiter = new RateLimiter(opts.rateLimitPerMinute ?? 600);
  const metrics = new Metrics();
  const bodyLimit = opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  const openapi = JSON.stringify(openApiDocument());
  const uiDir = opts.uiDir === undefined ? uiDirDefault() : opts.uiDir;

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: /^\/api\/v1\/openapi\.json$/,
      template: '/api/v1/openapi.json',
      handler: async () => ({ status: 200, body: JSON.parse(openapi) }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/intents$/,
      template: '/api/v1/intents',
      auth: 'intents:write',
      async handler(c) {
        const tenant = tenantScope(c.principal, c.url, true)!;
        const raw = await c.rawBody();
        const body = asObject(jsonBody(raw), 'the request body');
        const { intent, sha, estimate, warnings } = await intents.create(c.principal, tenant, body, raw);
        return {
          status: 201,
          headers: { location: `/api/v1/intents/${intent.id}` },
          body: {
            intent_id: intent.id,
            status: 'pending',
            message: `intent ${tenant}/${intent.name} committed${sha ? ` as ${sha.slice(0, 12)}` : ''}; the reconciler will place it`,
            estimated_cost: estimate ? fmtRange(estimate.min, estimate.max, estimate.currency) : null,
            cost_estimate: estimate ?? null,
            tenant,
            name: intent.name,
            file: `intents/${tenant}/${intent.name}.yaml`,
            commit: sha ?? null,
            warnings,
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/intents$/,
      template: '/api/v1/intents',
      auth: 'intents:read',
      async handler(c) {
        const tenant = tenantScope(c.principal, c.url, false);
        const list = intents.list(tenant);
        return { status: 200, body: { intents: list, total: list.length } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/intents\/([a-z0-9-]{1,63})$/,
      template: '/api/v1/intents/{id}',
      auth: 'intents:read',
      async handler(c) {
        const i = intents.find(c.params[0]!, isAdmin(c.principal) ? null : c.principal.tenant);
        if (!i) throw new ApiError('NOT_FOUND', `intent ${c.params[0]} not found`);
        return { status: 200, body: intents.detail(i) };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/api\/v1\/intents\/([a-z0-9-]{1,63})$/,
      template: '/api/v1/intents/{id}',
      auth: 'intents:delete',
      async handler(c) {
        const i = intents.find(c.params[0]!, isAdmin(c.principal) ? null : c.principal.tenant);
        if (!i) throw new ApiError('NOT_FOUND', `intent ${c.params[0]} not found`);
        const { sha } = await intents.remove(c.principal, i);
        return {
          status: 202,
          body: {
            intent_id: i.id,
            status: 'deleting',
            message: `removal of ${i.file} committed${sha ? ` as ${sha.slice(0, 12)}` : ''}; the reconciler releases the workload, reservation and peering`,
            commit: sha ?? null,
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/resources$/,
      template: '/api/v1/resources',
      auth: 'resources:read',
      async handler(c) {
        const rows = rowsFromFlavors(await intents.flavors());
        const q: { model?: string; location?: string } = {};
        const model = c.url.searchParams.get('model');
        const location = c.url.searchParams.get('location');
        if (model) q.model = model;
        if (location) q.location = location;
        const picked = selectRows(rows, q, intents.snapshot.model.config.locations);
        const resources = picked.map((r) => ({
          model: r.model,
          count: r.count,
          memory: r.memory || null,
          memory_gi: memoryGi(r) ?? null,
          location: r.region || null,
          zone: r.zone || null,
          cost_per_hour: r.ratePerGpu ?? null,
          currency: intents.snapshot.model.config.currency,
          provider: r.provider,
          available: r.available,
          latency_ms: r.latencyMs ?? null,
        }));
        return { status: 200, body: { resources, total: resources.length } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/auth\/tokens$/,
      template: '/api/v1/auth/tokens',
      auth: 'tokens:manage',
      async handler(c) {
        const b = asObject(jsonBody(await c.rawBody()), 'the request body');
        const allowed = ['tenant', 'owner', 'permissions', 'expires_in_days', 'description'];
        for (const k of Object.keys(b)) {
          if (!allowed.includes(k)) {
            throw new ApiError('INVALID_FORMAT', `unknown field ${k}`, [hintSuggestion(`allowed fields: ${allowed.join(', ')}`)], [
              { path: k, message: 'unknown field', code: 'unknown-field' },
            ]);
          }
        }
        const p = c.principal;
        const admin = isAdmin(p);
        const tenant = b.tenant === undefined || b.tenant === null ? (admin ? null : p.tenant) : String(b.tenant);
        if (!admin && tenant !== p.tenant) throw new ApiError('INSUFFICIENT_PERMISSIONS', `a token of tenant ${p.tenant} cannot issue tokens for ${tenant}`);
        const perms = b.permissions === undefined ? ['intents:read', 'intents:write', 'intents:delete', 'resources:read'] : b.permissions;
        if (!Array.isArray(perms) || perms.length === 0 || perms.some((x) => !(PERMISSIONS as readonly unknown[]).includes(x))) {
          throw new ApiError('INVALID_FORMAT', `permissions must be a non-empty list of ${PERMISSIONS.join(', ')}`, [], [
            { path: 'permissions', message: 'invalid permission list', code: 'bad-enum' },
          ]);
        }
        for (const perm of perms as Permission[]) {
          if (!hasPermission(p, perm) || (perm === 'admin:*' && !admin)) {
            throw new ApiError('INSUFFICIENT_PERMISSIONS', `cannot grant ${perm}: the calling token does not hold it`);
          }
        }
        if (tenant === null && !(perms as Permission[]).includes('admin:*')) {
          throw new ApiError('MISSING_REQUIRED_FIELD', 'a token without admin:* belongs to a tenant: set tenant', [], [
            { path: 'tenant', message: 'required', code: 'missing-field' },
          ]);
        }
        let owner = b.owner === undefined ? undefined : String(b.owner);
        if (tenant !== null) {
          const def = intents.tenant(tenant);
          if (!def) throw new ApiError('NOT_FOUND', `tenant ${tenant} is not defined in the repository`);
          const owners = def.owners.map((o) => o.name);
          if (owner === undefined) owner = def.owners.find((o) => o.kind === 'User')?.name ?? owners[0] ?? `${tenant}-api`;
          else if (owners.length > 0 && !owners.includes(owner)) {
            throw new ApiError('INVALID_FORMAT', `${owner} is not an owner of tenant ${tenant}`, [hintSuggestion(`owners: ${owners.join(', ')}`)], [
              { path: 'owner', message: 'not a tenant owner', code: 'bad-enum' },
            ]);
          }
        }
        owner ??= p.owner;
        let days: number | null = DEFAULT_EXPIRY_DAYS;
        if (b.expires_in_days !== undefined) {
          const d = b.expires_in_days;
          if (typeof d !== 'number' || !Number.isFinite(d) || d <= 0 || d > MAX_EXPIRY_DAYS) {
            throw new ApiError('INVALID_FORMAT', `expires_in_days must be a number in (0, ${MAX_EXPIRY_DAYS}]`, [], [
              { path: 'expires_in_days', message: 'out of range', code: 'out-of-range' },
            ]);
          }
          days = d;
        }
        const desc = b.description === undefined ? undefined : String(b.description).slice(0, 200);
        const { token, info } = await tokens.create({
          tenant,
          owner,
          permissions: perms as Permission[],
          expiresInDays: days,
          ...(desc ? { description: desc } : {}),
          createdBy: p.tokenId,
        });
        return { status: 201, body: { ...info, token, message: 'store the token now: it is shown only once' } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/auth\/tokens$/,
      template: '/api/v1/auth/tokens',
      auth: 'tokens:manage',
      async handler(c) {
        const tenant = tenantScope(c.principal, c.url, false);
        const list = tokens.list(tenant === null ? undefined : tenant);
        return { status: 200, body: { tokens: list, total: list.length } };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/api\/v1\/auth\/tokens\/([0-9a-f]{16})$/,
      template: '/api/v1/auth/tokens/{id}',
      auth: 'tokens:manage',
      async handler(c) {
        const rec = tokens.get(c.params[0]!);
        if (!rec || (!isAdmin(c.principal) && rec.tenant !== c.principal.tenant)) throw new ApiError('NOT_FOUND', `token ${c.params[0]} not found`);
        const info = await tokens.revoke(rec.id);
        return { status: 200, body: { ...info, message: 'token revoked' } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/auth\/verify$/,
      template: '/api/v1/auth/verify',
      auth: 'any',
      async handler(c) {
        const p = c.principal;
        return {
          status: 200,
          body: { valid: true, token_id: p.tokenId, tenant: p.tenant, owner: p.owner, permissions: p.permissions, expires_at: p.expiresAt },
        };
      },
    },
    ...dashboardRoutes({ intents, repo: opts.repo, now }),
  ];

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, contentType = 'application/json'): number => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...headers,
    });
    res.end(text);
    return Buffer.byteLength(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      url = new URL('http://localhost/');
    }
    const method = req.method ?? 'GET';
    let template = 'unmatched';
    let principal: Principal | undefined;
    let status = 500;
    let errorCode: string | undefined;
    try {
      if (url.pathname === '/healthz' && method === 'GET') {
        template = '/healthz';
        status = 200;
        send(res, 200, { status: 'ok', head: intents.snapshot.head });
        return;
      }
      if (url.pathname === '/metrics' && method === 'GET') {
        template = '/metrics';
        status = 200;
        const c = intents.counters;
        send(res, 200, metrics.render({ flare_api_commits_total: c.commits, flare_api_push_batches_total: c.batches, flare_api_syncs_total: c.syncs, flare_api_writes_rejected_total: c.rejected }), {}, 'text/plain; version=0.0.4');
        return;
      }
      if (uiDir && (method === 'GET' || method === 'HEAD') && !url.pathname.startsWith('/api/')) {
        const served = await serveUi(uiDir, url.pathname, req, res);
        if (served !== undefined) {
          template = served.template;
          status = served.status;
          return;
        }
      }
      const candidates = routes.filter((r) => r.pattern.test(url.pathname));
      if (candidates.length === 0) throw new ApiError('NOT_FOUND', `no route ${url.pathname}`);
      const route = candidates.find((r) => r.method === method);
      if (!route) {
        throw new ApiError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${candidates[0]!.template}`, [], undefined, {
          allow: candidates.map((r) => r.method).join(', '),
        });
      }
      template = route.template;
      if (route.auth) {
        principal = tokens.verify(bearer(req));
        const wait = limiter.take(principal.tokenId, Date.now());
        if (wait !== undefined) throw new ApiError('RATE_LIMITED', 'too many requests for this token', [], undefined, { 'retry-after': String(wait) });
        if (route.auth !== 'any' && !hasPermission(principal, route.auth)) {
          throw new ApiError('INSUFFICIENT_PERMISSIONS', `the token lacks the permission ${route.auth}`);
        }
      }
      if (method === 'POST') {
        const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (ct !== 'application/json') throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json (got ${ct || 'none'})`);
      }
      let raw: Promise<string> | undefined;
      const rawBody = () => (raw ??= readBody(req, bodyLimit));
      const ctx: RequestContext = {
        req,
        url,
        params: route.pattern.exec(url.pathname)!.slice(1),
        principal: principal ?? { tokenId: '-', tenant: null, owner: '-', permissions: [], expiresAt: null },
        rawBody,
        body: async () => jsonBody(await rawBody()),
      };
      const out = await route.handler(ctx);
      status = out.status;
      if (method === 'GET' && out.status === 200 && route.auth) {
        // Polling (the dashboard) is cheap when nothing changed: a 304 carries no body.
        const etag = etagOf(JSON.stringify(out.body));
        if (notModified(req, etag)) {
          status = 304;
          res.writeHead(304, { etag, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
          res.end();
          return;
        }
        send(res, 200, out.body, { ...out.headers, etag });
        return;
      }
      send(res, out.status, out.body, out.headers);
    } catch (err) {
      const e =
        err instanceof ApiError
          ? err
          : new ApiError('INTERNAL_ERROR', 'internal error; the request was not completed');
      if (!(err instanceof ApiError)) log(JSON.stringify({ level: 'error', msg: 'unhandled error', error: String((err as Error)?.message ?? err).slice(0, 300) }));
      status = e.status;
      errorCode = e.code;
      // An oversized body is discarded unread (resume), and the connection is not reused.
      if (e.code === 'PAYLOAD_TOO_LARGE') req.resume();
      if (!res.headersSent) send(res, e.status, e.body(), e.code === 'PAYLOAD_TOO_LARGE' ? { ...e.headers, connection: 'close' } : e.headers);
    } finally {
      const ms = performance.now() - started;
      metrics.observe(template, method, status, ms / 1000);
      log(
        JSON.stringify({
          time: now().toISOString(),
          level: 'info',
          msg: 'request',
          method,
          route: template,
          path: url.pathname,
          status,
          ms: Math.round(ms * 10) / 10,
          token_id: principal?.tokenId ?? null,
          tenant: principal?.tenant ?? null,
          ...(errorCode ? { error_code: errorCode } : {}),
          remote: req.socket.remoteAddress ?? null,
        }),
      );
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res);
  };
  const server: Server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : createHttpServer(listener);
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let timer: NodeJS.Timeout | undefined;
  let syncing: Promise<void> | undefined;
  const interval = opts.syncIntervalMs ?? 2000;
  if (interval > 0) {
    timer = setInterval(() => {
      if (syncing) return;
      syncing = intents
        .refresh()
        .catch((err: unknown) => log(JSON.stringify({ level: 'warn', msg: 'sync failed', error: String((err as Error)?.message ?? err).slice(0, 300) })))
        .finally(() => {
          syncing = undefined;
        });
    }, interval);
    timer.unref();
  }
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${hostForUrl}:${port}`,
    port,
    intents,
    async close() {
      if (timer) clearInterval(timer);
      await syncing;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await intents.drain();
    },
  };
}
