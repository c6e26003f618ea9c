import { LineCounter, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Node } from 'yaml';

/**
 * A fast reader for the plain subset of YAML that intent, tenant and status files are written in:
 * block mappings and sequences, one-line flow collections, plain and quoted one-line scalars,
 * comments. It builds the same node tree (classes, values, start offsets) the yaml library builds,
 * so every reader and diagnostic downstream is unchanged. Anything outside the subset — and
 * everything the library would report as an error — makes it give up (undefined); the caller then
 * parses with the library, which produces the diagnostics. Giving up is always safe, so the subset
 * is deliberately narrow.
 */
interface FastParsed {
  root: Node;
  lineCounter: LineCounter;
}

// Characters whose handling differs between YAML readers or that the library may reject.
const UNSUPPORTED_CHARS = /[\t\r\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/;
const KEY_RE = /[A-Za-z_][A-Za-z0-9_.\/-]*/y;
const RESERVED_KEYS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE']);
const INT_RE = /^[-+]?[0-9]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
const EXP_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
// Core-schema forms this reader leaves to the library (rare in intents).
const OTHER_SPECIAL_RE = /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;

// Past this the library (after the caller's depth check) handles it; recursion stays shallow here.
const MAX_DEPTH = 100;

class GiveUp {}
const GIVE_UP = new GiveUp();

interface Line {
  ind: number;
  /** Offset of the first non-space character. */
  start: number;
  /** Offset of the line end (the '\n' or the end of text). */
  end: number;
}

function isIndicator(c: number): boolean {
  // - ? : , [ ] { } # & * ! | > ' " % @ `
  switch (c) {
    case 45: case 63: case 58: case 44: case 91: case 93: case 123: case 125: case 35:
    case 38: case 42: case 33: case 124: case 62: case 39: case 34: case 37: case 64: case 96:
      return true;
    default:
      return false;
  }
}

function isFlowIndicator(c: number): boolean {
  return c === 44 || c === 91 || c === 93 || c === 123 || c === 125;
}

class Reader {
  private idx = 0;
  private depth = 0;
  constructor(
    private readonly text: string,
    private readonly lines: Line[],
  ) {}

  run(): Node {
    const first = this.lines[0];
    if (!first || first.ind !== 0) throw GIVE_UP;
    const root = this.block(0);
    if (this.idx !== this.lines.length) throw GIVE_UP;
    return root;
  }

  private isSeqEntry(l: Line): boolean {
    return this.text.charCodeAt(l.start) === DASH && (l.start + 1 === l.end || this.text.charCodeAt(l.start + 1) === SPACE);
  }

  /** The key at `p` when the line is `key:` or `key: ...`; its end offset, else -1. */
  private keyEnd(p: number, end: number): number {
    KEY_RE.lastIndex = p;
    if (!KEY_RE.test(this.text)) return -1;
    const e = KEY_RE.lastIndex;
    if (e >= end || this.text.charCodeAt(e) !== COLON) return -1;
    if (e + 1 < end && this.text.charCodeAt(e + 1) !== SPACE) return -1;
    return e;
  }

  private block(n: number): Node {
    const l = this.lines[this.idx]!;
    if (++this.depth > MAX_DEPTH) throw GIVE_UP;
    try {
      return this.isSeqEntry(l) ? this.seq(n) : this.map(n);
    } finally {
      this.depth--;
    }
  }

  private keyNode(p: number, e: number, seen: Set<string>): Scalar {
    const key = this.text.slice(p, e);
    if (e - p > 1000 || RESERVED_KEYS.has(key) || seen.has(key)) throw GIVE_UP;
    seen.add(key);
    const k = new Scalar(key);
    k.range = [p, e, e];
    (k as Scalar & { source: string }).source = key;
    k.type = 'PLAIN';
    return k;
  }

  private map(n: number): YAMLMap {
    const text = this.text;
    const lines = this.lines;
    const map = new YAMLMap();
    const seen = new Set<string>();
    let first = -1;
    while (this.idx < lines.length) {
      const l = lines[this.idx]!;
      if (l.ind < n) break;
      if (l.ind > n || this.isSeqEntry(l)) throw GIVE_UP;
      const e = this.keyEnd(l.start, l.end);
      if (e < 0) throw GIVE_UP;
      if (first < 0) first = l.start;
      const key = this.keyNode(l.start, e, seen);
      let p = e + 1;
      while (p < l.end && text.charCodeAt(p) === SPACE) p++;
      let value: Node;
      if (p === l.end || text.charCodeAt(p) === HASH) {
        // the value is the block on the following lines: deeper, or a sequence at this indent
        this.idx++;
        const next = lines[this.idx];
        if (!next) throw GIVE_UP;
        if (next.ind > n) value = this.block(next.ind);
        else if (next.ind === n && this.isSeqEntry(next)) value = this.seq(n);
        else throw GIVE_UP;
      } else {
        value = this.inline(l, p);
        this.idx++;
      }
      map.items.push(new Pair(key, value));
    }
    map.range = [first, first, first];
    return map;
  }

  private seq(n: number): YAMLSeq {
    const text = this.text;
    const lines = this.lines;
    const seq = new YAMLSeq();
    const first = lines[this.idx]!.start;
    while (this.idx < lines.length) {
      const l = lines[this.idx]!;
      if (l.ind < n) break;
      if (l.ind > n) throw GIVE_UP;
      // a mapping that goes on at this indent (`key:` then `- item` lines at the same indent)
      if (!this.isSeqEntry(l)) break;
      let p = l.start + 1;
      while (p < l.end && text.charCodeAt(p) === SPACE) p++;
      if (p === l.end || text.charCodeAt(p) === HASH) throw GIVE_UP;
      const m = l.ind + (p - l.start);
      let item: Node;
      const c = text.charCodeAt(p);
      if ((c === DASH && (p + 1 === l.end || text.charCodeAt(p + 1) === SPACE)) || this.keyEnd(p, l.end) >= 0) {
        // "- key: v" / "- - x": the rest of the line opens a block at its own column
        lines[this.idx] = { ind: m, start: p, end: l.end };
        item = this.block(m);
      } else {
        item = this.inline(l, p);
        this.idx++;
      }
      seq.items.push(item);
    }
    seq.range = [first, first, first];
    return seq;
  }

  /** A value that starts at `p` and ends on this line (an optional comment may follow). */
  private inline(l: Line, p: number): Node {
    const text = this.text;
    const c = text.charCodeAt(p);
    let node: Node;
    let q: number;
    if (c === 34 || c === 39) {
      [node, q] = this.quoted(p, l.end);
    } else if (c === 91 || c === 123) {
      [node, q] = this.flow(p, l.end);
    } else {
      if (isIndicator(c) && !(c === DASH && p + 1 < l.end && text.charCodeAt(p + 1) !== SPACE)) throw GIVE_UP;
      // a comment starts at " #"
      let e = p + 1;
      while (e < l.end && !(text.charCodeAt(e) === HASH && text.charCodeAt(e - 1) === SPACE)) e++;
      while (e > p && text.charCodeAt(e - 1) === SPACE) e--;
      const s = text.slice(p, e);
      if (s.includes(': ') || s.charCodeAt(s.length - 1) === COLON) throw GIVE_UP;
      return plain(s, p, e);
    }
    while (q < l.end && text.charCodeAt(q) === SPACE) q++;
    if (q < l.end && !(text.charCodeAt(q) === HASH && text.charCodeAt(q - 1) === SPACE)) throw GIVE_UP;
    return node;
  }

  private quoted(p: number, end: number): [Scalar, number] {
    const text = this.text;
    const dq = text.charCodeAt(p) === 34;
    let out = '';
    let i = p + 1;
    let from = i;
    for (;;) {
      if (i >= end) throw GIVE_UP;
      const c = text.charCodeAt(i);
      if (dq) {
        if (c === 34) break;
        if (c === 92) {
          out += text.slice(from, i);
          const esc = text[i + 1];
          switch (esc) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case '0': out += '\0'; break;
            default: throw GIVE_UP;
          }
          i += 2;
          from = i;
          continue;
        }
      } else if (c === 39) {
        if (text.charCodeAt(i + 1) !== 39 || i + 1 >= end) break;
        out += text.slice(from, i + 1);
        i += 2;
        from = i;
        continue;
      }
      i++;
    }
    out += text.slice(from, i);
    const s = new Scalar(out);
    s.range = [p, i + 1, i + 1];
    (s as Scalar & { source: string }).source = out;
    s.type = dq ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE';
    return [s, i + 1];
  }

  private flow(p: number, end: number): [Node, number] {
    if (++this.depth > MAX_DEPTH) throw GIVE_UP;
    try {
      return this.flowCollection(p, end);
    } finally {
      this.depth--;
    }
  }

  private flowCollection(p: number, end: number): [Node, number] {
    const text = this.text;
    const isMap = text.charCodeAt(p) === 123;
    const close = isMap ? 125 : 93;
    const coll = isMap ? new YAMLMap() : new YAMLSeq();
    coll.flow = true;
    const seen = new Set<string>();
    let i = p + 1;
    const skip = () => {
      while (i < end && text.charCodeAt(i) === SPACE) i++;
    };
    skip();
    if (text.charCodeAt(i) === close) {
      coll.range = [p, i + 1, i + 1];
      return [coll, i + 1];
    }
    for (;;) {
      if (i >= end) throw GIVE_UP;
      if (isMap) {
        const e = this.keyEnd(i, end);
        if (e < 0 || e + 1 >= end) throw GIVE_UP;
        const key = this.keyNode(i, e, seen);
        i = e + 1;
        skip();
        const value = this.flowValue(i, end);
        i = value[1];
        (coll as YAMLMap).items.push(new Pair(key, value[0]));
      } else {
        const value = this.flowValue(i, end);
        i = value[1];
        (coll as YAMLSeq).items.push(value[0]);
      }
      skip();
      const c = text.charCodeAt(i);
      if (c === close) break;
      if (c !== 44 || i >= end) throw GIVE_UP;
      i++;
      skip();
      if (text.charCodeAt(i) === close) throw GIVE_UP; // trailing comma
    }
    coll.range = [p, i + 1, i + 1];
    return [coll, i + 1];
  }

  private flowValue(p: number, end: number): [Node, number] {
    const text = this.text;
    if (p >= end) throw GIVE_UP;
    const c = text.charCodeAt(p);
    if (c === 34 || c === 39) return this.quoted(p, end);
    if (c === 91 || c === 123) return this.flow(p, end);
    if (isIndicator(c) && !(c === DASH && p + 1 < end && text.charCodeAt(p + 1) !== SPACE && !isFlowIndicator(text.charCodeAt(p + 1)))) throw GIVE_UP;
    let i = p;
    while (i < end) {
      const d = text.charCodeAt(i);
      if (d === COLON || d === HASH || d === 91 || d === 123) throw GIVE_UP;
      if (d === 44 || d === 93 || d === 125) break;
      i++;
    }
    let e = i;
    while (e > p && text.charCodeAt(e - 1) === SPACE) e--;
    if (e === p) throw GIVE_UP;
    return [plain(text.slice(p, e), p, e), i];
  }
}

/** A plain scalar resolved as the yaml library's core schema does. */
function plain(s: string, p: number, e: number): Scalar {
  let v: unknown = s;
  const c = s.charCodeAt(0);
  // only scalars starting with one of these characters can be anything but a string
  if (c === 126 || c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70 || c === 43 || c === 45 || c === 46 || (c >= 48 && c <= 57)) {
    if (s === '~' || s === 'null' || s === 'Null' || s === 'NULL') v = null;
    else if (s === 'true' || s === 'True' || s === 'TRUE') v = true;
    else if (s === 'false' || s === 'False' || s === 'FALSE') v = false;
    else if (INT_RE.test(s)) v = parseInt(s, 10);
    else if (FLOAT_RE.test(s) || EXP_RE.test(s)) v = parseFloat(s);
    else if (OTHER_SPECIAL_RE.test(s)) throw GIVE_UP;
  }
  const node = new Scalar(v);
  node.range = [p, e, e];
  (node as Scalar & { source: string }).source = s;
  node.type = 'PLAIN';
  return node;
}

/** The node tree of `text` when it is in the subset this reader handles; undefined otherwise. */
export function fastParseYaml(text: string): FastParsed | undefined {
  if (UNSUPPORTED_CHARS.test(text)) return undefined;
  const lineCounter = new LineCounter();
  const lines: Line[] = [];
  const len = text.length;
  let start = 0;
  while (start <= len) {
    lineCounter.addNewLine(start);
    let end = text.indexOf('\n', start);
    if (end < 0) end = len;
    let p = start;
    while (p < end && text.charCodeAt(p) === SPACE) p++;
    if (p < end && text.charCodeAt(p) !== HASH) lines.push({ ind: p - start, start: p, end });
    if (end === len) break;
    start = end + 1;
  }
  try {
    return { root: new Reader(text, lines).run(), lineCounter };
  } catch (err) {
    if (err === GIVE_UP) return undefined;
    throw err;
  }
}
