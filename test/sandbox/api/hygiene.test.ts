import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'node:https';
import { SANDBOX_CERT } from '../../../src/sandbox/api/tls.js';
import { parse } from 'yaml';
import { startApiServer, type ApiServer } from '../../../src/sandbox/api/server.js';
import { renderKubeconfig } from '../../../src/sandbox/api/kubeconfig.js';

let srv: ApiServer;
beforeEach(async () => {
  srv = await startApiServer();
});
afterEach(async () => {
  await srv.close();
});

/** A raw request (node:http, so Host can be anything a browser or a rebinding DNS would send). */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<number> {
  const u = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers, ca: SANDBOX_CERT, servername: 'localhost' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const cmPath = '/api/v1/namespaces/default/configmaps';
const cm = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } });

describe('sandbox API server hygiene', () => {
  it('a cross-origin text/plain POST (what a web page can send) creates nothing', async () => {
    const host = new URL(srv.url).host;
    expect(await raw('POST', cmPath, { 'Content-Type': 'text/plain', Host: host, Origin: 'http://evil.example' }, cm('a'))).toBe(401);
    // even with the token, text/plain is not a Kubernetes body
    expect(await raw('POST', cmPath, { 'Content-Type': 'text/plain', Host: host, Authorization: `Bearer ${srv.token}` }, cm('b'))).toBe(415);
    expect(await raw('POST', cmPath, { 'Content-Type': 'application/x-www-form-urlencoded', Host: host, Authorization: `Bearer ${srv.token}` }, cm('c'))).toBe(415);
    expect(srv.store.peekList('v1', 'ConfigMap', { namespace: 'default' }).items).toEqual([]);
  });

  it('a request for another Host (DNS rebinding) is refused', async () => {
    expect(await raw('POST', cmPath, { 'Content-Type': 'application/json', Host: 'evil.example:80', Authorization: `Bearer ${srv.token}` }, cm('d'))).toBe(403);
    expect(await raw('GET', cmPath, { Host: `attacker.example:${srv.port}`, Authorization: `Bearer ${srv.token}` })).toBe(403);
    expect(srv.store.peekList('v1', 'ConfigMap', { namespace: 'default' }).items).toEqual([]);
  });

  it('the bearer token is required for the API; health and version stay open', async () => {
    const host = new URL(srv.url).host;
    expect(await raw('GET', cmPath, { Host: host })).toBe(401);
    expect(await raw('GET', cmPath, { Host: host, Authorization: 'Bearer wrong' })).toBe(401);
    expect(await raw('GET', '/apis', { Host: host })).toBe(401);
    expect(await raw('GET', '/healthz', { Host: host })).toBe(200);
    expect(await raw('GET', '/version', { Host: host })).toBe(200);
    for (const [i, h] of [host, `localhost:${srv.port}`].entries()) {
      expect(await raw('POST', cmPath, { 'Content-Type': 'application/json', Host: h, Authorization: `Bearer ${srv.token}` }, cm(`ok-${i}`))).toBe(201);
    }
    expect(await raw('GET', cmPath, { Host: host, Authorization: `Bearer ${srv.token}` })).toBe(200);
  });

  it('the token is random per server and written into the kubeconfig', async () => {
    const other = await startApiServer();
    try {
      expect(srv.token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
      expect(other.token).not.toBe(srv.token);
    } finally {
      await other.close();
    }
    const kc = parse(renderKubeconfig(srv.url, { token: srv.token }));
    expect(kc.users[0].user).toEqual({ token: srv.token });
    // https with the sandbox certificate pinned: kubectl sends a bearer token only over TLS
    expect(srv.url).toMatch(/^https:/);
    expect(Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(SANDBOX_CERT);
  });
});
