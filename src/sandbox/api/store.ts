import type { KubeObject, ObjectRef } from '../../k8s/object.js';
import { ApiError } from './errors.js';
import { DEFAULT_KINDS, KindTable, qualifiedResource, type KindInfo } from './kinds.js';
import { clone, deepEqual, jsonPatch, mergePatch } from './patch.js';
import { applyOwnership, ownershipAfterUpdate, renderManager } from './managed-fields.js';
import { OwnerIndex } from './owner-index.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { leafPaths, type ManagerEntry, type Scope } from './ssa.js';
import { queuedWatch, WatchHub, type HistoryEvent, type RawWatchCallback, type StoreEventType } from './watch-hub.js';

export type { HistoryEvent, RawWatchCallback, StoreEventType } from './watch-hub.js';

/*
 * The sandbox's in-process object store: the state behind the HTTP API server, and directly
 * usable by in-process controllers (the FLUIDOS/Liqo simulator).
 *
 * Contract for in-process callers:
 * - Every method is synchronous and throws ApiError (a ClusterError: `.status` is the HTTP code,
 *   `.reason` the Status reason: NotFound, AlreadyExists, Conflict, Invalid, BadRequest, Expired).
 * - Objects returned are deep copies: mutate them freely.
 * - Watch callbacks run asynchronously (a microtask after the write), in resourceVersion order,
 *   so a callback may write to the store without re-entrancy.
 * - resourceVersion is one global counter (as a decimal string on objects).
 *
 * API (ref = ObjectRef {apiVersion, kind, namespace?, name}):
 *   get(ref) -> obj | undefined            list(apiVersion, kind, {namespace?, labelSelector?, fieldSelector?}) -> {items, resourceVersion}
 *   create(obj, {fieldManager?})            update(obj, {fieldManager?, subresource?})   (resourceVersion precondition when set)
 *   updateStatus(obj)                       patch(ref, patch, 'merge'|'json'|'strategic', {subresource?, fieldManager?})
 *   patchStatus(ref, statusPatch)           apply(obj, {fieldManager, force?, subresource?})   (server-side apply)
 *   delete(ref, {propagationPolicy?})       watch(apiVersion, kind, {namespace?, labelSelector?, fieldSelector?, resourceVersion?}, cb) -> stop
 *   stats() / resetStats()                  expireHistory()   kindInfo(apiVersion, kind)   kinds (KindTable)
 * Methods named *Raw / peek* are for the HTTP server: they skip the copies.
 *
 * Storage lives here; field ownership of server-side apply in managed-fields.ts, watch history
 * and fan-out in watch-hub.ts, cascading deletes in owner-index.ts.
 */

type WriteVerb = 'create' | 'update' | 'patch' | 'apply' | 'delete';

export interface StoreListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface StoreList {
  items: KubeObject[];
  /** The store's resourceVersion when the list was taken: watch from here to miss nothing. */
  resourceVersion: string;
}

export interface WriteOptions {
  /** Manager recorded in managedFields for Update operations (default `sandbox`). */
  fieldManager?: string;
  /** `status` to write the status subresource: only `.status` changes. */
  subresource?: 'status';
}

export interface StoreApplyOptions {
  fieldManager: string;
  force?: boolean;
  subresource?: 'status';
}

export type PatchType = 'merge' | 'json' | 'strategic';

export interface DeleteOptions {
  /** Background/Foreground delete dependents (ownerReferences) at once; Orphan leaves them. */
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  /** Fail with 409 when the live resourceVersion differs. */
  resourceVersion?: string;
}

export interface StoreWatchOptions extends StoreListOptions {
  /** Missing or `0`: ADDED for every existing object first. Otherwise replay events after it. */
  resourceVersion?: string;
}

export interface StoreEvent {
  type: StoreEventType;
  /** The object (a copy), or for ERROR a meta/v1 Status (410 Expired). */
  object: KubeObject;
}

export interface StoreStats {
  /** Write calls by verb, whether or not they changed anything. */
  requests: Record<WriteVerb, number>;
  /** Write calls by kind then verb. */
  byKind: Record<string, Partial<Record<WriteVerb, number>>>;
  /** Writes that changed an object (bumped resourceVersion). */
  mutations: number;
  /** Current resourceVersion. */
  resourceVersion: number;
  /** Objects stored. */
  objects: number;
}

interface ObjectStoreOptions {
  kinds?: readonly KindInfo[];
  /** Events kept for watch replay; a watch from an older resourceVersion gets 410 Expired. */
  historySize?: number;
  /** Namespaces created up front (default: default, kube-system, kube-public, kube-node-lease). */
  namespaces?: string[];
  clock?: () => Date;
  /** Randomness for generateName suffixes and uids (the simulator's seeded PRNG in the sandbox). */
  random?: () => number;
}

interface Entry {
  info: KindInfo;
  obj: KubeObject;
  managers: ManagerEntry[];
}

const NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const GEN_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function kindKeyOf(apiVersion: string, kind: string): string {
  return `${apiVersion}|${kind}`;
}

function nsName(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function emptyVerbs(): Record<WriteVerb, number> {
  return { create: 0, update: 0, patch: 0, apply: 0, delete: 0 };
}

export class ObjectStore {
  readonly kinds: KindTable;
  private readonly data = new Map<string, Map<string, Entry>>();
  private readonly hub: WatchHub;
  private readonly owners = new OwnerIndex<Entry>();
  /** Keys of each bucket in list order, rebuilt after a key is added or removed. */
  private readonly sortedKeys = new Map<string, string[]>();
  private rv = 0;
  /** The sandbox's time: every timestamp the store, the API server and the simulator write comes from here. */
  readonly clock: () => Date;
  private readonly random: () => number;
  private counters = { requests: emptyVerbs(), byKind: {} as StoreStats['byKind'], mutations: 0 };

  constructor(opts: ObjectStoreOptions = {}) {
    this.kinds = new KindTable(opts.kinds ?? DEFAULT_KINDS);
    this.hub = new WatchHub(opts.historySize ?? 10_000);
    this.clock = opts.clock ?? (() => new Date());
    this.random = opts.random ?? Math.random;
    for (const ns of opts.namespaces ?? ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    this.resetStats();
  }

  /** The current global resourceVersion. */
  get resourceVersion(): number {
    return this.rv;
  }

  /** The kind of an apiVersion+kind, or 404 NotFound when the sandbox does not serve it. */
  kindInfo(apiVersion: string, kind: string): KindInfo {
    const info = this.kinds.lookup(apiVersion, kind);
    if (!info) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (kind ${kind} in ${apiVersion})`);
    return info;
  }

  // ---------------------------------------------------------------- reads

  /** A copy of the object, or undefined when absent. */
  get(ref: ObjectRef): KubeObject | undefined {
    const e = this.entry(ref);
    return e ? clone(e.obj) : undefined;
  }

  /** Objects of a kind, sorted by namespace then name. */
  list(apiVersion: string, kind: string, opts: StoreListOptions = {}): StoreList {
    const r = this.peekList(apiVersion, kind, opts);
    return { items: r.items.map((o) => clone(o)), resourceVersion: r.resourceVersion };
  }

  /** @internal like get, without the copy: callers must not mutate the result. */
  peek(ref: ObjectRef): KubeObject | undefined {
    return this.entry(ref)?.obj;
  }

  /** @internal like list, without copies. */
  peekList(apiVersion: string, kind: string, opts: StoreListOptions = {}): StoreList {
    const info = this.kindInfo(apiVersion, kind);
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = parseFieldSelector(opts.fieldSelector);
    const kindKey = kindKeyOf(info.apiVersion, info.kind);
    const bucket = this.data.get(kindKey);
    const items: KubeObject[] = [];
    if (bucket) {
      let keys = this.sortedKeys.get(kindKey);
      if (!keys) this.sortedKeys.set(kindKey, (keys = [...bucket.keys()].sort()));
      // keys are `<namespace>/<name>` in order: one namespace is one contiguous run of them
      const prefix = opts.namespace && info.namespaced ? `${opts.namespace}/` : '';
      let from = 0;
      if (prefix) {
        let hi = keys.length;
        while (from < hi) {
          const mid = (from + hi) >>> 1;
          if (keys[mid]! < prefix) from = mid + 1;
          else hi = mid;
        }
      }
      for (let i = from; i < keys.length; i++) {
        const k = keys[i]!;
        if (prefix && !k.startsWith(prefix)) break;
        const o = bucket.get(k)!.obj;
        if (opts.namespace && info.namespaced && o.metadata.namespace !== opts.namespace) continue;
        if (labels.length && !matchesLabels(labels, o.metadata.labels)) continue;
        if (fields.length && !matchesFields(fields, o)) continue;
        items.push(o);
      }
    }
    return { items, resourceVersion: String(this.rv) };
  }

  // ---------------------------------------------------------------- writes

  /**
   * Creates an object. 409 AlreadyExists, 404 when its namespace is missing, 422 Invalid for a
   * bad name. `metadata.generateName` without a name picks a random suffix. Custom kinds with a
   * status subresource drop `.status` on create (built-ins keep it, so a simulator can create a
   * Node with its status in one call).
   */
  create(obj: KubeObject, opts: WriteOptions = {}): KubeObject {
    return clone(this.createRaw(obj, opts));
  }

  /**
   * Replaces an object (PUT). When `metadata.resourceVersion` is set it must equal the live one
   * (409 Conflict otherwise): optimistic concurrency. `.status` is ignored unless
   * `subresource: 'status'`, which changes nothing but `.status`. 404 when absent.
   */
  update(obj: KubeObject, opts: WriteOptions = {}): KubeObject {
    return clone(this.updateRaw(obj, opts));
  }

  /** update() of the status subresource. */
  updateStatus(obj: KubeObject, opts: Omit<WriteOptions, 'subresource'> = {}): KubeObject {
    return this.update(obj, { ...opts, subresource: 'status' });
  }

  /**
   * Patches an object: `merge` (RFC 7386), `json` (RFC 6902) or `strategic` (treated as merge;
   * the HTTP layer refuses it on custom kinds with 415). 404 when absent.
   */
  patch(ref: ObjectRef, patch: unknown, type: PatchType = 'merge', opts: WriteOptions = {}): KubeObject {
    return clone(this.patchRaw(ref, patch, type, opts));
  }

  /** Merge-patches `.status` through the status subresource: `patchStatus(ref, {phase: 'Ready'})`. */
  patchStatus(ref: ObjectRef, status: unknown, opts: Omit<WriteOptions, 'subresource'> = {}): KubeObject {
    return this.patch(ref, { status }, 'merge', { ...opts, subresource: 'status' });
  }

  /**
   * Server-side apply. Creates the object when absent. See applyRaw for the semantics.
   */
  apply(obj: KubeObject, opts: StoreApplyOptions): KubeObject {
    return clone(this.applyRaw(obj, opts));
  }

  /**
   * Deletes an object and returns its last state. 404 when absent. An object with finalizers
   * only gets `deletionTimestamp`; it goes when a write leaves its finalizers empty. Deleting a
   * Namespace removes everything in it at once (finalizers of its contents are not waited for).
   * Dependents (ownerReferences by uid) go too unless propagationPolicy is Orphan.
   */
  delete(ref: ObjectRef, opts: DeleteOptions = {}): KubeObject {
    return clone(this.deleteRaw(ref, opts));
  }

  /**
   * Watches a kind. The callback runs asynchronously, in order. Returns the unsubscribe
   * function. A resourceVersion older than the kept history yields one ERROR event carrying a
   * 410 Expired Status, then nothing more.
   */
  watch(apiVersion: string, kind: string, opts: StoreWatchOptions, cb: (e: StoreEvent) => void): () => void {
    return this.watchQueued(apiVersion, kind, opts, cb, true);
  }

  /**
   * @internal like watch, but the callback gets the stored objects themselves (no copies): for
   * in-process controllers that only read what they are handed.
   */
  watchShared(apiVersion: string, kind: string, opts: StoreWatchOptions, cb: (e: StoreEvent) => void): () => void {
    return this.watchQueued(apiVersion, kind, opts, cb, false);
  }

  private watchQueued(apiVersion: string, kind: string, opts: StoreWatchOptions, cb: (e: StoreEvent) => void, copy: boolean): () => void {
    return queuedWatch<StoreEvent>(
      (raw) => this.watchRaw(apiVersion, kind, opts, raw),
      cb,
      (type, object) => ({ type, object: copy ? clone(object) : object }),
    );
  }

  /** Write counters since construction (or the last resetStats). */
  stats(): StoreStats {
    let objects = 0;
    for (const b of this.data.values()) objects += b.size;
    return {
      requests: { ...this.counters.requests },
      byKind: JSON.parse(JSON.stringify(this.counters.byKind)) as StoreStats['byKind'],
      mutations: this.counters.mutations,
      resourceVersion: this.rv,
      objects,
    };
  }

  resetStats(): void {
    this.counters = { requests: emptyVerbs(), byKind: {}, mutations: 0 };
  }

  /**
   * Forgets the watch history, so that a watch from any resourceVersion older than the current
   * one gets 410 Expired (what a real server does after compaction). For tests of client recovery.
   */
  expireHistory(): void {
    this.hub.expire(this.rv);
  }

  // ---------------------------------------------------------------- internals used by the server

  /**
   * @internal `owned`: the caller hands `input` over (it never touches it again), so it is stored
   * without a copy; it may share parts with stored objects, which are never changed in place.
   */
  createRaw(input: KubeObject, opts: WriteOptions = {}, owned = false): KubeObject {
    const info = this.kindInfo(input.apiVersion, input.kind);
    this.count(info, 'create');
    if (!isObj(input.metadata)) throw this.invalid(info, '', 'metadata', 'Required value');
    const obj = owned ? { ...input, metadata: { ...input.metadata } } : clone(input);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + this.suffix();
    this.checkNameAndNamespace(info, obj);
    const bucket = this.bucket(info);
    const k = nsName(meta.namespace, meta.name);
    if (bucket.has(k)) {
      throw new ApiError(409, 'AlreadyExists', `${qualifiedResource(info)} "${meta.name}" already exists`, {
        name: meta.name,
        group: info.group,
        kind: info.plural,
      });
    }
    if (info.hasStatus && info.custom) delete obj.status;
    if (info.kind === 'Namespace') obj.status = { phase: 'Active', ...(isObj(obj.status) ? obj.status : {}) };
    this.stripSystemMeta(obj);
    meta.uid = this.uid();
    meta.creationTimestamp = this.now();
    meta.generation = 1;
    const manager = opts.fieldManager ?? 'sandbox';
    const entry: Entry = { info, obj, managers: [] };
    this.recordUpdate(entry, undefined, obj, manager, 'all');
    this.commit(entry, undefined, 'ADDED');
    return entry.obj;
  }

  /** @internal */
  updateRaw(input: KubeObject, opts: WriteOptions = {}): KubeObject {
    const info = this.kindInfo(input.apiVersion, input.kind);
    this.count(info, 'update');
    const entry = this.mustEntry(info, input.metadata?.namespace, input.metadata?.name);
    this.checkPrecondition(entry, input.metadata.resourceVersion);
    return this.replace(entry, input, opts.subresource, opts.fieldManager ?? 'sandbox');
  }

  /** @internal `owned` as for createRaw: the result may share the patch's lists. */
  patchRaw(ref: ObjectRef, patch: unknown, type: PatchType, opts: WriteOptions = {}, owned = false): KubeObject {
    const info = this.kindInfo(ref.apiVersion, ref.kind);
    this.count(info, 'patch');
    const entry = this.mustEntry(info, ref.namespace, ref.name);
    const live = entry.obj;
    let next: unknown;
    if (type === 'json') next = jsonPatch(live, patch);
    else {
      if (!isObj(patch)) throw new ApiError(400, 'BadRequest', 'a merge patch must be a JSON object');
      next = mergePatch(live, patch, !owned);
    }
    if (!isObj(next)) throw new ApiError(422, 'Invalid', 'the patch did not produce an object');
    const result = next as KubeObject;
    const rvInPatch = isObj(patch) && isObj(patch.metadata) ? patch.metadata.resourceVersion : undefined;
    if (typeof rvInPatch === 'string') this.checkPrecondition(entry, rvInPatch);
    // Identity is not patchable.
    result.apiVersion = live.apiVersion;
    result.kind = live.kind;
    result.metadata = { ...(isObj(result.metadata) ? result.metadata : {}), name: live.metadata.name } as KubeObject['metadata'];
    if (live.metadata.namespace) result.metadata.namespace = live.metadata.namespace;
    // the patched result is already a new object: only the live object's untouched parts are shared
    return this.replace(entry, result, opts.subresource, opts.fieldManager ?? 'sandbox', true);
  }

  /**
   * @internal Server-side apply.
   * - Fields are leaves of maps; lists are atomic (owned and replaced whole).
   * - Each (manager, subresource) Apply entry owns the leaves of its last applied config; another
   *   manager (Apply or Update) owning a leaf the config sets to a different value is a conflict:
   *   409 Conflict with causes of type FieldManagerConflict, unless force, which takes ownership.
   * - Leaves the manager applied before but not now are removed when nobody else owns them.
   * - Applying the same config again changes nothing: same resourceVersion, no watch event.
   * - A `metadata.resourceVersion` in the config is a precondition (409 when stale).
   * - Object applies ignore `.status` of kinds with a status subresource; `subresource: 'status'`
   *   applies only `.status`.
   */
  applyRaw(input: KubeObject, opts: StoreApplyOptions, owned = false): KubeObject {
    if (!isObj(input) || typeof input.apiVersion !== 'string' || typeof input.kind !== 'string') {
      throw new ApiError(400, 'BadRequest', 'apply configuration must have apiVersion and kind');
    }
    const info = this.kindInfo(input.apiVersion, input.kind);
    this.count(info, 'apply');
    if (!opts.fieldManager) throw new ApiError(400, 'BadRequest', 'PATCH with apply-patch requires a fieldManager');
    if (!isObj(input.metadata) || !input.metadata.name) throw this.invalid(info, '', 'metadata.name', 'Required value: name is required');
    const cfg: KubeObject = owned ? { ...input, metadata: { ...input.metadata } } : clone(input);
    if (!info.namespaced) delete cfg.metadata.namespace;
    const sub = opts.subresource;
    const scope: Scope = sub === 'status' ? 'status' : info.hasStatus ? 'main' : 'all';
    if (scope === 'main') delete cfg.status;
    if (scope === 'status') {
      for (const k of Object.keys(cfg)) if (k !== 'apiVersion' && k !== 'kind' && k !== 'metadata' && k !== 'status') delete cfg[k];
    }
    const entry = this.entry({ apiVersion: info.apiVersion, kind: info.kind, name: cfg.metadata.name, namespace: cfg.metadata.namespace });
    if (!entry) {
      if (sub === 'status') throw this.notFound(info, cfg.metadata.name);
      // Create through apply: ownership is the Apply manager's, not an Update.
      const created = this.createRawForApply(info, cfg, opts.fieldManager);
      return created;
    }
    if (cfg.metadata.resourceVersion !== undefined) this.checkPrecondition(entry, String(cfg.metadata.resourceVersion));

    const { next, managers, unchangedOwnership } = applyOwnership(info, entry.obj, entry.managers, cfg, { fieldManager: opts.fieldManager, ...(opts.force ? { force: true } : {}), ...(sub ? { subresource: sub } : {}) }, scope, this.now());
    return this.finishWrite(entry, next, managers, scope, unchangedOwnership);
  }

  /** @internal */
  deleteRaw(ref: ObjectRef, opts: DeleteOptions = {}): KubeObject {
    const info = this.kindInfo(ref.apiVersion, ref.kind);
    this.count(info, 'delete');
    const entry = this.mustEntry(info, ref.namespace, ref.name);
    if (opts.resourceVersion) this.checkPrecondition(entry, opts.resourceVersion);
    const fin = entry.obj.metadata.finalizers;
    if (info.kind !== 'Namespace' && Array.isArray(fin) && fin.length > 0) {
      if (entry.obj.metadata.deletionTimestamp) return entry.obj;
      const next = clone(entry.obj);
      next.metadata.deletionTimestamp = this.now();
      next.metadata.deletionGracePeriodSeconds = 0;
      return this.finishWrite(entry, next, entry.managers, 'all', true);
    }
    return this.remove(entry, opts.propagationPolicy ?? 'Background');
  }

  /** @internal subscribes synchronously; `cb` gets the shared stored objects. */
  watchRaw(apiVersion: string, kind: string, opts: StoreWatchOptions, cb: RawWatchCallback): () => void {
    const info = this.kindInfo(apiVersion, kind);
    const target = {
      kindKey: kindKeyOf(info.apiVersion, info.kind),
      namespace: info.namespaced && opts.namespace ? opts.namespace : undefined,
      labels: parseLabelSelector(opts.labelSelector),
      fields: parseFieldSelector(opts.fieldSelector),
    };
    return this.hub.subscribe(target, opts.resourceVersion, this.rv, () => this.peekList(info.apiVersion, info.kind, opts).items, cb);
  }

  /** @internal number of active watchers (for tests of watcher cleanup). */
  watcherCount(): number {
    return this.hub.watcherCount();
  }

  // ---------------------------------------------------------------- private

  private createRawForApply(info: KindInfo, cfg: KubeObject, manager: string): KubeObject {
    // cfg is applyRaw's own (copied or handed over), used for nothing else
    const obj = cfg;
    this.checkNameAndNamespace(info, obj);
    this.stripSystemMeta(obj);
    if (info.kind === 'Namespace') obj.status = { phase: 'Active' };
    obj.metadata.uid = this.uid();
    obj.metadata.creationTimestamp = this.now();
    obj.metadata.generation = 1;
    const scope: Scope = info.hasStatus ? 'main' : 'all';
    const entry: Entry = {
      info,
      obj,
      managers: [{ manager, operation: 'Apply', apiVersion: info.apiVersion, time: this.now(), fields: leafPaths(obj, scope) }],
    };
    this.commit(entry, undefined, 'ADDED');
    return entry.obj;
  }

  /** `fresh`: input is a new object of the store's own (a patch result), not a caller's. */
  private replace(entry: Entry, input: KubeObject, sub: 'status' | undefined, manager: string, fresh = false): KubeObject {
    const info = entry.info;
    const live = entry.obj;
    let next: KubeObject;
    if (sub === 'status') {
      if (!info.hasStatus) throw new ApiError(404, 'NotFound', `${qualifiedResource(info)} has no status subresource`);
      next = { ...live, metadata: { ...live.metadata } };
      if (input.status === undefined) delete next.status;
      else next.status = fresh ? input.status : clone(input.status);
    } else {
      next = fresh ? { ...input, metadata: { ...input.metadata } } : clone(input);
      next.apiVersion = live.apiVersion;
      next.kind = live.kind;
      if (!isObj(next.metadata)) next.metadata = { name: live.metadata.name };
      if (info.hasStatus) {
        if (live.status === undefined) delete next.status;
        else next.status = live.status;
      }
      // System metadata is the server's.
      const meta = next.metadata as Record<string, unknown>;
      for (const k of ['uid', 'creationTimestamp', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'name', 'namespace']) {
        if (live.metadata[k] === undefined) delete meta[k];
        else meta[k] = live.metadata[k];
      }
    }
    const scope: Scope = sub === 'status' ? 'status' : info.hasStatus ? 'main' : 'all';
    const managers = this.updateManagers(entry, live, next, manager, scope, sub);
    return this.finishWrite(entry, next, managers, scope, false);
  }

  /** Ownership after an Update operation: the updater owns what it changed, others lose it. */
  private updateManagers(entry: Entry, prev: KubeObject, next: KubeObject, manager: string, scope: Scope, sub?: 'status'): ManagerEntry[] {
    return ownershipAfterUpdate(entry.managers, entry.info.apiVersion, prev, next, manager, scope, sub, this.now()) as ManagerEntry[];
  }

  private recordUpdate(entry: Entry, prev: KubeObject | undefined, next: KubeObject, manager: string, scope: Scope): void {
    const fields = leafPaths(next, scope === 'all' && entry.info.hasStatus ? 'main' : scope);
    entry.managers = [{ manager, operation: 'Update', apiVersion: entry.info.apiVersion, time: this.now(), fields }];
    if (prev) entry.managers = this.updateManagers(entry, prev, next, manager, scope);
  }

  /**
   * Stores `next` unless nothing changed (then the live object is returned untouched: no new
   * resourceVersion, no event). Bumps generation when anything but metadata/status changed.
   */
  private finishWrite(entry: Entry, next: KubeObject, managers: ManagerEntry[], _scope: Scope, ownershipUnchanged: boolean): KubeObject {
    const live = entry.obj;
    const managersSame =
      ownershipUnchanged ||
      (managers.length === entry.managers.length && managers.every((m, i) => m === entry.managers[i]));
    if (managersSame && sameContent(live, next)) return live;
    this.validateLabels(entry.info, next);
    if (specChanged(live, next)) next.metadata.generation = (live.metadata.generation ?? 1) + 1;
    else next.metadata.generation = live.metadata.generation ?? 1;
    entry.managers = managers;
    if (next.metadata.deletionTimestamp && (!Array.isArray(next.metadata.finalizers) || next.metadata.finalizers.length === 0)) {
      entry.obj = next;
      return this.remove(entry, 'Background');
    }
    this.commit(entry, live, 'MODIFIED', next);
    return entry.obj;
  }

  private commit(entry: Entry, prev: KubeObject | undefined, type: 'ADDED' | 'MODIFIED', next: KubeObject = entry.obj): void {
    this.rv += 1;
    this.counters.mutations += 1;
    next.metadata.resourceVersion = String(this.rv);
    // A manager left owning nothing (e.g. after a forced apply took its fields) is dropped, as a real API server does.
    entry.managers = entry.managers.filter((m) => m.fields.size > 0);
    next.metadata.managedFields = entry.managers.map(renderManager);
    if (next.metadata.managedFields.length === 0) delete next.metadata.managedFields;
    this.owners.remove(entry);
    entry.obj = next;
    this.owners.add(entry);
    const bucket = this.bucket(entry.info);
    const key = nsName(next.metadata.namespace, next.metadata.name);
    if (!bucket.has(key)) this.sortedKeys.delete(kindKeyOf(entry.info.apiVersion, entry.info.kind));
    bucket.set(key, entry);
    this.emit(type, entry, next, prev);
  }

  private remove(entry: Entry, policy: 'Background' | 'Foreground' | 'Orphan'): KubeObject {
    const info = entry.info;
    const o = entry.obj;
    const bucket = this.bucket(info);
    const key = nsName(o.metadata.namespace, o.metadata.name);
    if (bucket.get(key) !== entry) return o;
    bucket.delete(key);
    this.sortedKeys.delete(kindKeyOf(info.apiVersion, info.kind));
    this.owners.remove(entry);
    this.rv += 1;
    this.counters.mutations += 1;
    const gone: KubeObject = { ...o, metadata: { ...o.metadata, resourceVersion: String(this.rv) } };
    entry.obj = gone;
    this.emit('DELETED', entry, gone, o);
    if (info.kind === 'Namespace') {
      const ns = o.metadata.name;
      for (const b of this.data.values()) {
        for (const e of [...b.values()]) if (e.info.namespaced && e.obj.metadata.namespace === ns) this.remove(e, 'Background');
      }
    }
    if (policy !== 'Orphan' && o.metadata.uid) {
      for (const d of this.owners.dependents(o.metadata.uid)) this.remove(d, 'Background');
    }
    return gone;
  }

  private emit(type: 'ADDED' | 'MODIFIED' | 'DELETED', entry: Entry, object: KubeObject, prev: KubeObject | undefined): void {
    this.hub.publish({
      rv: this.rv,
      type,
      kindKey: kindKeyOf(entry.info.apiVersion, entry.info.kind),
      namespace: object.metadata.namespace ?? '',
      object,
      prev: type === 'MODIFIED' ? prev : undefined,
    });
  }

  private entry(ref: ObjectRef): Entry | undefined {
    const info = this.kindInfo(ref.apiVersion, ref.kind);
    const ns = info.namespaced ? ref.namespace : undefined;
    return this.data.get(kindKeyOf(info.apiVersion, info.kind))?.get(nsName(ns, ref.name));
  }

  private mustEntry(info: KindInfo, namespace: string | undefined, name: string | undefined): Entry {
    if (!name) throw this.invalid(info, '', 'metadata.name', 'Required value: name is required');
    const e = this.data.get(kindKeyOf(info.apiVersion, info.kind))?.get(nsName(info.namespaced ? namespace : undefined, name));
    if (!e) throw this.notFound(info, name);
    return e;
  }

  private bucket(info: KindInfo): Map<string, Entry> {
    const k = kindKeyOf(info.apiVersion, info.kind);
    let b = this.data.get(k);
    if (!b) this.data.set(k, (b = new Map()));
    return b;
  }

  private checkNameAndNamespace(info: KindInfo, obj: KubeObject): void {
    const meta = obj.metadata;
    if (!meta.name) throw this.invalid(info, '', 'metadata.name', 'Required value: name or generateName is required');
    if (typeof meta.name !== 'string' || meta.name.length > 253 || !NAME_RE.test(meta.name)) {
      throw this.invalid(
        info,
        String(meta.name),
        'metadata.name',
        `Invalid value: "${String(meta.name)}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      );
    }
    if (info.namespaced) {
      if (!meta.namespace) throw new ApiError(400, 'BadRequest', `${info.kind} "${meta.name}": the namespace of the object is required`);
      const ns = this.data.get('v1|Namespace')?.get(nsName(undefined, meta.namespace));
      if (!ns) {
        throw new ApiError(404, 'NotFound', `namespaces "${meta.namespace}" not found`, { name: meta.namespace, kind: 'namespaces' });
      }
      if (ns.obj.metadata.deletionTimestamp) {
        throw new ApiError(403, 'Forbidden', `unable to create new content in namespace ${meta.namespace} because it is being terminated`);
      }
    } else delete meta.namespace;
    this.validateLabels(info, obj);
  }

  private validateLabels(info: KindInfo, obj: KubeObject): void {
    const labels = obj.metadata.labels;
    if (labels === undefined) return;
    if (!isObj(labels)) throw this.invalid(info, obj.metadata.name, 'metadata.labels', 'Invalid value: labels must be a map of strings');
    for (const [k, v] of Object.entries(labels)) {
      if (typeof v !== 'string' || v.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v)) {
        throw this.invalid(info, obj.metadata.name, `metadata.labels`, `Invalid value: "${String(v)}": a valid label value for key "${k}" must be 63 characters or less, alphanumeric, '-', '_' or '.'`);
      }
    }
  }

  private stripSystemMeta(obj: KubeObject): void {
    const m = obj.metadata;
    delete m.resourceVersion;
    delete m.managedFields;
    delete m.deletionTimestamp;
    delete m.selfLink;
  }

  private checkPrecondition(entry: Entry, rv: string | undefined): void {
    if (rv === undefined || rv === '') return;
    if (rv !== entry.obj.metadata.resourceVersion) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${qualifiedResource(entry.info)} "${entry.obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name: entry.obj.metadata.name, group: entry.info.group, kind: entry.info.plural },
      );
    }
  }

  private notFound(info: KindInfo, name: string): ApiError {
    return new ApiError(404, 'NotFound', `${qualifiedResource(info)} "${name}" not found`, { name, group: info.group, kind: info.plural });
  }

  private invalid(info: KindInfo, name: string, field: string, message: string): ApiError {
    return new ApiError(422, 'Invalid', `${info.kind} "${name}" is invalid: ${field}: ${message}`, {
      name,
      group: info.group,
      kind: info.kind,
      causes: [{ type: 'FieldValueInvalid', message, field }],
    });
  }

  private count(info: KindInfo, verb: WriteVerb): void {
    this.counters.requests[verb] += 1;
    const k = (this.counters.byKind[info.kind] ??= {});
    k[verb] = (k[verb] ?? 0) + 1;
  }

  private now(): string {
    return this.clock().toISOString().replace(/\.\d+Z$/, 'Z');
  }

  /** A version-4 UUID drawn from the store's randomness, so a seeded sandbox repeats its uids. */
  private uid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.random() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    const h = hex.join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  private suffix(): string {
    let s = '';
    for (let i = 0; i < 5; i++) s += GEN_ALPHABET[Math.floor(this.random() * GEN_ALPHABET.length)];
    return s;
  }
}

const VOLATILE_META = new Set(['resourceVersion', 'managedFields', 'generation']);

function sameContent(a: KubeObject, b: KubeObject): boolean {
  const ak = Object.keys(a).filter((k) => a[k] !== undefined);
  const bk = Object.keys(b).filter((k) => b[k] !== undefined);
  if (ak.length !== bk.length) return false;
  for (const k of ak) {
    if (k === 'metadata') continue;
    if (!deepEqual(a[k], b[k])) return false;
  }
  const am = a.metadata;
  const bm = b.metadata;
  const keys = new Set([...Object.keys(am), ...Object.keys(bm)]);
  for (const k of keys) {
    if (VOLATILE_META.has(k)) continue;
    if (!deepEqual(am[k], bm[k])) return false;
  }
  return true;
}

/** Anything but metadata and status changed: what bumps metadata.generation. */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind') continue;
    if (!deepEqual(a[k], b[k])) return true;
  }
  return false;
}
