import { own } from '../util/own.js';
import { Document, LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node, Pair, Scalar } from 'yaml';
import type { Diagnostic, Severity } from '../diagnostics.js';
import { hintFor } from '../util/did-you-mean.js';
import { isQuantity } from '../util/quantity.js';
import { parseDuration } from '../util/quantity.js';
import { fastParseYaml } from './fast-yaml-reader.js';
import { findTooDeep } from '../util/nesting-depth.js';

/**
 * Bounds on untrusted input. A file over maxFileBytes is not parsed at all; alias expansion is
 * capped so a "billion laughs" document is rejected before anything walks it.
 */
export const LIMITS = {
  maxFileBytes: 256 * 1024,
  maxStringLength: 16 * 1024,
  maxItems: 1000,
  maxAliasCount: 100,
  maxIntentFiles: 20_000,
  maxFiles: 50_000,
  /** Nesting levels (mappings, lists, flow brackets); the parsers and readers recurse per level. */
  maxDepth: 64,
} as const;

/** A value inside a document with the dotted path and nodes needed to place a diagnostic. */
export interface Val {
  node: Node | null;
  path: string;
  /** The key node of the pair holding this value, when it came from a map. */
  key?: Node | null;
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

const YAML_CODES: Record<string, string> = {
  DUPLICATE_KEY: 'duplicate-key',
  MULTIPLE_DOCS: 'multiple-documents',
};

const PLACEHOLDER_RE = /^<[^<>\n]{1,80}>$/;

function isPlaceholder(s: string): boolean {
  return PLACEHOLDER_RE.test(s.trim());
}

function describe(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'an object';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'nothing';
    if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
    if (typeof v === 'number') return `the number ${v}`;
    if (typeof v === 'boolean') return `the boolean ${v}`;
  }
  return 'an unsupported value';
}

interface StrOpts {
  pattern?: RegExp;
  /** What the pattern means, for the message ("a DNS-1123 label"). */
  patternName?: string;
  hint?: string;
  /** Newlines allowed (commands, free text). */
  multiline?: boolean;
  max?: number;
  /** Accept numbers and booleans and use their text (YAML users write `cpu: 8`). */
  coerce?: boolean;
}

interface NumOpts {
  min?: number;
  max?: number;
  integer?: boolean;
}

/** Fields of a mapping, keyed by canonical name once aliases are resolved. */
export class Fields {
  constructor(
    readonly val: Val,
    readonly values: Map<string, Val>,
  ) {}
  get(name: string): Val | undefined {
    return this.values.get(name);
  }
  has(name: string): boolean {
    return this.values.has(name);
  }
}

/**
 * Walks one parsed YAML/JSON document and records diagnostics with 1-based line/column.
 * The typed readers return undefined after recording an error, so callers read on and every
 * problem of the file is reported in one run.
 */
export class DocReader {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    readonly file: string,
    readonly doc: Document | undefined,
    readonly lineCounter: LineCounter,
  ) {}

  position(node: Node | null | undefined): { line: number; column: number } {
    const off = node?.range?.[0];
    if (off === undefined) return { line: 1, column: 1 };
    const p = this.lineCounter.linePos(off);
    return { line: p.line, column: p.col };
  }

  report(severity: Severity, at: Node | null | undefined, path: string, code: string, message: string, hint?: string): void {
    const { line, column } = this.position(at);
    const d: Diagnostic = { severity, file: this.file, line, column, path, message, code };
    if (hint !== undefined) d.hint = hint;
    this.diagnostics.push(d);
  }

  error(v: Val, code: string, message: string, hint?: string): void {
    this.report('error', v.node ?? v.key, v.path, code, message, hint);
  }
  warn(v: Val, code: string, message: string, hint?: string): void {
    this.report('warning', v.node ?? v.key, v.path, code, message, hint);
  }
  info(v: Val, code: string, message: string, hint?: string): void {
    this.report('info', v.node ?? v.key, v.path, code, message, hint);
  }
  /** At the key (`field:`), for problems about the field rather than its value. */
  errorAtKey(v: Val, code: string, message: string, hint?: string): void {
    this.report('error', v.key ?? v.node, v.path, code, message, hint);
  }

  private resolve(node: Node | null | undefined): Node | null {
    if (node && isAlias(node) && this.doc) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return node ?? null;
  }

  isNull(v: Val): boolean {
    return v.node === null || (isScalar(v.node) && v.node.value === null);
  }

  /**
   * Reads a mapping; unknown keys are errors with a did-you-mean among the known names and
   * aliases. `aliases` maps an alias to its canonical name; giving both is an error.
   */
  map(v: Val, known: readonly string[], aliases: Record<string, string> = {}): Fields | undefined {
    if (!v.node || !isMap(v.node)) {
      this.error(v, 'wrong-type', `expected an object, got ${describe(v.node)}`);
      return undefined;
    }
    const values = new Map<string, Val>();
    const seenAs = new Map<string, string>();
    const candidates = [...known, ...Object.keys(aliases)];
    for (const pair of v.node.items as Pair<Node | null, Node | null>[]) {
      const keyNode = pair.key;
      const keyVal = keyNode && isScalar(keyNode) ? keyNode.value : undefined;
      if (typeof keyVal !== 'string') {
        this.report('error', keyNode, v.path, 'bad-key', `keys must be strings, got ${describe(keyNode)}`);
        continue;
      }
      const canonical = own(aliases, keyVal) ?? keyVal;
      const path = childPath(v.path, keyVal);
      if (!known.includes(canonical)) {
        const hint = isPlaceholder(keyVal)
          ? 'this looks like a template placeholder; replace it with a real field name'
          : hintFor(keyVal, candidates) ?? `known fields: ${known.join(', ')}`;
        this.report('error', keyNode, path, 'unknown-field', 'unknown field', hint);
        continue;
      }
      const prior = seenAs.get(canonical);
      if (prior !== undefined) {
        this.report('error', keyNode, path, 'duplicate-field', `"${keyVal}" and "${prior}" are the same field; give it once`);
        continue;
      }
      seenAs.set(canonical, keyVal);
      const valNode = this.resolve(pair.value);
      values.set(canonical, { node: valNode, path, key: keyNode });
    }
    return new Fields(v, values);
  }

  /** A required field: reports `missing-field` at the parent's key when absent or null. */
  need(f: Fields, name: string, hint?: string): Val | undefined {
    const v = f.get(name);
    if (!v || this.isNull(v)) {
      const at: Val = v ?? { node: f.val.key ?? f.val.node, path: childPath(f.val.path, name) };
      this.report('error', v?.key ?? f.val.key ?? f.val.node, at.path, 'missing-field', `required field "${name}" is missing`, hint);
      return undefined;
    }
    return v;
  }

  /** An optional field; null counts as absent. */
  opt(f: Fields, name: string): Val | undefined {
    const v = f.get(name);
    return !v || this.isNull(v) ? undefined : v;
  }

  list(v: Val, opts: { min?: number; max?: number } = {}): Val[] | undefined {
    if (!v.node || !isSeq(v.node)) {
      this.error(v, 'wrong-type', `expected a list, got ${describe(v.node)}`);
      return undefined;
    }
    const items = v.node.items as (Node | null)[];
    const max = opts.max ?? LIMITS.maxItems;
    if (items.length > max) {
      this.error(v, 'too-many-items', `at most ${max} items allowed, got ${items.length}`);
      return undefined;
    }
    if (opts.min !== undefined && items.length < opts.min) {
      this.error(v, 'too-few-items', `at least ${opts.min} item${opts.min === 1 ? '' : 's'} required`);
      return undefined;
    }
    return items.map((n, i) => ({ node: this.resolve(n), path: childPath(v.path, i) }));
  }

  str(v: Val, opts: StrOpts = {}): string | undefined {
    const node = v.node;
    let s: string;
    if (node && isScalar(node) && typeof node.value === 'string') s = node.value;
    else if (opts.coerce && node && isScalar(node) && (typeof node.value === 'number' || typeof node.value === 'boolean'))
      s = sourceText(node);
    else {
      this.error(v, 'wrong-type', `expected a string, got ${describe(node)}`, opts.hint);
      return undefined;
    }
    const max = opts.max ?? LIMITS.maxStringLength;
    if (s.length > max) {
      this.error(v, 'string-too-long', `at most ${max} characters allowed, got ${s.length}`);
      return undefined;
    }
    if (!opts.multiline && /[\r\n]/.test(s)) {
      this.error(v, 'multiline-value', 'must be a single line (the value contains a line break)', opts.hint);
      return undefined;
    }
    if (s.includes('\0')) {
      this.error(v, 'bad-character', 'must not contain NUL characters');
      return undefined;
    }
    if (opts.pattern && !opts.pattern.test(s)) {
      if (isPlaceholder(s)) {
        this.error(v, 'placeholder', `${JSON.stringify(s)} is a template placeholder, not a value`, opts.hint);
      } else {
        this.error(v, 'bad-format', `${JSON.stringify(s)} is not ${opts.patternName ?? 'valid'}`, opts.hint);
      }
      return undefined;
    }
    return s;
  }

  num(v: Val, opts: NumOpts = {}): number | undefined {
    const node = v.node;
    if (!node || !isScalar(node) || typeof node.value !== 'number' || !Number.isFinite(node.value)) {
      const s = node && isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
      const hint = s !== undefined && /^-?\d+(\.\d+)?$/.test(s.trim()) ? `write ${s.trim()} without quotes` : undefined;
      this.error(v, 'wrong-type', `expected ${opts.integer ? 'an integer' : 'a number'}, got ${describe(node)}`, hint);
      return undefined;
    }
    const n = node.value;
    if (opts.integer && !Number.isInteger(n)) {
      this.error(v, 'wrong-type', `expected an integer, got ${n}`);
      return undefined;
    }
    if (opts.min !== undefined && n < opts.min) {
      this.error(v, 'out-of-range', `must be ≥ ${opts.min}, got ${n}`);
      return undefined;
    }
    if (opts.max !== undefined && n > opts.max) {
      this.error(v, 'out-of-range', `must be ≤ ${opts.max}, got ${n}`);
      return undefined;
    }
    return n;
  }

  int(v: Val, opts: Omit<NumOpts, 'integer'> = {}): number | undefined {
    return this.num(v, { ...opts, integer: true });
  }

  bool(v: Val): boolean | undefined {
    const node = v.node;
    if (node && isScalar(node) && typeof node.value === 'boolean') return node.value;
    const s = node && isScalar(node) && typeof node.value === 'string' ? node.value.trim().toLowerCase() : undefined;
    const hint = s === 'true' || s === 'yes' || s === 'on' ? 'write true without quotes' : s === 'false' || s === 'no' || s === 'off' ? 'write false without quotes' : 'use true or false';
    this.error(v, 'wrong-type', `expected a boolean, got ${describe(node)}`, hint);
    return undefined;
  }

  /** One of `values`; `caseInsensitive` returns the canonical spelling. */
  enumOf<T extends string>(v: Val, values: readonly T[], opts: { caseInsensitive?: boolean } = {}): T | undefined {
    const node = v.node;
    const s = node && isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number') ? String(node.value) : undefined;
    if (s === undefined) {
      this.error(v, 'wrong-type', `expected one of ${values.join(', ')}, got ${describe(node)}`);
      return undefined;
    }
    const found = values.find((x) => (opts.caseInsensitive ? x.toLowerCase() === s.toLowerCase() : x === s));
    if (found !== undefined) return found;
    const shown = s.length > 60 ? s.slice(0, 60) + '…' : s;
    if (isPlaceholder(s)) {
      this.error(v, 'placeholder', `${JSON.stringify(shown)} is a template placeholder; it must be one of ${values.join(', ')}`, `replace it with one of the allowed values, e.g. "${values[0]}"`);
      return undefined;
    }
    this.error(v, 'bad-enum', `${JSON.stringify(shown)} is not one of ${values.join(', ')}`, hintFor(s, values));
    return undefined;
  }

  /** A Kubernetes quantity ("8", "500m", "32Gi"); numbers are accepted and kept as their text. */
  quantity(v: Val, example = '"32Gi"'): string | undefined {
    const s = this.str(v, { coerce: true, max: 64 });
    if (s === undefined) return undefined;
    if (!isQuantity(s.trim())) {
      this.error(v, 'bad-quantity', `${JSON.stringify(s)} is not a quantity`, `use a Kubernetes quantity such as ${example}`);
      return undefined;
    }
    return s.trim();
  }

  /** A duration ("2h", "30m", "1h30m") → seconds; a bare number is seconds. */
  duration(v: Val): number | undefined {
    const node = v.node;
    if (node && isScalar(node) && typeof node.value === 'number' && Number.isFinite(node.value) && node.value >= 0) return node.value;
    const s = this.str(v, { max: 64 });
    if (s === undefined) return undefined;
    const secs = parseDuration(s);
    if (secs === undefined) {
      this.error(v, 'bad-duration', `${JSON.stringify(s)} is not a duration`, 'use a number with a unit: 30s, 15m, 2h, 1h30m, 1d');
      return undefined;
    }
    return secs;
  }
}

function sourceText(node: Scalar): string {
  const src = (node as Scalar & { source?: string }).source;
  return typeof src === 'string' && src.length > 0 ? src : String(node.value);
}

interface LoadedDoc {
  reader: DocReader;
  /** The root value; undefined when the file could not be parsed. */
  root?: Val;
}

interface LoadDocumentOptions {
  /** Always parse with the yaml library (tests compare it with the fast reader). */
  library?: boolean;
}

/**
 * Parses YAML (and JSON, which is YAML) with duplicate keys as errors, a single document per
 * file, no custom tags, and alias expansion bounded. Syntax problems become diagnostics.
 */
export function loadDocument(text: string, file: string, opts: LoadDocumentOptions = {}): LoadedDoc {
  const lc = new LineCounter();
  // a string's UTF-8 length is at least its UTF-16 length and at most 3×: skip the count when it cannot matter
  const bytes = text.length * 3 <= LIMITS.maxFileBytes ? text.length : Buffer.byteLength(text, 'utf8');
  if (bytes > LIMITS.maxFileBytes) {
    const reader = new DocReader(file, undefined, lc);
    reader.report('error', undefined, '', 'file-too-large', `file is ${bytes} bytes; the limit is ${LIMITS.maxFileBytes} bytes (256 KiB)`, 'split it or shorten it');
    return { reader };
  }
  const deep = findTooDeep(text, LIMITS.maxDepth);
  if (deep) {
    const reader = new DocReader(file, undefined, lc);
    reader.diagnostics.push({ severity: 'error', file, line: deep.line, column: deep.column, path: '', code: 'too-deep', message: `nested more than ${LIMITS.maxDepth} levels deep`, hint: 'flatten the document; intents, tenants and status files need a few levels' });
    return { reader };
  }
  // Plain files (nearly all of them) take the fast reader, which builds the same nodes; anything
  // else, and every file with a problem, goes through the yaml library below for its diagnostics.
  const fast = opts.library ? undefined : fastParseYaml(text);
  if (fast) return { reader: new DocReader(file, undefined, fast.lineCounter), root: { node: fast.root, path: '' } };
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, strict: true, maxAliasCount: LIMITS.maxAliasCount } as Parameters<typeof parseDocument>[1]);
  } catch (err) {
    // e.g. a stack overflow on absurdly deep nesting: still a diagnostic, never a crash
    const reader = new DocReader(file, undefined, lc);
    reader.report('error', undefined, '', 'yaml-syntax', `YAML could not be parsed: ${String((err as Error).message ?? err).split('\n')[0]}`);
    return { reader };
  }
  const reader = new DocReader(file, doc, lc);
  for (const e of doc.errors) {
    const p = lc.linePos(e.pos[0]);
    const code = own(YAML_CODES, e.code) ?? 'yaml-syntax';
    const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const hint =
      e.code === 'MULTIPLE_DOCS'
        ? 'one intent per file: remove the "---" separator and move the second document to its own file'
        : e.code === 'DUPLICATE_KEY'
          ? 'remove one of the two entries'
          : undefined;
    const d: Diagnostic = { severity: 'error', file, line: p.line, column: p.col, path: '', message: code === 'yaml-syntax' ? `YAML syntax error: ${message}` : message, code };
    if (hint) d.hint = hint;
    reader.diagnostics.push(d);
  }
  if (doc.errors.length) return { reader };
  try {
    doc.toJS({ maxAliasCount: LIMITS.maxAliasCount });
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    const bomb = /alias/i.test(msg) && /excessive|count/i.test(msg);
    reader.report('error', undefined, '', bomb ? 'alias-bomb' : 'yaml-alias', bomb ? `too many alias expansions (limit ${LIMITS.maxAliasCount})` : `YAML error: ${msg.split('\n')[0]}`, bomb ? 'do not use YAML anchors to repeat large blocks' : undefined);
    return { reader };
  }
  const tagged = findTag(doc.contents as Node | null);
  if (tagged) {
    reader.report('error', tagged, '', 'yaml-tag', `YAML tags are not supported (found ${tagged.tag})`, 'remove the tag; write the plain value');
    return { reader };
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    reader.report('error', undefined, '', 'empty-file', 'the file is empty');
    return { reader };
  }
  return { reader, root: { node: doc.contents as Node, path: '' } };
}

function findTag(node: Node | null, depth = 0): Node | undefined {
  if (!node || depth > 64) return undefined;
  if (node.tag && !['tag:yaml.org,2002:str', 'tag:yaml.org,2002:int', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:bool', 'tag:yaml.org,2002:null', 'tag:yaml.org,2002:map', 'tag:yaml.org,2002:seq'].includes(node.tag)) return node;
  if (isMap(node)) {
    for (const p of node.items) {
      const r = findTag(p.key as Node | null, depth + 1) ?? findTag(p.value as Node | null, depth + 1);
      if (r) return r;
    }
  } else if (isSeq(node)) {
    for (const i of node.items) {
      const r = findTag(i as Node | null, depth + 1);
      if (r) return r;
    }
  }
  return undefined;
}
