import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { KubeConfig, KubernetesObjectApi, Watch } from '@kubernetes/client-node';
import { ClusterError, UsageError } from '../errors.js';
import { keyOf, type KubeObject, type ObjectRef } from '../k8s/object.js';
import type { ApplyOptions, Cluster, ListOptions, WatchEvent } from './types.js';

/**
 * The Cluster interface over @kubernetes/client-node 1.4 (a real cluster, or the sandbox API
 * server over HTTP).
 *
 * The library supplies the kubeconfig handling (contexts, TLS, tokens, exec plugins), API
 * discovery (kind → resource path, via KubernetesObjectApi) and the watch stream. The requests
 * themselves go out as plain JSON through the kubeconfig's agent and headers: KubernetesObjectApi
 * (de)serializes core kinds through its typed models, which drops fields those models do not
 * know and turns timestamps into Date objects — lossy for server-side apply, where a dropped
 * field means giving up ownership of it. Patches use the content types the API defines
 * (apply-patch+yaml with fieldManager and force; merge-patch+json), never the library's
 * strategic-merge default.
 */

interface KubeClusterOptions {
  kubeconfigPath?: string;
  context?: string;
  /** An already loaded config (tests, in-cluster callers). */
  kubeConfig?: KubeConfig;
  /** Backoff bounds for watch restarts, ms (default 200 … 5000). */
  watchBackoffMs?: { min: number; max: number };
}

/** Resolves paths with the library's discovery (cached per group-version, refreshed on a miss). */
class PathResolver extends KubernetesObjectApi {
  static of(kc: KubeConfig): PathResolver {
    const r = kc.makeApiClient(PathResolver);
    r.setDefaultNamespace(kc);
    return r;
  }
  path(ref: { apiVersion: string; kind: string; namespace?: string; name?: string }, action: 'read' | 'list'): Promise<string> {
    const metadata: { name?: string; namespace?: string } = {};
    if (ref.name !== undefined) metadata.name = ref.name;
    if (ref.namespace !== undefined) metadata.namespace = ref.namespace;
    return this.specUriPath({ apiVersion: ref.apiVersion, kind: ref.kind, metadata }, action);
  }
}

interface Response {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The files of a kubeconfig path: a KUBECONFIG-style list (`a:b`) unless the whole string names
 * an existing file. kubectl merges the files in order, the first to set a value winning.
 */
function kubeconfigFiles(p: string): string[] {
  if (existsSync(p)) return [p];
  const files = p.split(delimiter).filter((f) => f.trim() !== '');
  return files.length ? files : [p];
}

/** kubectl's merge: the first file to define a name (or the current context) keeps it. */
function mergeFirstWins(into: KubeConfig, more: KubeConfig): void {
  const fresh = <T extends { name: string }>(have: readonly T[], add: readonly T[]): T[] => add.filter((x) => !have.some((h) => h.name === x.name));
  for (const c of fresh(into.clusters, more.clusters)) into.addCluster(c);
  for (const u of fresh(into.users, more.users)) into.addUser(u);
  for (const c of fresh(into.contexts, more.contexts)) into.addContext(c);
  if (!into.getCurrentContext() && more.getCurrentContext()) into.setCurrentContext(more.getCurrentContext());
}

function loadKubeConfig(opts: { kubeconfigPath?: string; context?: string }): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfigPath) {
      const [head, ...rest] = kubeconfigFiles(opts.kubeconfigPath);
      kc.loadFromFile(head!);
      for (const f of rest) {
        const more = new KubeConfig();
        more.loadFromFile(f);
        mergeFirstWins(kc, more);
      }
    } else kc.loadFromDefault();
  } catch (e) {
    throw new ClusterError(`cannot load kubeconfig${opts.kubeconfigPath ? ` ${opts.kubeconfigPath}` : ''}: ${(e as Error).message}`, undefined, 'BadConfig', { cause: e });
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      throw new UsageError(`kubeconfig has no context '${opts.context}' (contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    }
    kc.setCurrentContext(opts.context);
  }
  if (!kc.getCurrentCluster()) throw new ClusterError('kubeconfig has no current cluster', undefined, 'BadConfig');
  return kc;
}

function isRecord(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A ClusterError from an API Status body (or whatever came back). */
function statusError(what: string, res: Response): ClusterError {
  const b = res.body;
  const reason = isRecord(b) && typeof b.reason === 'string' ? b.reason : undefined;
  const message = isRecord(b) && typeof b.message === 'string' ? b.message : typeof b === 'string' && b ? b.slice(0, 500) : `HTTP ${res.status}`;
  return new ClusterError(`${what}: ${message}`, res.status, reason);
}

/** Library errors (discovery, connection) → ClusterError. */
function translate(what: string, e: unknown): ClusterError {
  if (e instanceof ClusterError) return e;
  const err = e as { code?: unknown; body?: unknown; message?: string };
  if (typeof err.code === 'number') {
    let body = err.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        /* keep the text */
      }
    }
    return statusError(what, { status: err.code, body, headers: {} });
  }
  const msg = err?.message ?? String(e);
  if (/Unrecognized API version and kind/.test(msg)) return new ClusterError(`${what}: ${msg}`, 404, 'NotFound', { cause: e });
  return new ClusterError(`${what}: ${msg}`, undefined, 'Unreachable', { cause: e });
}

/** The list's apiVersion/kind are not repeated on items by a real server. */
function withTypeMeta(o: KubeObject, apiVersion: string, kind: string): KubeObject {
  if (o.apiVersion && o.kind) return o;
  return { ...o, apiVersion: o.apiVersion ?? apiVersion, kind: o.kind ?? kind };
}

function query(params: Record<string, string | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What makes two agents of the library interchangeable: where they connect and how they authenticate TLS. */
const AGENT_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername', 'ciphers', 'secureProtocol', 'timeout'] as const;

/**
 * The library builds a new agent (without keep-alive) for every request, so every request paid a
 * TCP connect, and a TLS handshake against a real API server. One keep-alive agent is kept per
 * distinct TLS setup instead; credentials that rotate (exec plugins, client certificates) change
 * the setup and get a fresh agent. Proxy agents are used as the library made them.
 */
function agentReuser(): (fresh: unknown) => HttpAgent | undefined {
  let cached: { key: string; agent: HttpAgent } | undefined;
  return (fresh) => {
    if (!(fresh instanceof HttpAgent)) return fresh as HttpAgent | undefined;
    const ctor = fresh.constructor;
    if (ctor !== HttpAgent && ctor !== HttpsAgent) return fresh;
    const options = ((fresh as unknown as { options?: Record<string, unknown> }).options ?? {}) as Record<string, unknown>;
    const picked: Record<string, unknown> = { https: ctor === HttpsAgent };
    for (const k of AGENT_KEYS) if (options[k] !== undefined) picked[k] = options[k];
    const key = JSON.stringify(picked);
    if (cached?.key === key) return cached.agent;
    cached?.agent.destroy();
    const opts = { ...options, keepAlive: true };
    cached = { key, agent: ctor === HttpsAgent ? new HttpsAgent(opts) : new HttpAgent(opts) };
    return cached.agent;
  };
}

export function createKubeCluster(opts: KubeClusterOptions = {}): Cluster {
  const kc = opts.kubeConfig ?? loadKubeConfig(opts);
  const server = kc.getCurrentCluster()!.server.replace(/\/+$/, '');
  const resolver = PathResolver.of(kc);
  const backoff = opts.watchBackoffMs ?? { min: 200, max: 5000 };
  const reuseAgent = agentReuser();

  async function send(method: string, path: string, body?: unknown, contentType?: string): Promise<Response> {
    const fetchOpts = await kc.applyToFetchOptions({});
    const headers: Record<string, string> = { accept: 'application/json' };
    // node-fetch's Headers (what the library builds) or a plain record.
    const h = fetchOpts.headers as unknown as { forEach?: (cb: (v: string, k: string) => void) => void } | Record<string, string> | undefined;
    if (h && typeof h.forEach === 'function') h.forEach((v, k) => (headers[k.toLowerCase()] = v));
    else if (h) for (const [k, v] of Object.entries(h)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    if (payload) {
      headers['content-type'] = contentType ?? 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const url = new URL(server + path);
    const doRequest = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Response>((resolve, reject) => {
      const req = doRequest(url, { method, headers, agent: reuseAgent(fetchOpts.agent) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            /* not JSON: keep the text for the message */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
        });
      });
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** One request; a 429 is retried (the server did nothing) a few times, honouring Retry-After. */
  async function call(what: string, method: string, path: string, body?: unknown, contentType?: string): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await send(method, path, body, contentType);
      } catch (e) {
        throw translate(what, e);
      }
      if (res.status === 429 && attempt < 3) {
        const after = Number(res.headers['retry-after']);
        await sleep(Math.min(Number.isFinite(after) && after > 0 ? after * 1000 : 500, 5000));
        continue;
      }
      return res;
    }
  }

  async function pathOf(what: string, ref: { apiVersion: string; kind: string; namespace?: string; name?: string }, action: 'read' | 'list'): Promise<string> {
    try {
      return await resolver.path(ref, action);
    } catch (e) {
      throw translate(what, e);
    }
  }

  function expectObject(what: string, res: Response, ok: number[] = [200, 201]): KubeObject {
    if (!ok.includes(res.status) || !isRecord(res.body)) throw statusError(what, res);
    return res.body as KubeObject;
  }

  async function listRaw(apiVersion: string, kind: string, lo: ListOptions): Promise<{ items: KubeObject[]; resourceVersion: string | undefined }> {
    const what = `list ${apiVersion} ${kind}${lo.namespace ? ` in ${lo.namespace}` : ''}`;
    const base = await pathOf(what, { apiVersion, kind, ...(lo.namespace ? { namespace: lo.namespace } : {}) }, 'list');
    const items: KubeObject[] = [];
    let cont: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const res = await call(what, 'GET', base + query({ labelSelector: lo.labelSelector, fieldSelector: lo.fieldSelector, limit: '500', continue: cont }));
      if (res.status !== 200 || !isRecord(res.body)) throw statusError(what, res);
      const list = res.body;
      for (const it of Array.isArray(list.items) ? list.items : []) items.push(withTypeMeta(it as KubeObject, apiVersion, kind));
      resourceVersion = list.metadata?.resourceVersion;
      cont = typeof list.metadata?.continue === 'string' && list.metadata.continue ? list.metadata.continue : undefined;
    } while (cont);
    return { items, resourceVersion };
  }

  const cluster: Cluster = {
    async get(ref: ObjectRef): Promise<KubeObject | undefined> {
      const what = `get ${keyOf(ref)}`;
      const path = await pathOf(what, ref, 'read').catch((e: ClusterError) => {
        // An API group that is not served has no objects either.
        if (e.status === 404) return undefined;
        throw e;
      });
      if (path === undefined) return undefined;
      const res = await call(what, 'GET', path);
      if (res.status === 404) return undefined;
      return withTypeMeta(expectObject(what, res, [200]), ref.apiVersion, ref.kind);
    },

    async list(apiVersion: string, kind: string, lo: ListOptions = {}): Promise<KubeObject[]> {
      return (await listRaw(apiVersion, kind, lo)).items;
    },

    async apply(obj: KubeObject, ao: ApplyOptions): Promise<KubeObject> {
      const what = `apply ${keyOf(obj)}`;
      const path = await pathOf(what, { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}) }, 'read');
      const res = await call(
        what,
        'PATCH',
        path + query({ fieldManager: ao.fieldManager, force: ao.force ?? false }),
        obj,
        'application/apply-patch+yaml',
      );
      return expectObject(what, res);
    },

    async patch(ref: ObjectRef, patch: unknown, po: { subresource?: 'status'; fieldManager?: string } = {}): Promise<KubeObject> {
      const what = `patch ${keyOf(ref)}${po.subresource ? '/status' : ''}`;
      const path = await pathOf(what, ref, 'read');
      const res = await call(
        what,
        'PATCH',
        path + (po.subresource ? `/${po.subresource}` : '') + query({ fieldManager: po.fieldManager }),
        patch,
        'application/merge-patch+json',
      );
      return expectObject(what, res);
    },

    async delete(ref: ObjectRef): Promise<boolean> {
      const what = `delete ${keyOf(ref)}`;
      const path = await pathOf(what, ref, 'read').catch((e: ClusterError) => {
        if (e.status === 404) return undefined;
        throw e;
      });
      if (path === undefined) return false;
      const res = await call(what, 'DELETE', path, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
      if (res.status === 404) return false;
      if (res.status !== 200 && res.status !== 202) throw statusError(what, res);
      return true;
    },

    async watch(apiVersion, kind, lo, onEvent, onError): Promise<() => void> {
      const what = `watch ${apiVersion} ${kind}`;
      const base = await pathOf(what, { apiVersion, kind, ...(lo.namespace ? { namespace: lo.namespace } : {}) }, 'list');
      const w = new Watch(kc);
      // What this watcher has seen (key → resourceVersion), so a re-list after 410 Gone can
      // emit exactly the changes missed instead of replaying everything.
      const known = new Map<string, KubeObject>();
      let stopped = false;
      let controller: AbortController | undefined;
      let timer: NodeJS.Timeout | undefined;
      let rv: string | undefined;
      let delay = backoff.min;

      const report = (e: unknown): void => {
        if (!stopped && onError) onError(e instanceof ClusterError ? e : translate(what, e));
      };
      const emit = (type: WatchEvent['type'], object: KubeObject): void => {
        if (stopped) return;
        try {
          onEvent({ type, object });
        } catch (e) {
          report(e);
        }
      };

      const relist = async (initial: boolean): Promise<void> => {
        const { items, resourceVersion } = await listRaw(apiVersion, kind, lo);
        const seen = new Set<string>();
        for (const o of items) {
          const k = keyOf(o);
          seen.add(k);
          const before = known.get(k);
          known.set(k, o);
          if (!before) emit('ADDED', o);
          else if (before.metadata.resourceVersion !== o.metadata.resourceVersion) emit('MODIFIED', o);
        }
        if (!initial) {
          for (const [k, o] of [...known]) {
            if (!seen.has(k)) {
              known.delete(k);
              emit('DELETED', o);
            }
          }
        }
        rv = resourceVersion;
      };

      let gone = false;
      const schedule = (ms: number): void => {
        if (stopped) return;
        timer = setTimeout(() => void start(), ms);
      };
      const start = async (): Promise<void> => {
        if (stopped) return;
        try {
          if (gone) {
            gone = false;
            await relist(false);
          }
        } catch (e) {
          report(e);
          gone = true;
          delay = Math.min(delay * 2, backoff.max);
          schedule(delay);
          return;
        }
        let gotEvent = false;
        controller = await w.watch(
          base,
          { resourceVersion: rv, allowWatchBookmarks: true, labelSelector: lo.labelSelector, fieldSelector: lo.fieldSelector },
          (type: string, obj: any) => {
            if (stopped) return;
            if (type === 'ERROR') {
              if (isRecord(obj) && obj.code === 410) gone = true;
              else report(new ClusterError(`${what}: ${isRecord(obj) ? obj.message : 'watch error'}`, isRecord(obj) ? obj.code : undefined, isRecord(obj) ? obj.reason : undefined));
              return;
            }
            if (!isRecord(obj) || !isRecord(obj.metadata)) return;
            if (obj.metadata.resourceVersion) rv = obj.metadata.resourceVersion;
            if (type === 'BOOKMARK') return;
            gotEvent = true;
            delay = backoff.min;
            const o = withTypeMeta(obj as KubeObject, apiVersion, kind);
            const k = keyOf(o);
            if (type === 'DELETED') {
              known.delete(k);
              emit('DELETED', o);
            } else if (type === 'ADDED' || type === 'MODIFIED') {
              const before = known.get(k);
              known.set(k, o);
              // A restarted watch may replay what the list already delivered.
              if (before && before.metadata.resourceVersion === o.metadata.resourceVersion) return;
              emit(before ? 'MODIFIED' : 'ADDED', o);
            }
          },
          (err: unknown) => {
            if (stopped) return;
            // Aborts come only from stop(); anything else (server closed the stream, network
            // error, 410) restarts the watch, re-listing when the resourceVersion expired.
            if (err) {
              const status = (err as { statusCode?: number }).statusCode;
              if (status === 410) gone = true;
              else report(err);
              delay = gotEvent ? backoff.min : Math.min(delay * 2, backoff.max);
              schedule(delay);
            } else {
              schedule(gone ? 0 : gotEvent ? 0 : delay);
            }
          },
        );
        if (stopped) controller.abort();
      };

      await relist(true);
      await start();
      return () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        controller?.abort();
      };
    },
  };
  return cluster;
}
