import type { DocReader, Fields, Val } from '../repo/yaml-reader.js';

/** Table-driven readers for the nested objects that are validated and kept as plain data. */
export type FieldReader = (r: DocReader, v: Val) => unknown;

export function readRecord(r: DocReader, v: Val, table: Record<string, FieldReader>): Record<string, unknown> | undefined {
  const f = r.map(v, Object.keys(table));
  return f ? readFields(r, f, table) : undefined;
}

export function readFields(r: DocReader, f: Fields, table: Record<string, FieldReader>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, read] of Object.entries(table)) {
    const fv = r.opt(f, k);
    if (!fv) continue;
    const x = read(r, fv);
    if (x !== undefined) out[k] = x;
  }
  return out;
}

export const S =
  (pattern?: RegExp, patternName?: string, hint?: string): FieldReader =>
  (r, v) =>
    r.str(v, pattern ? { pattern, patternName: patternName ?? 'valid', ...(hint ? { hint } : {}) } : {});
export const B: FieldReader = (r, v) => r.bool(v);
export const N =
  (min?: number, max?: number): FieldReader =>
  (r, v) =>
    r.num(v, { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) });
export const I =
  (min?: number, max?: number): FieldReader =>
  (r, v) =>
    r.int(v, { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) });
export const E =
  (values: readonly string[], caseInsensitive = false): FieldReader =>
  (r, v) =>
    r.enumOf(v, values, { caseInsensitive });
/** A duration kept as written (after checking it parses). */
export const D: FieldReader = (r, v) => {
  const s = r.str(v, { coerce: true, max: 64 });
  if (s === undefined) return undefined;
  return r.duration(v) === undefined ? undefined : s;
};
export const L =
  (item: FieldReader, opts: { min?: number; unique?: boolean } = {}): FieldReader =>
  (r, v) => {
    const items = r.list(v, opts.min !== undefined ? { min: opts.min } : {});
    if (!items) return undefined;
    const out: unknown[] = [];
    const seen = new Set<string>();
    for (const it of items) {
      const x = item(r, it);
      if (x === undefined) continue;
      if (opts.unique) {
        const key = JSON.stringify(x);
        if (seen.has(key)) {
          r.error(it, 'duplicate-item', `${JSON.stringify(x)} is listed twice`);
          continue;
        }
        seen.add(key);
      }
      out.push(x);
    }
    return out;
  };
export const O =
  (table: Record<string, FieldReader>): FieldReader =>
  (r, v) =>
    readRecord(r, v, table);
