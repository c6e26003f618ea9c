import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from './errors.js';

/**
 * Request hygiene of the sandbox API server, which listens on a developer's loopback: a web page
 * the developer visits can still send it requests (a cross-origin "simple" POST with text/plain,
 * or any request through a rebinding DNS name). So every request must name this server as its
 * Host, every API request must carry the bearer token of the kubeconfig the sandbox wrote, and
 * bodies must be of a Kubernetes media type. Health and version stay open, as on a real cluster.
 */
const OPEN_PATHS = new Set(['/healthz', '/readyz', '/livez', '/version']);

const BODY_TYPES = new Set([
  'application/json',
  'application/yaml',
  'application/apply-patch+yaml',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
]);

/** The Host values this server answers to: its bound address and the loopback names, with the port. */
export function ownHosts(host: string, port: number): Set<string> {
  const names = new Set([host.includes(':') ? `[${host}]` : host, '127.0.0.1', 'localhost', '[::1]']);
  return new Set([...names].map((n) => `${n}:${port}`.toLowerCase()));
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Throws the ApiError (403, 401, 415) a request earns, or returns when it may proceed. */
export function guardRequest(method: string, path: string, headers: IncomingHttpHeaders, hosts: ReadonlySet<string>, token: string): void {
  const host = (headers.host ?? '').toLowerCase();
  if (!hosts.has(host)) throw new ApiError(403, 'Forbidden', `requests for host ${JSON.stringify(headers.host ?? '')} are not served here`);
  if (method === 'GET' && OPEN_PATHS.has(path)) return;
  if (!tokenMatches(headers.authorization, token)) throw new ApiError(401, 'Unauthorized', 'Unauthorized: use the bearer token of the kubeconfig the sandbox wrote');
  const ct = headers['content-type'];
  const type = (ct ?? '').split(';')[0]!.trim().toLowerCase();
  const hasBodyVerb = method === 'POST' || method === 'PUT' || method === 'PATCH';
  if ((hasBodyVerb || ct !== undefined) && !BODY_TYPES.has(type)) {
    throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format: ${JSON.stringify(type)}; accepted media types include: ${[...BODY_TYPES].join(', ')}`);
  }
}
