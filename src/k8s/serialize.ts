import { stringify } from 'yaml';

const FIRST_KEYS = ['apiVersion', 'kind', 'metadata'];

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareTopKeys(a: string, b: string): number {
  const ia = FIRST_KEYS.indexOf(a);
  const ib = FIRST_KEYS.indexOf(b);
  if (ia >= 0 || ib >= 0) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  return compareKeys(a, b);
}

function sortedKeys(src: Record<string, unknown>, top: boolean): string[] {
  const keys: string[] = [];
  for (const k of Object.keys(src)) if (src[k] !== undefined) keys.push(k);
  return keys.sort(top ? compareTopKeys : compareKeys);
}

/**
 * Deep copy with keys sorted, `apiVersion`, `kind`, `metadata` first at the top level
 * (cdk8s' toJson order). undefined values are dropped, so optional fields never render as null.
 */
export function canonicalize<T>(value: T, top = true): T {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map((v) => canonicalize(v, false)) as T;
  if (value === null || typeof value !== 'object') return value;
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of sortedKeys(src, top)) out[k] = canonicalize(src[k], false);
  return out as T;
}

/*
 * When a string may be written plain (unquoted). A plain scalar must read back as the same string
 * under the YAML 1.2 core schema (the yaml library, our parsers) AND under YAML 1.1 as Go's yaml
 * packages (kubectl, controllers) resolve it, and must never change the document's structure.
 */
// Characters that never appear in a plain scalar we write: controls, DEL, C1, line/paragraph
// separators, BOM, non-characters, surrogates (lone ones cannot be written plain at all).
const UNSAFE_CHAR_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/;
// Indicators a plain scalar cannot start with ('-' is allowed when a non-space follows, see below).
const BAD_START_RE = /^[?:,[\]{}#&*!|>'"%@`\s]/;
// ": " or " #" anywhere, or a trailing space or ':' would end the scalar early or start a mapping.
const BAD_INNER_RE = /: | #|[\s:]$/;
// Starts like a number, a timestamp or sexagesimal in some YAML dialect: '+', '.', a digit, or '-' then one of those.
const NUMERIC_START_RE = /^[-+]?[.0-9]/;
// Of those, the ones that stay strings everywhere: no ':' (sexagesimal), and not all of it
// parseable as a number by YAML 1.1/1.2 or Go's strconv (underscores are dropped first there).
const NUMBER_LIKE_RE = /^[-+]?(?:0x[0-9a-f.]*(?:p[-+]?[0-9]*)?|0o[0-7]*|0b[01]*|[0-9.]*(?:e[-+]?[0-9]*)?|\.?(?:inf|infinity|nan))$/i;
// the yaml library's YAML 1.1 float also takes an exponent with no digits before it ("e9")
const EXP_FLOAT_11_RE = /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/;
const TIMESTAMP_RE = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/;
// Words that resolve to null, booleans or specials in YAML 1.1 or 1.2 (any case), plus the 1.1 merge and value keys.
const RESERVED_WORDS = new Set(['', '~', 'null', 'true', 'false', 'y', 'yes', 'n', 'no', 'on', 'off', '<<', '=', '.inf', '-.inf', '+.inf', '.nan', 'inf', 'nan', 'infinity']);

function isPlainSafe(s: string): boolean {
  if (s.length === 0 || s.length > 1024) return false;
  if (UNSAFE_CHAR_RE.test(s) || BAD_START_RE.test(s) || BAD_INNER_RE.test(s)) return false;
  const c = s.charCodeAt(0);
  // '-' alone or "- x" is a sequence entry; "---" / "..." can be document markers
  if (c === 45 /* - */ && (s.length === 1 || s.charCodeAt(1) === 32 || s.startsWith('---'))) return false;
  if (c === 46 /* . */ && s.startsWith('...')) return false;
  if (RESERVED_WORDS.has(s.toLowerCase()) || EXP_FLOAT_11_RE.test(s)) return false;
  if (NUMERIC_START_RE.test(s)) {
    if (s.includes(':') || TIMESTAMP_RE.test(s)) return false;
    if (NUMBER_LIKE_RE.test(s.replace(/_/g, ''))) return false;
  }
  return true;
}

// JSON.stringify leaves these raw; YAML wants them escaped inside double quotes.
const JSON_RAW_UNSAFE_RE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

function quoted(s: string): string {
  const j = JSON.stringify(s);
  return JSON_RAW_UNSAFE_RE.test(j) ? j.replace(JSON_RAW_UNSAFE_RE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) : j;
}

/** A string as a YAML scalar: plain when unambiguous everywhere, else JSON double-quoted (valid YAML). */
export function yamlString(s: string): string {
  let out = seen.get(s);
  if (out === undefined) {
    out = isPlainSafe(s) ? s : quoted(s);
    // manifests repeat the same keys and values thousands of times; bounded so memory stays flat
    if (seen.size >= 65536) seen.clear();
    seen.set(s, out);
  }
  return out;
}
const seen = new Map<string, string>();

class Unsupported extends Error {}

function scalar(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return yamlString(v);
    case 'number':
      if (Number.isFinite(v)) return Object.is(v, -0) ? '-0' : JSON.stringify(v);
      return Number.isNaN(v) ? '.nan' : v < 0 ? '-.inf' : '.inf';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    default:
      if (v === null) return 'null';
      throw new Unsupported();
  }
}

const PADS: string[] = [''];
function pad(n: number): string {
  let p = PADS[n];
  if (p === undefined) {
    p = ' '.repeat(n);
    PADS[n] = p;
  }
  return p;
}

function definedItems(a: readonly unknown[]): unknown[] {
  for (const v of a) if (v === undefined) return a.filter((x) => x !== undefined);
  return a as unknown[];
}

/**
 * A value after `key:` or `- `: scalars and empty collections on the same line, anything else on
 * the following lines. Returns the text from just after the indicator, newline included.
 */
function value(v: unknown, ind: number, inSeq: boolean): string {
  if (v !== null && typeof v === 'object') {
    if (Array.isArray(v)) {
      const items = definedItems(v);
      if (items.length === 0) return ' []\n';
      // a sequence as a sequence item starts on the same line ("- - a")
      return inSeq ? ' ' + seq(items, ind, true) : '\n' + seq(items, ind, false);
    }
    const o = v as Record<string, unknown>;
    const keys = sortedKeys(o, false);
    if (keys.length === 0) return ' {}\n';
    return inSeq ? ' ' + map(o, keys, ind, true) : '\n' + map(o, keys, ind, false);
  }
  return ' ' + scalar(v) + '\n';
}

function map(o: Record<string, unknown>, keys: readonly string[], ind: number, firstInline: boolean): string {
  const p = pad(ind);
  let out = '';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    out += (i === 0 && firstInline ? '' : p) + yamlString(k) + ':' + value(o[k], ind + 2, false);
  }
  return out;
}

function seq(items: readonly unknown[], ind: number, firstInline: boolean): string {
  const p = pad(ind);
  let out = '';
  for (let i = 0; i < items.length; i++) out += (i === 0 && firstInline ? '' : p) + '-' + value(items[i], ind + 2, true);
  return out;
}

function emit(v: unknown): string {
  if (v !== null && typeof v === 'object') {
    if (Array.isArray(v)) {
      const items = definedItems(v);
      return items.length === 0 ? '[]\n' : seq(items, 0, false);
    }
    const o = v as Record<string, unknown>;
    const keys = sortedKeys(o, true);
    return keys.length === 0 ? '{}\n' : map(o, keys, 0, false);
  }
  return scalar(v) + '\n';
}

/**
 * The one YAML serializer used for every file FLARE writes (rendered manifests, status files):
 * canonical key order (as canonicalize), block style with 2-space indentation and sequences
 * indented under their key, no anchors, no line folding, strings plain only when they cannot be
 * read as anything else (YAML 1.1 or 1.2), otherwise double-quoted with JSON escapes.
 * Written directly from the value: no copy, no document model.
 */
export function toYaml(value: unknown): string {
  try {
    return emit(value);
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err;
    // functions and symbols have no JSON form; keep what the yaml library made of them
    return stringify(canonicalize(value), { lineWidth: 0, aliasDuplicateObjects: false, indentSeq: true, sortMapEntries: false });
  }
}

