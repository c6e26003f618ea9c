import { writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWorld, type World } from '../reconcile/harness.js';
import { BOOTSTRAP, startApi, type Api } from './helpers.js';
import { dashboardDrive } from './openapi-drive-dash.js';

let world: World;
let api: Api;
/** The same repo served without a cluster and with a tight rate limit (burst 5). */
let tight: Api;

beforeAll(async () => {
  world = await startWorld({ copyRepo: true });
  api = await startApi(world);
  tight = await startApi(world, { withCluster: false, rateLimitPerMinute: 6 });
}, 60_000);
afterAll(async () => {
  await tight?.close();
  await api?.close();
  await world?.close();
});

type Res = Awaited<ReturnType<Api['call']>>;

it('documents every route and status code the server answers with, and the answers match the schemas', async () => {
  const doc = (await api.call('GET', '/api/v1/openapi.json')).body;
  expect(doc.openapi).toBe('3.1.0');
  const ajv = new Ajv2020({ strict: false });
  (addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema(JSON.parse(JSON.stringify({ components: doc.components }).replaceAll('"#/components', '"api#/components')), 'api');
  const fix = (s: unknown) => JSON.parse(JSON.stringify(s).replaceAll('"#/components', '"api#/components'));

  const admin = BOOTSTRAP;
  const edge = await api.token('research');
  const weak = await api.token('edge', ['resources:read']);
  const revoked = await api.token('edge');
  await api.call('DELETE', `/api/v1/auth/tokens/${revoked.split('_')[1]}`, { token: admin });
  const svc = (name: string, o: { model?: string; max?: string; count?: number } = {}) => ({
    intent: {
      objective: 'Cost_Minimization',
      workload: { type: 'service', name, image: 'nginx:1.27', resources: { gpu: { model: o.model ?? 'nvidia-t4', count: o.count ?? 1 } } },
      constraints: { location: 'EU', max_hourly_cost: o.max ?? '5 EUR' },
    },
  });
  /** Burns the token bucket of a fresh token on the tight server, then makes the call. */
  const limited = async (method: string, p: string, body?: unknown): Promise<Res> => {
    const { token: t } = await tight.tokens.create({
      tenant: 'research',
      owner: 'research',
      permissions: ['intents:read', 'intents:write', 'intents:delete', 'resources:read', 'tokens:manage'],
      expiresInDays: 1,
      createdBy: 'test',
    });
    let last: Res | undefined;
    for (let i = 0; i < 8; i++) {
      last = await tight.call(method, p, { token: t, ...(body !== undefined ? { body } : {}) });
      if (last.status === 429) break;
    }
    return last!;
  };
  const bare = path.join(world.tmp, 'srv', 'flare.git');
  const refusing = async <T>(fn: () => Promise<T>): Promise<T> => {
    const hook = path.join(bare, 'hooks', 'pre-receive');
    await writeFile(hook, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    try {
      return await fn();
    } finally {
      await rm(hook, { force: true });
    }
  };
  await api.call('POST', '/api/v1/intents', { token: edge, body: svc('doomed') });
  await api.call('POST', '/api/v1/intents', { token: edge, body: svc('to-delete') });

  const drive: Record<string, () => Promise<Res>> = {
    'GET /api/v1/openapi.json 200': () => api.call('GET', '/api/v1/openapi.json'),
    'POST /api/v1/intents 201': () => api.call('POST', '/api/v1/intents', { token: edge, body: svc('doc-ok') }),
    'POST /api/v1/intents 400': () => api.call('POST', '/api/v1/intents', { token: edge, raw: '{' }),
    'POST /api/v1/intents 401': () => api.call('POST', '/api/v1/intents', { token: revoked, body: svc('x') }),
    'POST /api/v1/intents 402': () => api.call('POST', '/api/v1/intents', { token: edge, body: svc('cheap', { model: 'nvidia-t4', max: '0.01 EUR' }) }),
    'POST /api/v1/intents 403': () => api.call('POST', '/api/v1/intents', { token: weak, body: svc('x') }),
    'POST /api/v1/intents 404': () => api.call('POST', '/api/v1/intents?tenant=nosuch', { token: admin, body: svc('x') }),
    'POST /api/v1/intents 409': () => api.call('POST', '/api/v1/intents', { token: edge, body: svc('b200', { model: 'nvidia-b200' }) }),
    'POST /api/v1/intents 413': () => api.call('POST', '/api/v1/intents', { token: edge, raw: ' '.repeat(300 * 1024) }),
    'POST /api/v1/intents 415': () => api.call('POST', '/api/v1/intents', { token: edge, raw: '{}', headers: { 'content-type': 'application/yaml' } }),
    'POST /api/v1/intents 429': () => api.call('POST', '/api/v1/intents', { token: edge, body: svc('greedy', { count: 40 }) }),
    'POST /api/v1/intents 503': () => refusing(() => api.call('POST', '/api/v1/intents', { token: edge, body: svc('refused') })),
    'GET /api/v1/intents 200': () => api.call('GET', '/api/v1/intents', { token: edge }),
    'GET /api/v1/intents 401': () => api.call('GET', '/api/v1/intents'),
    'GET /api/v1/intents 403': () => api.call('GET', '/api/v1/intents', { token: weak }),
    'GET /api/v1/intents 429': () => limited('GET', '/api/v1/intents'),
    'GET /api/v1/intents/{id} 200': () => api.call('GET', '/api/v1/intents/research-nightly--eval', { token: edge }),
    'GET /api/v1/intents/{id} 401': () => api.call('GET', '/api/v1/intents/research-nightly--eval', { token: 'bad' }),
    'GET /api/v1/intents/{id} 403': () => api.call('GET', '/api/v1/intents/research-nightly--eval', { token: weak }),
    'GET /api/v1/intents/{id} 404': () => api.call('GET', '/api/v1/intents/edge-iot-edge-inference', { token: edge }),
    'GET /api/v1/intents/{id} 429': () => limited('GET', '/api/v1/intents/research-nightly--eval'),
    'DELETE /api/v1/intents/{id} 202': () => api.call('DELETE', '/api/v1/intents/research-to--delete', { token: edge }),
    'DELETE /api/v1/intents/{id} 401': () => api.call('DELETE', '/api/v1/intents/research-doomed'),
    'DELETE /api/v1/intents/{id} 403': () => api.call('DELETE', '/api/v1/intents/research-doomed', { token: weak }),
    'DELETE /api/v1/intents/{id} 404': () => api.call('DELETE', '/api/v1/intents/edge-iot-edge-inference', { token: edge }),
    'DELETE /api/v1/intents/{id} 429': () => limited('DELETE', '/api/v1/intents/research-never'),
    'DELETE /api/v1/intents/{id} 503': () => refusing(() => api.call('DELETE', '/api/v1/intents/research-doomed', { token: edge })),
    'GET /api/v1/resources 200': () => api.call('GET', '/api/v1/resources?model=t4&location=EU', { token: edge }),
    'GET /api/v1/resources 401': () => api.call('GET', '/api/v1/resources'),
    'GET /api/v1/resources 403': async () => api.call('GET', '/api/v1/resources', { token: await api.token('edge', ['intents:read']) }),
    'GET /api/v1/resources 429': () => limited('GET', '/api/v1/resources'),
    'GET /api/v1/resources 503': async () => tight.call('GET', '/api/v1/resources', { token: (await tight.tokens.create({ tenant: 'edge', owner: 'x', permissions: ['resources:read'], expiresInDays: 1, createdBy: 't' })).token }),
    'POST /api/v1/auth/tokens 201': () => api.call('POST', '/api/v1/auth/tokens', { token: admin, body: { tenant: 'research' } }),
    'POST /api/v1/auth/tokens 400': () => api.call('POST', '/api/v1/auth/tokens', { token: admin, body: { tenant: 'research', permisions: [] } }),
    'POST /api/v1/auth/tokens 401': () => api.call('POST', '/api/v1/auth/tokens', { body: {} }),
    'POST /api/v1/auth/tokens 403': () => api.call('POST', '/api/v1/auth/tokens', { token: edge, body: {} }),
    'POST /api/v1/auth/tokens 404': () => api.call('POST', '/api/v1/auth/tokens', { token: admin, body: { tenant: 'nosuch' } }),
    'POST /api/v1/auth/tokens 413': () => api.call('POST', '/api/v1/auth/tokens', { token: admin, raw: ' '.repeat(300 * 1024) }),
    'POST /api/v1/auth/tokens 415': () => api.call('POST', '/api/v1/auth/tokens', { token: admin, raw: '{}', headers: { 'content-type': 'text/plain' } }),
    'POST /api/v1/auth/tokens 429': () => limited('POST', '/api/v1/auth/tokens', { permissions: ['intents:read'] }),
    'GET /api/v1/auth/tokens 200': () => api.call('GET', '/api/v1/auth/tokens', { token: admin }),
    'GET /api/v1/auth/tokens 401': () => api.call('GET', '/api/v1/auth/tokens'),
    'GET /api/v1/auth/tokens 403': () => api.call('GET', '/api/v1/auth/tokens', { token: edge }),
    'GET /api/v1/auth/tokens 429': () => limited('GET', '/api/v1/auth/tokens'),
    'DELETE /api/v1/auth/tokens/{id} 200': async () => api.call('DELETE', `/api/v1/auth/tokens/${(await api.token('edge')).split('_')[1]}`, { token: admin }),
    'DELETE /api/v1/auth/tokens/{id} 401': () => api.call('DELETE', '/api/v1/auth/tokens/0123456789abcdef'),
    'DELETE /api/v1/auth/tokens/{id} 403': () => api.call('DELETE', '/api/v1/auth/tokens/0123456789abcdef', { token: edge }),
    'DELETE /api/v1/auth/tokens/{id} 404': () => api.call('DELETE', '/api/v1/auth/tokens/0123456789abcdef', { token: admin }),
    'DELETE /api/v1/auth/tokens/{id} 429': () => limited('DELETE', '/api/v1/auth/tokens/0123456789abcdef'),
    'GET /api/v1/auth/verify 200': () => api.call('GET', '/api/v1/auth/verify', { token: weak }),
    'GET /api/v1/auth/verify 401': () => api.call('GET', '/api/v1/auth/verify', { token: revoked }),
    'GET /api/v1/auth/verify 429': () => limited('GET', '/api/v1/auth/verify'),
    ...dashboardDrive({ api, tight, admin, edge, weak, limited: (m, p) => limited(m, p) }),
  };

  const documented: string[] = [];
  for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)) {
    for (const [method, op] of Object.entries(ops)) for (const code of Object.keys(op.responses)) documented.push(`${method.toUpperCase()} ${p} ${code}`);
  }
  // Exactly the documented set is driven: a code documented but never answered (or answered but
  // not documented) fails here.
  expect(Object.keys(drive).sort()).toEqual(documented.sort());

  for (const [key, run] of Object.entries(drive)) {
    const [method, p, code] = key.split(' ') as [string, string, string];
    const r = await run();
    expect(r.status, `${key}: ${JSON.stringify(r.body).slice(0, 300)}`).toBe(Number(code));
    const op = doc.paths[p][method.toLowerCase()];
    if (!op.responses[code].content) {
      expect(r.body, key).toBe('');
      continue;
    }
    const schema = op.responses[code].content['application/json'].schema;
    const ok = ajv.validate(fix(schema), r.body);
    expect(ok, `${key}: ${ajv.errorsText()}`).toBe(true);
    if (r.status >= 400) {
      expect(r.body.status).toBe(r.status);
      const described = op.responses[code].description as string;
      expect(described, key).toContain(r.body.error_code);
    }
  }
}, 120_000);
