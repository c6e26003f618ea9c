import type { DocReader, Fields, Val } from './yaml-reader.js';

/**
 * Table-driven readers for the nested objects that are validated and kept as plain data. Each
 * reader carries the JSON Schema of what it accepts, so schemas/intent.json is generated from the
 * very tables that validate (src/intent/schema.ts).
 */
export type FieldReader = ((r: DocReader, v: Val) => unknown) & { schema?: JsonSchema };

export type JsonSchema = Record<string, unknown>;

/** Attaches the schema of what `read` accepts. */
export function withSchema(read: (r: DocReader, v: Val) => unknown, schema: JsonSchema): FieldReader {
  return Object.assign(read, { schema });
}

/** The schema of an object read by `readRecord(table)`: exactly the table's keys. */
export function tableSchema(table: Record<string, FieldReader>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [k, read] of Object.entries(table)) properties[k] = read.schema ?? {};
  return { type: 'object', additionalProperties: false, properties };
}

/**
 * A JS regular expression as a JSON Schema pattern. JSON Schema has no flags, so a
 * case-insensitive one spells every letter both ways ([gG]); classes gain the other case too.
 */
function schemaPattern(re: RegExp): string {
  if (!re.flags.includes('i')) return re.source;
  const src = re.source;
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      out += c + (src[i + 1] ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      else if (/[a-z]/i.test(c)) {
        const range = src[i + 1] === '-' && /[a-z]/i.test(src[i + 2] ?? '') ? src.slice(i, i + 3) : undefined;
        if (range) {
          out += range + swapCase(range);
          i += 2;
          continue;
        }
        out += c + swapCase(c);
        continue;
      }
      out += c;
      continue;
    }
    if (c === '[') inClass = true;
    out += /[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
  }
  return out;
}

function swapCase(s: string): string {
  return [...s].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
}

/** Enum values, optionally in any letter case (editors still complete the canonical spellings). */
export function enumSchema(values: readonly string[], caseInsensitive = false): JsonSchema {
  if (!caseInsensitive) return { enum: [...values] };
  // '-' stays unescaped: outside a class its escape is invalid in unicode-mode patterns
  const alternation = values.map((v) => v.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|');
  return { anyOf: [{ enum: [...values] }, { type: 'string', pattern: schemaPattern(new RegExp(`^(${alternation})$`, 'i')) }] };
}

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

const bounds = (min?: number, max?: number): JsonSchema => ({ ...(min !== undefined ? { minimum: min } : {}), ...(max !== undefined ? { maximum: max } : {}) });

export const S = (pattern?: RegExp, patternName?: string, hint?: string): FieldReader =>
  withSchema(
    (r, v) => r.str(v, pattern ? { pattern, patternName: patternName ?? 'valid', ...(hint ? { hint } : {}) } : {}),
    { type: 'string', ...(pattern ? { pattern: schemaPattern(pattern) } : {}) },
  );
export const B: FieldReader = withSchema((r, v) => r.bool(v), { type: 'boolean' });
export const N = (min?: number, max?: number): FieldReader =>
  withSchema((r, v) => r.num(v, { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) }), { type: 'number', ...bounds(min, max) });
export const I = (min?: number, max?: number): FieldReader =>
  withSchema((r, v) => r.int(v, { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) }), { type: 'integer', ...bounds(min, max) });
export const E = (values: readonly string[], caseInsensitive = false): FieldReader =>
  withSchema((r, v) => r.enumOf(v, values, { caseInsensitive }), enumSchema(values, caseInsensitive));
/** A duration kept as written (after checking it parses). */
export const D: FieldReader = withSchema(
  (r, v) => {
    const s = r.str(v, { coerce: true, max: 64 });
    if (s === undefined) return undefined;
    return r.duration(v) === undefined ? undefined : s;
  },
  { $ref: '#/definitions/duration' },
);
export const L = (item: FieldReader, opts: { min?: number; unique?: boolean } = {}): FieldReader =>
  withSchema((r, v) => {
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
  }, { type: 'array', items: item.schema ?? {}, ...(opts.min !== undefined ? { minItems: opts.min } : {}), ...(opts.unique ? { uniqueItems: true } : {}) });
export const O = (table: Record<string, FieldReader>): FieldReader => withSchema((r, v) => readRecord(r, v, table), tableSchema(table));
