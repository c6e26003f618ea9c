import { ClusterError } from '../errors.js';
import { keyOf, refOf, type KubeObject, type ObjectRef } from '../k8s/object.js';
import type { ApplyOptions, Cluster, ListOptions, WatchEvent } from './types.js';

/**
 * A Cluster that writes nothing: reads are answered from a given object list, writes are
 * recorded (for `--dry-run`, Argo CD mode and tests). With `reflectWrites` the recorded writes
 * also change what later reads and watches see, so a multi-step flow can be previewed.
 */

type DryRunWrite =
  | { verb: 'apply'; ref: ObjectRef; object: KubeObject; fieldManager: string; force: boolean }
  | { verb: 'patch'; ref: ObjectRef; patch: unknown; subresource?: 'status'; fieldManager?: string }
  | { verb: 'delete'; ref: ObjectRef };

interface DryRunCluster extends Cluster {
  /** Every write asked for, in order. */
  readonly writes: readonly DryRunWrite[];
  /** The objects reads currently see. */
  objects(): KubeObject[];
}

interface DryRunOptions {
  reflectWrites?: boolean;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return clone(patch);
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Equality- and set-based label selectors (`a=b,c!=d,e,!f,g in (x,y),h notin (z)`). */
export function matchesLabelSelector(labels: Readonly<Record<string, string>> | undefined, selector: string | undefined): boolean {
  if (!selector || !selector.trim()) return true;
  const l = labels ?? {};
  const terms = selector.match(/(?:[^,(]|\([^)]*\))+/g) ?? [];
  return terms.every((raw) => {
    const t = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t))) {
      const vals = m[3]!.split(',').map((s) => s.trim());
      const has = m[1]! in l && vals.includes(l[m[1]!]!);
      return m[2] === 'in' ? has : !has;
    }
    if ((m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(t))) {
      const eq = l[m[1]!] === m[3];
      return m[2] === '!=' ? !eq : eq;
    }
    if (t.startsWith('!')) return !(t.slice(1) in l);
    return t in l;
  });
}

function matchesFieldSelector(o: KubeObject, selector: string | undefined): boolean {
  if (!selector || !selector.trim()) return true;
  return selector.split(',').every((raw) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(raw.trim());
    if (!m) return false;
    let v: unknown = o;
    for (const p of m[1]!.trim().split('.')) v = isRecord(v) ? v[p] : undefined;
    const eq = String(v ?? '') === m[3]!.trim();
    return m[2] === '!=' ? !eq : eq;
  });
}

function matches(o: KubeObject, apiVersion: string, kind: string, opts: ListOptions): boolean {
  return (
    o.apiVersion === apiVersion &&
    o.kind === kind &&
    (!opts.namespace || o.metadata.namespace === opts.namespace) &&
    matchesLabelSelector(o.metadata.labels, opts.labelSelector) &&
    matchesFieldSelector(o, opts.fieldSelector)
  );
}

export function createDryRunCluster(initial: readonly KubeObject[] = [], opts: DryRunOptions = {}): DryRunCluster {
  const store = new Map<string, KubeObject>();
  for (const o of initial) store.set(keyOf(o), clone(o));
  const writes: DryRunWrite[] = [];
  const watchers = new Set<{ apiVersion: string; kind: string; opts: ListOptions; on: (e: WatchEvent) => void }>();
  let rv = 0;

  const notify = (type: WatchEvent['type'], o: KubeObject): void => {
    for (const w of watchers) if (matches(o, w.apiVersion, w.kind, w.opts)) w.on({ type, object: clone(o) });
  };
  const commit = (o: KubeObject, existed: boolean): KubeObject => {
    const stored = { ...o, metadata: { ...o.metadata, resourceVersion: `dry-${++rv}` } };
    if (opts.reflectWrites) {
      store.set(keyOf(stored), stored);
      notify(existed ? 'MODIFIED' : 'ADDED', stored);
    }
    return clone(stored);
  };

  return {
    writes,
    objects: () => [...store.values()].map(clone),

    async get(ref) {
      return clone(store.get(keyOf(ref)));
    },

    async list(apiVersion, kind, lo = {}) {
      return [...store.values()].filter((o) => matches(o, apiVersion, kind, lo)).map(clone);
    },

    async apply(obj: KubeObject, ao: ApplyOptions) {
      const ref = refOf(obj);
      writes.push({ verb: 'apply', ref, object: clone(obj), fieldManager: ao.fieldManager, force: ao.force ?? false });
      const existing = store.get(keyOf(ref));
      // Not field ownership: the applied configuration merged over what is there.
      const merged = mergePatch(existing ?? {}, { ...obj, status: existing?.status ?? null }) as KubeObject;
      return commit(merged, existing !== undefined);
    },

    async patch(ref, patch, po = {}) {
      const w: DryRunWrite = { verb: 'patch', ref, patch: clone(patch) };
      if (po.subresource) w.subresource = po.subresource;
      if (po.fieldManager) w.fieldManager = po.fieldManager;
      writes.push(w);
      const existing = store.get(keyOf(ref));
      if (!existing) {
        throw new ClusterError(`patch ${keyOf(ref)}: not found`, 404, 'NotFound');
      }
      let next: KubeObject;
      if (po.subresource === 'status') {
        next = { ...existing, status: mergePatch(existing.status, isRecord(patch) ? patch.status : undefined) };
      } else {
        next = mergePatch(existing, isRecord(patch) ? { ...patch, status: undefined } : patch) as KubeObject;
        if (existing.status !== undefined) next.status = existing.status;
      }
      return commit(next, true);
    },

    async delete(ref) {
      writes.push({ verb: 'delete', ref });
      const k = keyOf(ref);
      const existing = store.get(k);
      if (!existing) return false;
      if (opts.reflectWrites) {
        store.delete(k);
        notify('DELETED', existing);
      }
      return true;
    },

    async watch(apiVersion, kind, lo, onEvent) {
      const w = { apiVersion, kind, opts: lo, on: onEvent };
      for (const o of store.values()) if (matches(o, apiVersion, kind, lo)) onEvent({ type: 'ADDED', object: clone(o) });
      watchers.add(w);
      return () => {
        watchers.delete(w);
      };
    },
  };
}
