import { parse, parseDocument } from 'yaml';
import { seededRandom } from '../../src/sandbox/api/faults.js';
import { describe, expect, test } from 'vitest';
import { canonicalize, toYaml, yamlString } from '../../src/k8s/serialize.js';

/** Deterministic PRNG (the sandbox's fault-injection one) so a failure is reproducible from its seed. */
const rng = seededRandom;

// Strings that YAML 1.1 or 1.2 would read as something else, or that break structure.
const NASTY = [
  '', ' ', 'a ', ' a', 'true', 'True', 'TRUE', 'false', 'yes', 'Yes', 'no', 'NO', 'on', 'Off', 'y', 'N', '~', 'null', 'Null', 'NULL',
  '1', '-1', '+1', '1.5', '.5', '-.5', '1e3', '1E-3', '0x1F', '0o17', '017', '0b101', '1_000', '12:30', '190:20:30', '2024-01-01', '2024-1-1 10:00',
  '.inf', '-.Inf', '.NaN', 'inf', 'NaN', 'Infinity', '-', '--', '---', '--- a', '...', '-x', '--id=5', '- x', '?', '? x', ':', ':x', 'a:', 'a: b', 'a:b',
  'a #b', 'a#b', '#a', '&a', '*a', '!a', '!!str', '|', '>', "'a'", '"a"', "it's", 'say "hi"', '%YAML', '@a', '`a`', '[a]', '{a: 1}', 'a,b', 'a\nb', 'a\n', '\n',
  'tab\there', 'nul\u0000', 'bell\u0007', 'del\u007f', 'nel\u0085', 'ls\u2028', 'bom\ufeff', 'caf\u00e9', '\u00e9t\u00e9', 'emoji \ud83d\ude00', 'lone \ud800',
  '<<', '=', '32Gi', '500m', '8', '1.2.3', 'v1', 'nvidia-h100', 'registry.example.com/app:1', 'http://x', 'a: ', 'x\r\ny', '\\', 'back\\slash', '0.0.0.0/0', '+', '.', '..',
  '1e', '0x', '0xg', '1__0', '-0', '+.5e+3',
];
const ALPHABET = 'ab- :#\'"\n\t\\.0123456789eExX+_~{}[],&*!|>%@`?\u00e9\u2028\u0085\u0000\ud83d\ude00';

function randomString(r: () => number): string {
  if (r() < 0.5) return NASTY[Math.floor(r() * NASTY.length)]!;
  const n = Math.floor(r() * 8);
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)]!;
  return s;
}

function randomValue(r: () => number, depth: number): unknown {
  const x = r();
  if (depth > 4 || x < 0.45) {
    const y = r();
    if (y < 0.6) return randomString(r);
    if (y < 0.75) return Math.floor(r() * 2000) - 1000;
    if (y < 0.8) return (r() - 0.5) * 1e6;
    if (y < 0.85) return [0, -0, 1e21, 1e-7, 5e-324, Number.MAX_SAFE_INTEGER][Math.floor(r() * 6)]!;
    if (y < 0.92) return r() < 0.5;
    if (y < 0.97) return null;
    return undefined;
  }
  if (x < 0.7) {
    const n = Math.floor(r() * 4);
    return Array.from({ length: n }, () => randomValue(r, depth + 1));
  }
  const o: Record<string, unknown> = {};
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) o[r() < 0.15 ? ['apiVersion', 'kind', 'metadata'][Math.floor(r() * 3)]! : randomString(r)] = randomValue(r, depth + 1);
  return o;
}

describe('toYaml', () => {
  test('round-trips thousands of random values with nasty strings and keys', () => {
    const r = rng(42);
    for (let i = 0; i < 4000; i++) {
      const v = randomValue(r, 0);
      if (v === undefined) continue;
      const text = toYaml(v);
      const doc = parseDocument(text, { strict: true, uniqueKeys: true });
      expect(doc.errors, text).toEqual([]);
      // under the 1.1 schema (as Go's yaml reads it) the data must be the same too
      const v11 = parse(text, { version: '1.1' });
      const expected = JSON.parse(JSON.stringify(canonicalize(v), (_k, x) => (Object.is(x, -0) ? 0 : x)));
      const norm = (x: unknown) => JSON.parse(JSON.stringify(x, (_k, y) => (Object.is(y, -0) ? 0 : y)));
      expect(norm(doc.toJS()), text).toEqual(expected);
      expect(norm(v11), text).toEqual(expected);
      expect(text.endsWith('\n')).toBe(true);
    }
  });

  test('keys come out in canonical order: apiVersion, kind, metadata first, then sorted; undefined dropped', () => {
    const text = toYaml({ spec: { b: 1, a: 2, c: undefined }, metadata: { name: 'x' }, kind: 'Pod', apiVersion: 'v1', zeta: [1, undefined, 2] });
    expect(text).toBe('apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  a: 2\n  b: 1\nzeta:\n  - 1\n  - 2\n');
  });

  test('layout: sequences indented under their key, maps and sequences inside sequences, empty collections', () => {
    const v = { a: [[1, 2], [], {}, { b: 1, c: [1] }], e: {}, f: [], g: null, o: [{ p: [{ q: 1 }] }] };
    expect(toYaml(v)).toBe(
      'a:\n  - - 1\n    - 2\n  - []\n  - {}\n  - b: 1\n    c:\n      - 1\ne: {}\nf: []\ng: null\no:\n  - p:\n      - q: 1\n',
    );
    expect(toYaml([[1, [2]], { a: 1 }])).toBe('- - 1\n  - - 2\n- a: 1\n');
    expect(toYaml({})).toBe('{}\n');
    expect(toYaml([])).toBe('[]\n');
    expect(toYaml('x')).toBe('x\n');
  });

  test('quotes every string another YAML reader could take for something else', () => {
    for (const s of ['yes', 'No', 'on', 'OFF', 'y', '~', 'null', 'True', '1e3', '0x1F', '0o17', '1_000', '12:30', '2024-01-01', '.inf', '.NaN', '+1', '.5', '8', '-', '--- x', 'a: b', 'a #b', 'a:', ' a', 'a ', '&x', '*x', '!x', '%x', '@x', '`x', "'x", '"x', '<<'])
      expect(yamlString(s), s).toBe(JSON.stringify(s));
    for (const s of ['32Gi', '500m', 'nvidia-h100', '--id=5', 'registry.example.com/app:1', "it's", 'a#b', 'a:b', 'caf\u00e9'])
      expect(yamlString(s), s).toBe(s);
    expect(toYaml({ s: 'a\nb' })).toBe('s: "a\\nb"\n');
    expect(toYaml({ s: 'x\u2028y' })).toBe('s: "x\\u2028y"\n');
  });

  test('is deterministic and independent of key insertion order', () => {
    const a = { b: { y: 1, x: [2, { d: 1, c: 2 }] }, a: 'v' };
    const b = { a: 'v', b: { x: [2, { c: 2, d: 1 }], y: 1 } };
    expect(toYaml(a)).toBe(toYaml(b));
    expect(toYaml(a)).toBe(toYaml(JSON.parse(JSON.stringify(a))));
  });
});
