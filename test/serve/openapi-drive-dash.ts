import type { Api } from './helpers.js';

type Res = Awaited<ReturnType<Api['call']>>;

/** A GET, then the same GET with If-None-Match naming the ETag of the first answer. */
export async function revalidate(api: Api, p: string, token: string): Promise<Res> {
  const first = await api.call('GET', p, { token });
  const etag = first.headers.etag;
  if (typeof etag !== 'string') throw new Error(`${p}: no ETag on ${first.status}`);
  return api.call('GET', p, { token, headers: { 'if-none-match': etag } });
}

/**
 * The calls that make the dashboard's routes (and the 304 of every authenticated GET) answer each
 * documented status code; spread into the table of openapi.test.ts.
 */
export function dashboardDrive(o: {
  api: Api;
  tight: Api;
  admin: string;
  /** A token of tenant research with the default permissions. */
  edge: string;
  /** A token with resources:read only. */
  weak: string;
  limited: (method: string, p: string) => Promise<Res>;
}): Record<string, () => Promise<Res>> {
  const { api, tight, admin, edge, weak, limited } = o;
  const mine = '/api/v1/intents/research-nightly--eval';
  const theirs = '/api/v1/intents/edge-iot-edge-inference';
  const out: Record<string, () => Promise<Res>> = {};
  for (const view of ['describe', 'history', 'plan'] as const) {
    const p = `/api/v1/intents/{id}/${view}`;
    out[`GET ${p} 200`] = () => api.call('GET', `${mine}/${view}`, { token: edge });
    out[`GET ${p} 304`] = () => revalidate(api, `${mine}/${view}`, edge);
    out[`GET ${p} 401`] = () => api.call('GET', `${mine}/${view}`);
    out[`GET ${p} 403`] = () => api.call('GET', `${mine}/${view}`, { token: weak });
    out[`GET ${p} 404`] = () => api.call('GET', `${theirs}/${view}`, { token: edge });
    out[`GET ${p} 429`] = () => limited('GET', `${mine}/${view}`);
  }
  out['GET /api/v1/intents/{id}/plan 503'] = async () =>
    tight.call('GET', `${mine}/plan`, { token: (await tight.tokens.create({ tenant: 'research', owner: 'x', permissions: ['intents:read'], expiresInDays: 1, createdBy: 't' })).token });
  out['GET /api/v1/cost 200'] = () => api.call('GET', '/api/v1/cost', { token: edge });
  out['GET /api/v1/cost 304'] = () => revalidate(api, '/api/v1/cost', edge);
  out['GET /api/v1/cost 401'] = () => api.call('GET', '/api/v1/cost');
  out['GET /api/v1/cost 403'] = () => api.call('GET', '/api/v1/cost?tenant=edge', { token: edge });
  out['GET /api/v1/cost 429'] = () => limited('GET', '/api/v1/cost');
  out['GET /api/v1/intents 304'] = () => revalidate(api, '/api/v1/intents', edge);
  out['GET /api/v1/intents/{id} 304'] = () => revalidate(api, mine, edge);
  out['GET /api/v1/resources 304'] = () => revalidate(api, '/api/v1/resources?model=t4', edge);
  out['GET /api/v1/auth/tokens 304'] = () => revalidate(api, '/api/v1/auth/tokens?tenant=edge', admin);
  out['GET /api/v1/auth/verify 304'] = () => revalidate(api, '/api/v1/auth/verify', weak);
  return out;
}
