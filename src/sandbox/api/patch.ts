import { ApiError } from './errors.js';

type Json = unknown;

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * RFC 7386 JSON merge patch; returns a new value and never mutates its inputs. `copy: false`
 * lets the result share the patch's lists and scalars (for a patch nobody touches afterwards).
 */
export function mergePatch(target: Json, patch: Json, copy = true): Json {
  if (!isObj(patch)) return patch === undefined ? target : copy ? clone(patch) : patch;
  const out: Record<string, unknown> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v, copy);
  }
  return out;
}

interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw invalid(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function invalid(msg: string): ApiError {
  return new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${msg}`);
}

function getAt(doc: Json, segs: string[]): Json {
  let cur = doc;
  for (const s of segs) {
    if (Array.isArray(cur)) cur = cur[Number(s)];
    else if (isObj(cur)) cur = cur[s];
    else return undefined;
  }
  return cur;
}

function parentOf(doc: Json, segs: string[], path: string): Record<string, unknown> | unknown[] {
  const parent = getAt(doc, segs.slice(0, -1));
  if (!Array.isArray(parent) && !isObj(parent)) throw invalid(`path "${path}" does not exist`);
  return parent;
}

function addAt(doc: Json, segs: string[], value: Json, path: string): Json {
  if (segs.length === 0) return value;
  const parent = parentOf(doc, segs, path);
  const last = segs[segs.length - 1]!;
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw invalid(`index out of range in "${path}"`);
    parent.splice(i, 0, value);
  } else parent[last] = value;
  return doc;
}

function removeAt(doc: Json, segs: string[], path: string): Json {
  if (segs.length === 0) return undefined;
  const parent = parentOf(doc, segs, path);
  const last = segs[segs.length - 1]!;
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw invalid(`index out of range in "${path}"`);
    parent.splice(i, 1);
  } else {
    if (!(last in parent)) throw invalid(`unable to remove nonexistent key "${last}" at "${path}"`);
    delete parent[last];
  }
  return doc;
}

/** RFC 6902 JSON patch; returns a new document. */
export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new ApiError(400, 'BadRequest', 'json patch must be an array of operations');
  let doc = clone(target);
  for (const raw of ops as JsonPatchOp[]) {
    if (!isObj(raw) || typeof raw.path !== 'string') throw invalid('malformed json patch operation');
    const segs = pointer(raw.path);
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, segs, clone(raw.value), raw.path);
        break;
      case 'remove':
        doc = removeAt(doc, segs, raw.path);
        break;
      case 'replace':
        if (getAt(doc, segs) === undefined) throw invalid(`replace operation does not apply: doc is missing key: ${raw.path}`);
        doc = removeAt(doc, segs, raw.path);
        doc = addAt(doc, segs, clone(raw.value), raw.path);
        break;
      case 'move': {
        const from = pointer(raw.from ?? '');
        const v = getAt(doc, from);
        if (v === undefined) throw invalid(`move from missing path "${raw.from}"`);
        doc = removeAt(doc, from, raw.from ?? '');
        doc = addAt(doc, segs, v, raw.path);
        break;
      }
      case 'copy': {
        const v = getAt(doc, pointer(raw.from ?? ''));
        if (v === undefined) throw invalid(`copy from missing path "${raw.from}"`);
        doc = addAt(doc, segs, clone(v), raw.path);
        break;
      }
      case 'test':
        if (!deepEqual(getAt(doc, segs), raw.value)) throw invalid(`test operation failed at "${raw.path}"`);
        break;
      default:
        throw invalid(`unknown json patch operation "${String((raw as { op?: unknown }).op)}"`);
    }
  }
  return doc;
}

/** Deep copy of JSON data. */
export function clone<T>(v: T): T {
  if (v === undefined || v === null || typeof v !== 'object') return v;
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Structural equality of JSON data (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a as object);
  const bo = b as Record<string, unknown>;
  if (ak.length !== Object.keys(bo).length) return false;
  for (const k of ak) {
    if (!(k in bo)) return false;
    if (!deepEqual((a as Record<string, unknown>)[k], bo[k])) return false;
  }
  return true;
}
