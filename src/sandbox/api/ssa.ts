import { deepEqual } from './patch.js';

/**
 * Field ownership for server-side apply. A field path is a list of map keys joined by SEP;
 * lists are atomic (a list is one leaf: the sandbox does not merge associative lists by key).
 */
const SEP = '\u0001';

export type FieldSet = Set<string>;

export interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource?: 'status';
  fields: FieldSet;
}

/** Which part of an object a write owns: the object without status, or only status. */
export type Scope = 'main' | 'status' | 'all';

const SYSTEM_META = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Leaf field paths of an object in the given scope (`main` skips status, `status` keeps only it). */
export function leafPaths(obj: Record<string, unknown>, scope: Scope): FieldSet {
  const out: FieldSet = new Set();
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || v === undefined) continue;
    if (k === 'status' ? scope === 'main' : scope === 'status') continue;
    if (k === 'metadata' && isObj(v)) {
      for (const [mk, mv] of Object.entries(v)) {
        if (SYSTEM_META.has(mk) || mv === undefined) continue;
        collect(mv, `metadata${SEP}${mk}`, out);
      }
      continue;
    }
    collect(v, k, out);
  }
  return out;
}

function collect(v: unknown, path: string, out: FieldSet): void {
  if (isObj(v)) {
    // An empty map owns nothing (it must not conflict with owners of its children).
    for (const k of Object.keys(v)) if (v[k] !== undefined) collect(v[k], path + SEP + k, out);
    return;
  }
  out.add(path);
}

export function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const seg of path.split(SEP)) {
    if (!isObj(cur)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

/** Removes a path, then removes parents it left empty (never `metadata` itself). */
export function deletePath(obj: Record<string, unknown>, path: string): void {
  const segs = path.split(SEP);
  const chain: Record<string, unknown>[] = [obj];
  let cur: unknown = obj;
  for (let i = 0; i < segs.length - 1; i++) {
    cur = isObj(cur) ? cur[segs[i]!] : undefined;
    if (!isObj(cur)) return;
    chain.push(cur);
  }
  delete chain[chain.length - 1]![segs[segs.length - 1]!];
  for (let i = chain.length - 1; i >= 1; i--) {
    if (Object.keys(chain[i]!).length > 0) break;
    if (i === 1 && segs[0] === 'metadata') break;
    delete chain[i - 1]![segs[i - 1]!];
  }
}

/** All strict ancestors of the paths in a set. */
export function ancestors(set: FieldSet): Set<string> {
  const out = new Set<string>();
  for (const p of set) {
    let i = p.lastIndexOf(SEP);
    while (i > 0) {
      const a = p.slice(0, i);
      if (out.has(a)) break;
      out.add(a);
      i = a.lastIndexOf(SEP);
    }
  }
  return out;
}

/**
 * Where `p` (owned by someone) meets `set`: p itself, p as an ancestor of paths in set, or an
 * ancestor of p that is in set. Returns the shorter path of the overlap, or undefined.
 */
export function overlapAt(p: string, set: FieldSet, setAncestors: Set<string>): string | undefined {
  if (set.has(p) || setAncestors.has(p)) return p;
  let i = p.lastIndexOf(SEP);
  while (i > 0) {
    const a = p.slice(0, i);
    if (set.has(a)) return a;
    i = a.lastIndexOf(SEP);
  }
  return undefined;
}

/** Deep merge for apply: maps merge key by key, lists and scalars replace. */
export function applyMerge(live: unknown, cfg: unknown): unknown {
  if (!isObj(cfg) || !isObj(live)) return cfg;
  const out: Record<string, unknown> = { ...live };
  for (const [k, v] of Object.entries(cfg)) {
    if (v === undefined) continue;
    out[k] = applyMerge(live[k], v);
  }
  return out;
}

/** Renders a field set in the `fieldsV1` format (`{"f:spec":{"f:replicas":{}}}`). */
export function toFieldsV1(set: FieldSet): Record<string, unknown> {
  const root: Record<string, Record<string, unknown>> = {};
  for (const p of [...set].sort()) {
    let cur: Record<string, unknown> = root;
    for (const seg of p.split(SEP)) {
      const key = `f:${seg}`;
      cur = (cur[key] ??= {}) as Record<string, unknown>;
    }
  }
  return root;
}

/** `.spec.replicas` style name of a path, as conflict messages print it. */
export function dotted(p: string): string {
  return '.' + p.split(SEP).join('.');
}

export function sameFieldSet(a: FieldSet, b: FieldSet): boolean {
  if (a.size !== b.size) return false;
  for (const p of a) if (!b.has(p)) return false;
  return true;
}

/** Paths of `next` whose value differs from `prev` (for ownership of Update operations). */
export function changedPaths(prev: Record<string, unknown> | undefined, next: Record<string, unknown>, scope: Scope): FieldSet {
  const leaves = leafPaths(next, scope);
  if (!prev) return leaves;
  const out: FieldSet = new Set();
  for (const p of leaves) if (!deepEqual(getPath(prev, p), getPath(next, p))) out.add(p);
  return out;
}
