import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { SANDBOX_CERT, SANDBOX_KEY } from './tls.js';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { guardRequest, ownHosts } from './guard.js';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../../k8s/object.js';
import {
  AGGREGATED_DISCOVERY,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  openApiDocument,
  openApiIndex,
  VERSION_INFO,
} from './discovery.js';
import { ApiError } from './errors.js';
import { FaultInjector, type Faults } from './faults.js';
import type { KindInfo } from './kinds.js';
import { ObjectStore, type HistoryEvent, type StoreEventType } from './store.js';
import { toTable, wantsTable } from './table.js';
import { readLimited } from '../../util/read-limited.js';

export interface ApiServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  store?: ObjectStore;
  /** Largest request body accepted (default 8 MiB). */
  maxBodyBytes?: number;
  /** Bearer token every API request must carry (default: a random one; see ApiServer.token). */
  token?: string;
}

type RequestVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'apply' | 'delete' | 'deletecollection';

export interface ApiServerStats {
  /** Resource requests by verb (reads included). */
  requests: Record<RequestVerb, number>;
  /** Write requests (create, update, patch, apply, delete, deletecollection). */
  writes: number;
  /** Write requests by kind then verb. */
  writesByKind: Record<string, Partial<Record<RequestVerb, number>>>;
  /** Faults injected so far. */
  faults: { error: number; throttle: number; slow: number; dropWatch: number };
  /** Open watch streams. */
  watches: number;
  /** Watches answered with an ERROR event (410 Expired, bad selector). */
  watchErrors: number;
}

export interface ApiServer {
  url: string;
  port: number;
  /** The bearer token clients must send; writeKubeconfig puts it in the kubeconfig. */
  token: string;
  store: ObjectStore;
  server: Server;
  setFaults(f: Faults): void;
  stats(): ApiServerStats;
  resetStats(): void;
  /** Ends every open watch stream (as an API server restart would); returns how many. */
  dropWatches(): number;
  close(): Promise<void>;
}

const WRITE_VERBS = new Set<RequestVerb>(['create', 'update', 'patch', 'apply', 'delete', 'deletecollection']);

function emptyRequests(): Record<RequestVerb, number> {
  return { get: 0, list: 0, watch: 0, create: 0, update: 0, patch: 0, apply: 0, delete: 0, deletecollection: 0 };
}

interface ResourcePath {
  info: KindInfo;
  namespace: string | undefined;
  name: string | undefined;
  subresource: 'status' | undefined;
}

/**
 * Starts the sandbox Kubernetes API server over `store` (a fresh one by default) on
 * https://127.0.0.1:<port> (bearer token required, see guard.ts). Enough of the REST API for @kubernetes/client-node and real kubectl
 * (get, get -w, apply --server-side, delete): discovery, OpenAPI v3, CRUD, patch (merge, JSON,
 * server-side apply), status subresource, watch, Table output.
 */
export async function startApiServer(opts: ApiServerOptions = {}): Promise<ApiServer> {
  const store = opts.store ?? new ObjectStore();
  const host = opts.host ?? '127.0.0.1';
  const maxBody = opts.maxBodyBytes ?? 8 * 1024 * 1024;
  const faults = new FaultInjector();
  let counters = { requests: emptyRequests(), writes: 0, writesByKind: {} as ApiServerStats['writesByKind'], watchErrors: 0 };
  const openWatches = new Set<() => void>();
  let address = '';
  // a credential, not a simulated fact: never from the seeded randomness (anyone could replay the seed)
  const token = opts.token ?? randomBytes(32).toString('base64url');
  let hosts = new Set<string>();

  const count = (verb: RequestVerb, kind: string): void => {
    counters.requests[verb] += 1;
    if (!WRITE_VERBS.has(verb)) return;
    counters.writes += 1;
    const k = (counters.writesByKind[kind] ??= {});
    k[verb] = (k[verb] ?? 0) + 1;
  };

  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer({ key: SANDBOX_KEY, cert: SANDBOX_CERT }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', `internal error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) sendJson(res, e.code, e.toStatus());
      else res.end();
    });
  });
  server.keepAliveTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const accept = req.headers.accept;
    guardRequest(method, path, req.headers, hosts, token);

    // Non-resource endpoints.
    if (method === 'GET') {
      if (path === '/version') return sendJson(res, 200, VERSION_INFO);
      if (path === '/healthz' || path === '/readyz' || path === '/livez') return sendText(res, 200, 'ok');
      if (path === '/api') {
        if (accept?.includes(AGGREGATED_DISCOVERY)) return sendJson(res, 200, aggregatedDiscovery(store.kinds, true), AGGREGATED_DISCOVERY);
        return sendJson(res, 200, apiVersions(address));
      }
      if (path === '/apis') {
        if (accept?.includes(AGGREGATED_DISCOVERY)) return sendJson(res, 200, aggregatedDiscovery(store.kinds, false), AGGREGATED_DISCOVERY);
        return sendJson(res, 200, apiGroupList(store.kinds));
      }
      if (path === '/openapi/v3') return sendJson(res, 200, openApiIndex(store.kinds));
      const oa = /^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
      if (oa) {
        const doc = oa[1] ? openApiDocument(store.kinds, '', oa[1]) : openApiDocument(store.kinds, oa[2]!, oa[3]!);
        if (doc) return sendJson(res, 200, doc);
        throw new ApiError(404, 'NotFound', `no OpenAPI document for ${path}`);
      }
      if (path === '/api/v1') return sendJson(res, 200, apiResourceList(store.kinds, '', 'v1'));
      const g = /^\/apis\/([^/]+)$/.exec(path);
      if (g) {
        const grp = apiGroup(store.kinds, g[1]!);
        if (grp) return sendJson(res, 200, grp);
        throw new ApiError(404, 'NotFound', `the server could not find the requested resource`);
      }
      const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
      if (gv) {
        const list = apiResourceList(store.kinds, gv[1]!, gv[2]!);
        if (list) return sendJson(res, 200, list);
        throw new ApiError(404, 'NotFound', `the server could not find the requested resource`);
      }
    }

    const rp = resolve(path);
    if (!rp) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const q = url.searchParams;
    const verb = verbOf(method, rp, q, req.headers['content-type']);
    count(verb, rp.info.kind);

    const decision = faults.decide(rp.info.kind);
    if (decision.kind === 'throttle') {
      res.setHeader('Retry-After', String(decision.retryAfter));
      throw new ApiError(429, 'TooManyRequests', 'the server has received too many requests and has asked us to try again later (injected)', {
        retryAfterSeconds: decision.retryAfter,
      });
    }
    if (decision.kind === 'error') throw new ApiError(500, 'InternalError', 'an error on the server has prevented the request from succeeding (injected)');
    if (decision.kind === 'slow') await new Promise((r) => setTimeout(r, decision.ms));

    const { info } = rp;
    const ref = { apiVersion: info.apiVersion, kind: info.kind, name: rp.name ?? '', namespace: rp.namespace };
    const table = wantsTable(accept);
    const listOpts = {
      ...(rp.namespace ? { namespace: rp.namespace } : {}),
      ...(q.get('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}),
      ...(q.get('fieldSelector') ? { fieldSelector: q.get('fieldSelector')! } : {}),
    };
    if (q.get('dryRun')) throw new ApiError(400, 'BadRequest', 'dryRun is not supported by the sandbox API server');

    switch (verb) {
      case 'get': {
        const o = store.peek(ref);
        if (!o) throw new ApiError(404, 'NotFound', `${qualified(info)} "${rp.name}" not found`, { name: rp.name!, group: info.group, kind: info.plural });
        if (table) return sendJson(res, 200, toTable(info, [o], o.metadata.resourceVersion ?? '', store.clock()));
        return sendJson(res, 200, o);
      }
      case 'list': {
        const l = store.peekList(info.apiVersion, info.kind, listOpts);
        if (table) return sendJson(res, 200, toTable(info, l.items, l.resourceVersion, store.clock()));
        return sendList(res, info, l.items, l.resourceVersion);
      }
      case 'watch':
        return watch(res, req, info, listOpts, q, table, rp.name);
      case 'create': {
        const body = withIdentity(await readObject(req, maxBody), rp);
        const o = store.createRaw(body, { fieldManager: fieldManagerOf(q, req) });
        return sendJson(res, 201, o);
      }
      case 'update': {
        const body = withIdentity(await readObject(req, maxBody), rp);
        const o = store.updateRaw(body, { fieldManager: fieldManagerOf(q, req), ...(rp.subresource ? { subresource: rp.subresource } : {}) });
        return sendJson(res, 200, o);
      }
      case 'apply': {
        const body = withIdentity(await readObject(req, maxBody), rp);
        const fm = q.get('fieldManager');
        if (!fm) throw new ApiError(400, 'BadRequest', 'PATCH, application/apply-patch+yaml requires fieldManager to be set');
        const force = q.get('force') === 'true';
        const existed = store.peek(ref) !== undefined;
        const o = store.applyRaw(body, { fieldManager: fm, force, ...(rp.subresource ? { subresource: rp.subresource } : {}) });
        return sendJson(res, existed ? 200 : 201, o);
      }
      case 'patch': {
        const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
        const text = await readBody(req, maxBody);
        let patch: unknown;
        try {
          patch = JSON.parse(text);
        } catch {
          throw new ApiError(400, 'BadRequest', 'the patch body is not valid JSON');
        }
        let type: 'merge' | 'json' | 'strategic';
        if (ct === 'application/merge-patch+json') type = 'merge';
        else if (ct === 'application/json-patch+json') type = 'json';
        else if (ct === 'application/strategic-merge-patch+json') {
          if (info.custom) {
            throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
          }
          type = 'strategic';
        } else throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format: ${ct}`);
        const o = store.patchRaw(ref, patch, type, { fieldManager: fieldManagerOf(q, req), ...(rp.subresource ? { subresource: rp.subresource } : {}) });
        return sendJson(res, 200, o);
      }
      case 'delete': {
        const text = await readBody(req, maxBody);
        let body: Record<string, unknown> = {};
        if (text.trim()) {
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            throw new ApiError(400, 'BadRequest', 'the delete options body is not valid JSON');
          }
        }
        const policy = (q.get('propagationPolicy') ?? body.propagationPolicy) as 'Background' | 'Foreground' | 'Orphan' | undefined;
        const pre = body.preconditions as { resourceVersion?: string } | undefined;
        const o = store.deleteRaw(ref, { ...(policy ? { propagationPolicy: policy } : {}), ...(pre?.resourceVersion ? { resourceVersion: pre.resourceVersion } : {}) });
        return sendJson(res, 200, o);
      }
      case 'deletecollection': {
        const l = store.peekList(info.apiVersion, info.kind, listOpts);
        const gone: KubeObject[] = [];
        for (const o of l.items) {
          if (!store.peek({ apiVersion: info.apiVersion, kind: info.kind, name: o.metadata.name, namespace: o.metadata.namespace })) continue;
          gone.push(store.deleteRaw({ apiVersion: info.apiVersion, kind: info.kind, name: o.metadata.name, namespace: o.metadata.namespace }));
        }
        return sendList(res, info, gone, String(store.resourceVersion));
      }
    }
  }

  function watch(
    res: ServerResponse,
    req: IncomingMessage,
    info: KindInfo,
    listOpts: { namespace?: string; labelSelector?: string; fieldSelector?: string },
    q: URLSearchParams,
    table: boolean,
    name: string | undefined,
  ): void {
    const fieldSelector = name ? [listOpts.fieldSelector, `metadata.name=${name}`].filter(Boolean).join(',') : listOpts.fieldSelector;
    const rv = q.get('resourceVersion') ?? undefined;
    // Validate before committing to a 200 stream.
    const opts = { ...listOpts, ...(fieldSelector ? { fieldSelector } : {}), ...(rv !== undefined ? { resourceVersion: rv } : {}) };
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    let ended = false;
    let stop: () => void = () => {};
    const finish = (): void => {
      if (ended) return;
      ended = true;
      stop();
      openWatches.delete(finish);
      clearTimeout(timer);
      res.end();
    };
    const send = (type: StoreEventType, object: KubeObject, ev?: HistoryEvent): void => {
      if (ended) return;
      if (type !== 'ERROR' && faults.dropWatch(info.kind)) return finish();
      let objJson: string;
      if (type === 'ERROR') {
        counters.watchErrors += 1;
        objJson = JSON.stringify(object);
      }
      else if (table) objJson = JSON.stringify(toTable(info, [object], object.metadata.resourceVersion ?? '', store.clock()));
      else if (ev && ev.object === object) objJson = ev.json ??= JSON.stringify(object);
      else objJson = JSON.stringify(object);
      res.write(`{"type":"${type}","object":${objJson}}\n`);
      if (type === 'ERROR') finish();
    };
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? '0');
    const timer = timeoutSeconds > 0 ? setTimeout(finish, timeoutSeconds * 1000) : undefined;
    timer?.unref();
    res.on('close', finish);
    req.on('error', finish);
    openWatches.add(finish);
    try {
      stop = store.watchRaw(info.apiVersion, info.kind, opts, send);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', String(err));
      send('ERROR', e.toStatus() as unknown as KubeObject);
      return;
    }
    if (ended) stop();
  }

  function resolve(path: string): ResourcePath | undefined {
    const segs = path.split('/').filter(Boolean).map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 3) {
      group = '';
      version = segs[1]!;
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs.length >= 4) {
      group = segs[1]!;
      version = segs[2]!;
      rest = segs.slice(3);
    } else return undefined;
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && store.kinds.byResource(group, version, rest[2]!)?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const info = store.kinds.byResource(group, version, rest[0]!);
    if (!info) return undefined;
    if (rest.length > 3) return undefined;
    if (rest.length === 3 && rest[2] !== 'status') return undefined;
    if (rest.length === 3 && !info.hasStatus) return undefined;
    if (info.namespaced !== (namespace !== undefined) && rest.length > 1) {
      if (info.namespaced) return undefined;
    }
    return { info, namespace, name: rest[1], subresource: rest.length === 3 ? 'status' : undefined };
  }

  function withIdentity(body: KubeObject, rp: ResourcePath): KubeObject {
    const { info } = rp;
    body.apiVersion ??= info.apiVersion;
    body.kind ??= info.kind;
    if (body.apiVersion !== info.apiVersion || body.kind !== info.kind) {
      throw new ApiError(400, 'BadRequest', `the object's ${body.apiVersion}/${body.kind} does not match the request's ${info.apiVersion}/${info.kind}`);
    }
    if (!body.metadata || typeof body.metadata !== 'object') body.metadata = { name: '' };
    if (info.namespaced) {
      if (body.metadata.namespace && rp.namespace && body.metadata.namespace !== rp.namespace) {
        throw new ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      }
      if (rp.namespace) body.metadata.namespace = rp.namespace;
    }
    if (rp.name) {
      if (body.metadata.name && body.metadata.name !== rp.name) {
        throw new ApiError(400, 'BadRequest', `the name of the object (${body.metadata.name}) does not match the name on the URL (${rp.name})`);
      }
      body.metadata.name = rp.name;
    }
    return body;
  }

  server.on('connection', (socket: import('node:net').Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  address = `${host}:${port}`;
  hosts = ownHosts(host, port);
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    port,
    token,
    store,
    server,
    setFaults: (f) => faults.set(f),
    stats: () => ({
      requests: { ...counters.requests },
      writes: counters.writes,
      writesByKind: JSON.parse(JSON.stringify(counters.writesByKind)) as ApiServerStats['writesByKind'],
      faults: { ...faults.counts },
      watches: openWatches.size,
      watchErrors: counters.watchErrors,
    }),
    resetStats: () => {
      counters = { requests: emptyRequests(), writes: 0, writesByKind: {}, watchErrors: 0 };
    },
    dropWatches: () => {
      const all = [...openWatches];
      for (const f of all) f();
      return all.length;
    },
    close: () =>
      new Promise<void>((done) => {
        for (const f of [...openWatches]) f();
        server.close(() => done());
        server.closeAllConnections();
        // a TLS socket still in its handshake (a client reconnecting right now) is no HTTP
        // connection yet, so closeAllConnections misses it and close() would wait for it forever
        for (const s of sockets) s.destroy();
      }),
  };
}

function verbOf(method: string, rp: ResourcePath, q: URLSearchParams, contentType: string | undefined): RequestVerb {
  switch (method) {
    case 'GET':
      if (q.get('watch') === 'true' || q.get('watch') === '1') return 'watch';
      return rp.name ? 'get' : 'list';
    case 'POST':
      if (rp.name) throw new ApiError(405, 'MethodNotAllowed', 'POST is not allowed on a named resource');
      return 'create';
    case 'PUT':
      if (!rp.name) throw new ApiError(405, 'MethodNotAllowed', 'PUT needs a resource name');
      return 'update';
    case 'PATCH':
      if (!rp.name) throw new ApiError(405, 'MethodNotAllowed', 'PATCH needs a resource name');
      return (contentType ?? '').startsWith('application/apply-patch') ? 'apply' : 'patch';
    case 'DELETE':
      return rp.name ? 'delete' : 'deletecollection';
    default:
      throw new ApiError(405, 'MethodNotAllowed', `method ${method} is not allowed`);
  }
}

function qualified(info: KindInfo): string {
  return info.group ? `${info.plural}.${info.group}` : info.plural;
}

/** Real servers default the manager from the User-Agent's program name. */
function fieldManagerOf(q: URLSearchParams, req: IncomingMessage): string {
  const fm = q.get('fieldManager');
  if (fm) return fm;
  const ua = req.headers['user-agent'];
  return ua ? (ua.split('/')[0] ?? 'unknown').slice(0, 128) : 'unknown';
}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const body = await readLimited(req, max);
  if (body === undefined) {
    req.destroy();
    throw new ApiError(413, 'BadRequest', `request body larger than ${max} bytes`);
  }
  return body.toString('utf8');
}

async function readObject(req: IncomingMessage, max: number): Promise<KubeObject> {
  const text = await readBody(req, max);
  const ct = req.headers['content-type'] ?? '';
  let v: unknown;
  try {
    // JSON is YAML too; clients (client-node, FLARE) mostly send JSON, and JSON.parse is ~100x faster.
    const trimmed = text.trimStart();
    v = ct.includes('yaml') && !trimmed.startsWith('{') ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, 'BadRequest', `the request body could not be decoded: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ApiError(400, 'BadRequest', 'the request body must be an object');
  return v as KubeObject;
}

function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendList(res: ServerResponse, info: KindInfo, items: KubeObject[], resourceVersion: string): void {
  sendJson(res, 200, { apiVersion: info.apiVersion, kind: info.listKind, metadata: { resourceVersion }, items });
}
