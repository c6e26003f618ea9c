import { request } from 'node:https';
import { SANDBOX_CERT } from '../../src/sandbox/api/tls.js';

export interface SandboxResponse {
  status: number;
  headers: Headers;
  text(): Promise<string>;
  json(): Promise<any>;
}

/**
 * fetch() for the sandbox API server: https with the sandbox certificate trusted, and the bearer
 * token when given. Resolves when the headers arrive (watch streams are read with text()).
 */
export function sandboxFetch(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; token?: string } = {}): Promise<SandboxResponse> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token !== undefined) headers.Authorization ??= `Bearer ${init.token}`;
  if (init.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(init.body));
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers, ca: SANDBOX_CERT }, (res) => {
      const chunks: Buffer[] = [];
      const done = new Promise<string>((ok, fail) => {
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
        res.on('error', fail);
      });
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
      resolve({ status: res.statusCode ?? 0, headers: h, text: () => done, json: async () => JSON.parse(await done) });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
