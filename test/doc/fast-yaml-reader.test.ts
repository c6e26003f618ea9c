import { readdirSync, readFileSync, statSync } from 'node:fs';
import { seededRandom } from '../../src/sandbox/api/faults.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import { describe, expect, test } from 'vitest';
import { fastParseYaml } from '../../src/doc/fast-yaml-reader.js';
import { intentYaml, statusYaml, tenantYaml } from '../../src/repo/synthetic.js';
import { loadDocument } from '../../src/doc/yaml-reader.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function walk(dir: string, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ya?ml|json)$/.test(n)) out.push(p);
  }
  return out;
}

/** Deterministic PRNG (the sandbox's fault-injection one) so a failure is reproducible from its seed. */
const rng = seededRandom;

const corpus: string[] = [
  ...['test/fixtures', 'intents', 'tenants', 'status', 'flare.yaml'].flatMap((d) => {
    const p = path.join(repoRoot, d);
    return d.endsWith('.yaml') ? [p] : walk(p);
  }).map((f) => readFileSync(f, 'utf8')),
  ...Array.from({ length: 60 }, (_, n) => intentYaml(n)),
  ...Array.from({ length: 30 }, (_, n) => statusYaml('t01', n)).filter((s): s is string => s !== undefined),
  tenantYaml('t00'),
  'a: 1\nb:\n- x\n- y: 2\n  z: [1, "two", \'three\', {k: v}]\nc: {}\nd: []\n',
  'list:\n  - - a\n    - b\n  - c # comment\n# end\n',
  'k: v\n    # deeper comment\nl: w\n',
  'k: "a \\"q\\" \\\\ \\n"\nl: \'it\'\'s\'\nm: -5\nn: +1.5e3\nq: ~\nr: Null\ns: TRUE\nt: 1.\nu: "#x"\nv: -0\nw: 1e-3\nx: .5\ny: 007\n',
  'o: 0x1F\np: .inf\n',
];

const MUTATIONS = [' ', '\n', '#', ':', ': ', '- ', '"', "'", '[', ']', '{', '}', ',', '&a ', '*a', '!t ', '|', '>', '  ', '\t', 'x', '0', '---\n', '? ', '%', '@', '\\', '  - z\n', 'k: v\n', 'a: b: c'];

function mutate(text: string, r: () => number): string {
  const pos = Math.floor(r() * (text.length + 1));
  const op = r();
  if (op < 0.3) return text.slice(0, pos) + text.slice(pos + 1 + Math.floor(r() * 3));
  if (op < 0.4) {
    // duplicate a line
    const lines = text.split('\n');
    const i = Math.floor(r() * lines.length);
    lines.splice(i, 0, lines[i]!);
    return lines.join('\n');
  }
  return text.slice(0, pos) + MUTATIONS[Math.floor(r() * MUTATIONS.length)]! + text.slice(pos);
}

/** Node kinds, values, sources, styles and start offsets (hence line/column), as one string to compare. */
function shape(n: Node | null): string {
  if (n === null) return 'null';
  const at = `@${n.range?.[0]}`;
  if (isScalar(n)) {
    const v = n.value;
    const shown = typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : JSON.stringify(v);
    return `S${at}:${typeof v}:${shown}:${JSON.stringify((n as unknown as { source: unknown }).source)}:${n.type}:${n.tag ?? ''}`;
  }
  if (isMap(n)) return `M${at}${n.flow ? 'f' : ''}{${n.items.map((p) => `${shape(p.key as Node)}=${shape(p.value as Node | null)}`).join(',')}}`;
  if (isSeq(n)) return `Q${at}${n.flow ? 'f' : ''}[${n.items.map((x) => shape(x as Node)).join(',')}]`;
  return `?${at}`;
}

function expectSameTree(a: Node | null, b: Node | null, where: string): void {
  expect(shape(a), where).toBe(shape(b));
}

function library(text: string) {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, strict: true });
  return { doc, lc };
}

describe('fastParseYaml', () => {
  test('builds the same tree as the yaml library wherever it accepts a file, and gives up on everything else', () => {
    const r = rng(7);
    let accepted = 0;
    let checked = 0;
    for (const base of corpus) {
      const variants = [base, ...Array.from({ length: 12 }, () => mutate(base, r))];
      for (let i = 0; i < 6; i++) variants.push(mutate(mutate(base, r), r));
      for (const text of variants) {
        checked++;
        const fast = fastParseYaml(text);
        if (!fast) continue;
        accepted++;
        const { doc, lc } = library(text);
        // the fast reader must never accept a file the library rejects or reads differently
        expect(doc.errors.map((e) => e.message), text).toEqual([]);
        expect(doc.contents && (doc.contents as Node).tag, text).toBeFalsy();
        expectSameTree(fast.root, doc.contents as Node, text);
        for (const off of [0, Math.floor(text.length / 2), text.length - 1]) expect(fast.lineCounter.linePos(off)).toEqual(lc.linePos(off));
        expect(fast.root.toJSON()).toEqual(doc.toJS());
      }
    }
    // the comparison is meaningful only if the fast path takes a good share of the files
    if (process.env.FAST_YAML_STATS) console.log({ accepted, checked });
    expect(accepted).toBeGreaterThan(checked / 4);
  });

  test('gives up on constructs outside its subset', () => {
    for (const text of ['', '# only a comment\n', 'a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: |\n  x\n', 'a: b\n  c\n', 'a: 1\na: 2\n', '--- \na: 1\n', '{"a": 1}\n', 'a:\n', 'a: [1,\n 2]\n', 'a:\tb\n', 'x\n', ' a: 1\n', 'a: b: c\n', 'true: 1\n', 'a: "x\n'])
      expect(fastParseYaml(text), JSON.stringify(text)).toBeUndefined();
  });

  test('intent diagnostics are identical with and without the fast reader', () => {
    const r = rng(11);
    for (let n = 0; n < 200; n++) {
      const text = n % 2 ? mutate(intentYaml(n), r) : intentYaml(n);
      const viaFast = loadDocument(text, 'x.yaml');
      const viaLib = loadDocument(text, 'x.yaml', { library: true });
      expect(viaFast.reader.diagnostics).toEqual(viaLib.reader.diagnostics);
      expect(Boolean(viaFast.root)).toBe(Boolean(viaLib.root));
      if (viaFast.root && viaLib.root) expectSameTree(viaFast.root.node, viaLib.root.node, text);
    }
  });
});
