/** Random mutations of YAML/JSON texts for the fuzz tests: hostile tokens, deep nesting, cuts. */
export const HOSTILE = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '[[[[[[[[', '{a: {b: {c:', '&a [*a, *a]', '!!js/function x', '"\\u0000"', 'x'.repeat(20_000), '-1e309', 'null', '[]', '{}'];

/** Value positions of a YAML or JSON file: `key: value` and `"key": value`. */
function valueSpans(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const m of text.matchAll(/^(\s*-?\s*"?[\w.-]+"?\s*:[ \t]*)([^\n{[]+?)(,?)[ \t]*$/gm)) {
    const start = m.index + m[1]!.length;
    out.push({ start, end: start + m[2]!.length });
  }
  return out;
}

/** One random mutation: a value replaced by a hostile token or deep nesting, a token spliced in, or a cut. */
export function mutate(text: string, rand: () => number): string {
  const hostile = (): string => HOSTILE[Math.floor(rand() * HOSTILE.length)]!;
  const deep = (): string => {
    const n = 100 + Math.floor(rand() * 3000);
    return '['.repeat(n) + ']'.repeat(n);
  };
  const pick = rand();
  const spans = valueSpans(text);
  if (pick < 0.6 && spans.length > 0) {
    const sp = spans[Math.floor(rand() * spans.length)]!;
    const json = text.trimStart().startsWith('{');
    const v = rand() < 0.7 ? hostile() : deep();
    return text.slice(0, sp.start) + (json && !v.startsWith('[') ? JSON.stringify(v) : v) + text.slice(sp.end);
  }
  const at = Math.floor(rand() * (text.length + 1));
  if (pick < 0.8) return text.slice(0, at) + (rand() < 0.5 ? hostile() : deep()) + text.slice(at);
  return text.slice(0, at);
}

