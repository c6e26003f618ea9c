import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit } from '../../src/git/exec.js';
import { startWorld, type World } from '../reconcile/harness.js';
import { BOOTSTRAP, startApi, until, type Api } from './helpers.js';

let world: World;
let api: Api;
const bare = () => path.join(world.tmp, 'srv', 'flare.git');
const remoteHead = async () => (await runGit(['rev-parse', 'main'], { cwd: bare() })).stdout.trim();

function intent(name: string, o: { model?: string; count?: number; max?: string; location?: string; extra?: Record<string, unknown> } = {}) {
  return {
    intent: {
      objective: 'Cost_Minimization',
      workload: { type: 'service', name, image: 'nginx:1.27', ports: [{ port: 8080, expose: true }], resources: { gpu: { model: o.model ?? 'nvidia-t4', count: o.count ?? 1 } } },
      constraints: { max_hourly_cost: o.max ?? '5 EUR', location: o.location ?? 'EU' },
      ...o.extra,
    },
  };
}

beforeAll(async () => {
  world = await startWorld({ copyRepo: true });
  api = await startApi(world);
}, 60_000);
afterAll(async () => {
  await api?.close();
  await world?.close();
});

describe('tokens', () => {
  it('are shown once, stored only as salted hashes in a 0600 file, and never logged', async () => {
    const t = await api.token('edge', ['intents:read']);
    expect(t).toMatch(/^flr_[0-9a-f]{16}_/);
    const file = await readFile(api.tokenFile, 'utf8');
    expect(file).not.toContain(t.slice(21));
    expect(file).not.toContain(BOOTSTRAP);
    expect((await stat(api.tokenFile)).mode & 0o777).toBe(0o600);
    const v = await api.call('GET', '/api/v1/auth/verify', { token: t });
    expect(v).toMatchObject({ status: 200, body: { valid: true, tenant: 'edge', owner: 'bob@example.com', permissions: ['intents:read'] } });
    const listed = await api.call('GET', '/api/v1/auth/tokens', { token: BOOTSTRAP });
    expect(JSON.stringify(listed.body)).not.toMatch(/flr_|"hash"|"salt"/);
    expect(api.logs.join('\n')).not.toContain(t);
    expect(api.logs.join('\n')).not.toContain(BOOTSTRAP);
    // 90 days by default
    const days = (Date.parse(v.body.expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
  });

  it('answers missing, invalid, revoked and expired tokens with their codes', async () => {
    expect((await api.call('GET', '/api/v1/intents')).body).toMatchObject({ status: 401, error_code: 'AUTHENTICATION_FAILED' });
    expect((await api.call('GET', '/api/v1/intents', { token: 'flr_0123456789abcdef_' + 'x'.repeat(43) })).body.error_code).toBe('INVALID_TOKEN');
    expect((await api.call('GET', '/api/v1/intents', { token: 'nonsense' })).body.error_code).toBe('INVALID_TOKEN');
    const t = await api.token('edge', ['intents:read', 'tokens:manage']);
    const id = t.split('_')[1]!;
    // a forged secret with a real id
    expect((await api.call('GET', '/api/v1/intents', { token: `flr_${id}_${'A'.repeat(43)}` })).body.error_code).toBe('INVALID_TOKEN');
    const del = await api.call('DELETE', `/api/v1/auth/tokens/${id}`, { token: t });
    expect(del.status).toBe(200);
    expect(del.body.revoked_at).toEqual(expect.any(String));
    expect((await api.call('GET', '/api/v1/intents', { token: t })).body).toMatchObject({ status: 401, error_code: 'TOKEN_REVOKED' });
    const short = await api.token('edge', ['intents:read'], { expires_in_days: 0.5 / 86_400 });
    const expired = await until('token expiry', async () => {
      const r = await api.call('GET', '/api/v1/auth/verify', { token: short });
      return r.status === 401 ? r : undefined;
    });
    expect(expired.body).toMatchObject({ status: 401, error_code: 'TOKEN_EXPIRED' });
  });

  it('a tenant token manages only its own tenant and grants only what it holds', async () => {
    const mgr = await api.token('edge', ['intents:read', 'tokens:manage']);
    const other = await api.call('POST', '/api/v1/auth/tokens', { token: mgr, body: { tenant: 'research' } });
    expect(other.body).toMatchObject({ status: 403, error_code: 'INSUFFICIENT_PERMISSIONS' });
    const more = await api.call('POST', '/api/v1/auth/tokens', { token: mgr, body: { permissions: ['intents:write'] } });
    expect(more.body.error_code).toBe('INSUFFICIENT_PERMISSIONS');
    const admin = await api.call('POST', '/api/v1/auth/tokens', { token: mgr, body: { permissions: ['admin:*'] } });
    expect(admin.body.error_code).toBe('INSUFFICIENT_PERMISSIONS');
    const ok = await api.call('POST', '/api/v1/auth/tokens', { token: mgr, body: { permissions: ['intents:read'] } });
    expect(ok.status).toBe(201);
    const list = await api.call('GET', '/api/v1/auth/tokens', { token: mgr });
    expect(list.body.tokens.every((x: { tenant: string }) => x.tenant === 'edge')).toBe(true);
    const foreign = await api.token('research', ['intents:read']);
    expect((await api.call('DELETE', `/api/v1/auth/tokens/${foreign.split('_')[1]}`, { token: mgr })).status).toBe(404);
    const notOwner = await api.call('POST', '/api/v1/auth/tokens', { token: BOOTSTRAP, body: { tenant: 'edge', owner: 'mallory@example.com' } });
    expect(notOwner.body).toMatchObject({ status: 400, error_code: 'INVALID_FORMAT', errors: [{ path: 'owner' }] });
  });
});

describe('permissions and tenant isolation', () => {
  it('enforces each permission on its route', async () => {
    const read = await api.token('edge', ['intents:read']);
    const none = await api.token('edge', ['resources:read']);
    const cases: Array<[string, string, string, unknown?]> = [
      [read, 'POST', '/api/v1/intents', intent('perm-x')],
      [read, 'DELETE', '/api/v1/intents/edge-iot-edge-inference'],
      [read, 'GET', '/api/v1/resources'],
      [read, 'GET', '/api/v1/auth/tokens'],
      [read, 'POST', '/api/v1/auth/tokens', {}],
      [none, 'GET', '/api/v1/intents'],
      [none, 'GET', '/api/v1/intents/edge-iot-edge-inference'],
    ];
    const before = await remoteHead();
    for (const [token, method, p, body] of cases) {
      const r = await api.call(method, p, { token, ...(body !== undefined ? { body } : {}) });
      expect(r.body, `${method} ${p}`).toMatchObject({ status: 403, error_code: 'INSUFFICIENT_PERMISSIONS', suggestions: [] });
    }
    expect((await api.call('GET', '/api/v1/resources', { token: none })).status).toBe(200);
    expect((await api.call('GET', '/api/v1/intents', { token: read })).status).toBe(200);
    expect(await remoteHead()).toBe(before);
  });

  it("a token of tenant A can neither list, read nor delete tenant B's intents", async () => {
    const a = await api.token('edge');
    const list = await api.call('GET', '/api/v1/intents', { token: a });
    expect(list.body.intents.length).toBeGreaterThan(0);
    expect(list.body.intents.every((i: { tenant: string }) => i.tenant === 'edge')).toBe(true);
    expect((await api.call('GET', '/api/v1/intents?tenant=research', { token: a })).body.error_code).toBe('INSUFFICIENT_PERMISSIONS');
    const before = await remoteHead();
    expect((await api.call('GET', '/api/v1/intents/research-nightly--eval', { token: a })).status).toBe(404);
    expect((await api.call('DELETE', '/api/v1/intents/research-nightly--eval', { token: a })).status).toBe(404);
    expect(await remoteHead()).toBe(before);
    expect(await world.read('intents/research/nightly-eval.yaml')).toBeDefined();
    // Admin: all tenants, or one.
    const all = await api.call('GET', '/api/v1/intents', { token: BOOTSTRAP });
    expect(new Set(all.body.intents.map((i: { tenant: string }) => i.tenant)).size).toBeGreaterThan(2);
    const one = await api.call('GET', '/api/v1/intents?tenant=research', { token: BOOTSTRAP });
    expect(one.body.intents.every((i: { tenant: string }) => i.tenant === 'research')).toBe(true);
  });
});

describe('POST and DELETE /api/v1/intents', () => {
  it('commits the intent in envelope form with the owner as author and a token trailer; DELETE commits the removal', async () => {
    const t = await api.token('ml-platform');
    const r = await api.call('POST', '/api/v1/intents', { token: t, body: intent('api-svc') });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ intent_id: 'ml-platform-api--svc', status: 'pending', estimated_cost: expect.stringMatching(/EUR\/hour$/) });
    expect(r.headers.location).toBe('/api/v1/intents/ml-platform-api--svc');
    const text = await world.read('intents/ml-platform/api-svc.yaml');
    expect(text).toMatch(/apiVersion: flare.fluidos.eu\/v1alpha1\nkind: Intent\nmetadata:\n {2}name: api-svc\nspec:\n/);
    const log = (await runGit(['log', '-1', '--format=%an <%ae>%n%B', 'main'], { cwd: bare() })).stdout;
    expect(log).toContain('alice@example.com <alice@example.com>');
    expect(log).toContain(`Flare-Api-Token: ${t.split('_')[1]}`);
    expect(log).not.toContain(t.slice(21));
    const g = await api.call('GET', '/api/v1/intents/ml-platform-api--svc', { token: t });
    expect(g.body).toMatchObject({ intent_id: 'ml-platform-api--svc', phase: 'Pending', endpoint: expect.stringContaining(':8080') });
    const again = await api.call('POST', '/api/v1/intents', { token: t, body: intent('api-svc') });
    expect(again.body).toMatchObject({ status: 409, error_code: 'INTENT_EXISTS' });
    const d = await api.call('DELETE', '/api/v1/intents/ml-platform-api--svc', { token: t });
    expect(d).toMatchObject({ status: 202, body: { status: 'deleting' } });
    expect(await world.read('intents/ml-platform/api-svc.yaml')).toBeUndefined();
    expect((await api.call('GET', '/api/v1/intents/ml-platform-api--svc', { token: t })).status).toBe(404);
  });

  it('accepts the envelope shape too (labels kept) and the one-call shape', async () => {
    const t = await api.token('research');
    const env = {
      apiVersion: 'flare.fluidos.eu/v1alpha1',
      kind: 'Intent',
      metadata: { name: 'env-shape', labels: { team: 'nlp' } },
      spec: { objective: 'Cost_Minimization', requirements: { gpu: { model: 'nvidia-t4', count: 1 } }, constraints: { location: 'EU' } },
    };
    const r = await api.call('POST', '/api/v1/intents', { token: t, body: env });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const text = await world.read('intents/research/env-shape.yaml');
    expect(text).toContain('labels:\n    team: nlp');
    const one = { name: 'one-call-shape', objective: 'Cost_Minimization', requirements: { gpu: { model: 'nvidia-t4', count: 1 } }, constraints: { location: 'EU' } };
    const o = await api.call('POST', '/api/v1/intents', { token: t, body: one });
    expect(o.status, JSON.stringify(o.body)).toBe(201);
    expect(await world.read('intents/research/one-call-shape.yaml')).toMatch(/metadata:\n {2}name: one-call-shape\nspec:\n {2}objective: Cost_Minimization/);
  });

  it('rejects bad requests with the right codes and field paths, committing nothing', async () => {
    const t = await api.token('ml-platform');
    const before = await remoteHead();
    const post = (o: { body?: unknown; raw?: string; headers?: Record<string, string> }) => api.call('POST', '/api/v1/intents', { token: t, ...o });

    expect((await post({ raw: '{"intent": {' })).body).toMatchObject({ status: 400, error_code: 'INVALID_FORMAT', message: expect.stringMatching(/^malformed JSON/) });
    expect((await post({ raw: '[1,2]' })).body.error_code).toBe('INVALID_FORMAT');
    expect((await post({ raw: 'x'.repeat(300 * 1024) })).body).toMatchObject({ status: 413, error_code: 'PAYLOAD_TOO_LARGE' });
    expect((await post({ raw: '{}', headers: { 'content-type': 'text/plain' } })).body).toMatchObject({ status: 415, error_code: 'UNSUPPORTED_MEDIA_TYPE' });

    const typo = intent('typo-x');
    (typo.intent.workload as Record<string, unknown>).imagee = 'x';
    const u = await post({ body: typo });
    expect(u.body).toMatchObject({ status: 400, error_code: 'INVALID_FORMAT' });
    expect(u.body.errors).toContainEqual(expect.objectContaining({ path: 'workload.imagee', code: 'unknown-field', hint: expect.stringContaining('image') }));
    expect(u.body.suggestions[0].alternative).toContain('image');

    const missing = intent('missing-x');
    delete (missing.intent as Record<string, unknown>).objective;
    expect((await post({ body: missing })).body).toMatchObject({ status: 400, error_code: 'MISSING_REQUIRED_FIELD', errors: [{ path: 'objective', code: 'missing-field' }] });

    const usd = await post({ body: intent('usd-x', { max: '5 USD' }) });
    expect(usd.body).toMatchObject({ status: 400, error_code: 'INVALID_FORMAT', errors: [{ path: 'constraints.max_hourly_cost', code: 'currency-mismatch' }] });

    // ml-platform's quota is 12 GPUs and its intents already hold most of them.
    const quota = await post({ body: intent('quota-x', { model: 'nvidia-a100', count: 8, max: '45 EUR' }) });
    expect(quota.body).toMatchObject({ status: 429, error_code: 'QUOTA_EXCEEDED' });
    expect(quota.body.suggestions[0]).toEqual(expect.objectContaining({ alternative: expect.any(String), cost_difference: expect.any(String), performance_impact: expect.any(String) }));

    const model = await post({ body: intent('b200-x', { model: 'nvidia-b200' }) });
    expect(model.body).toMatchObject({ status: 409, error_code: 'GPU_MODEL_UNAVAILABLE' });
    expect(model.body.suggestions.length).toBeGreaterThan(0);
    const cheap = await post({ body: intent('cheap-x', { model: 'nvidia-h100', max: '0.5 EUR' }) });
    expect(cheap.body).toMatchObject({ status: 402, error_code: 'COST_LIMIT_EXCEEDED' });
    expect(cheap.body.suggestions).toContainEqual(expect.objectContaining({ change: expect.objectContaining({ path: 'constraints.max_hourly_cost' }) }));

    for (const r of [u, usd, quota, model, cheap]) expect(JSON.stringify(r.body)).not.toMatch(/\/tmp\/|at .*\.ts:\d+|node_modules/);
    expect(await remoteHead()).toBe(before);
  });
});

describe('operations', () => {
  it('serves /healthz, /metrics, 404 and 405; access log lines are JSON without token values', async () => {
    expect((await api.call('GET', '/healthz')).body.status).toBe('ok');
    const m = await api.call('GET', '/metrics');
    expect(m.body).toMatch(/flare_api_requests_total\{method="POST",route="\/api\/v1\/intents",status="201"\} \d+/);
    expect((await api.call('GET', '/api/v1/nope')).body).toMatchObject({ status: 404, error_code: 'NOT_FOUND' });
    const r = await api.call('PUT', '/api/v1/intents', { token: BOOTSTRAP });
    expect(r.body).toMatchObject({ status: 405, error_code: 'METHOD_NOT_ALLOWED' });
    expect(r.headers.allow).toBe('POST, GET');
    for (const line of api.logs) {
      const o = JSON.parse(line) as Record<string, unknown>;
      expect(o).toHaveProperty('level');
    }
    expect(api.logs.join('\n')).not.toMatch(/flr_[0-9a-f]{16}_/);
  });
});
