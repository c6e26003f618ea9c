/**
 * A text scan that finds where a YAML/JSON document nests deeper than a bound, before any parser
 * (ours or the yaml library, both recursive) walks it: a few KB of `[[[[…` must be a located
 * error, not a stack overflow. Linear, no allocation per character.
 *
 * The count is an upper bound of the parsed depth: block indentation levels on the stack, plus
 * `- ` entries opened on the line, plus open flow brackets. Brackets inside quoted scalars, plain
 * scalars in block context, comments and block scalars (`|`, `>`) are not counted.
 */
interface TooDeep {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  depth: number;
}

const SPACE = 32;
const HASH = 35;
const DQ = 34;
const SQ = 39;
const BACKSLASH = 92;

function opensValue(prev: number): boolean {
  // a scalar or collection can start after these (or at the start of the line)
  return prev === -1 || prev === 58 /* : */ || prev === 91 || prev === 123 || prev === 44 /* , */ || prev === 45 /* - */ || prev === 63 /* ? */;
}

export function findTooDeep(text: string, max: number): TooDeep | undefined {
  const stack: number[] = [];
  let flow = 0;
  let quote = 0; // DQ or SQ while inside a quoted scalar (may span lines)
  let blockScalarParent = -1; // indent of the line that opened a `|` / `>` block scalar
  let lineNo = 0;
  let start = 0;
  const len = text.length;
  while (start <= len) {
    lineNo++;
    let end = text.indexOf('\n', start);
    if (end < 0) end = len;
    let p = start;
    while (p < end && text.charCodeAt(p) === SPACE) p++;
    const ind = p - start;
    const blank = p === end || (text.charCodeAt(p) === 13 && p + 1 === end);
    if (blockScalarParent >= 0) {
      if (blank || ind > blockScalarParent) {
        if (end === len) break;
        start = end + 1;
        continue;
      }
      blockScalarParent = -1;
    }
    if (!blank && quote === 0 && flow === 0 && text.charCodeAt(p) !== HASH) {
      while (stack.length > 0 && stack[stack.length - 1]! >= ind) stack.pop();
      stack.push(ind);
    }
    let extra = 0;
    let prev = -1; // last significant character on this line, -1 at its start
    for (let i = p; i < end; i++) {
      const c = text.charCodeAt(i);
      if (quote !== 0) {
        if (quote === DQ && c === BACKSLASH) i++;
        else if (c === quote) {
          if (quote === SQ && text.charCodeAt(i + 1) === SQ) i++;
          else {
            quote = 0;
            prev = c;
          }
        }
        continue;
      }
      if (c === SPACE || c === 9 || c === 13) continue;
      if (c === HASH && (i === p || text.charCodeAt(i - 1) === SPACE || text.charCodeAt(i - 1) === 9)) break;
      if ((c === DQ || c === SQ) && opensValue(prev)) {
        quote = c;
        continue;
      }
      if (flow === 0) {
        if ((c === 45 || c === 63) && opensValue(prev) && (i + 1 === end || text.charCodeAt(i + 1) === SPACE)) {
          extra++;
        } else if ((c === 91 || c === 123) && opensValue(prev)) {
          flow = 1;
        } else if ((c === 124 || c === 62) && (prev === 58 || prev === 45)) {
          // `key: |` / `- >-`: the following more-indented lines are text
          blockScalarParent = ind;
          break;
        } else if (c !== 58 && c !== 45 && c !== 63) {
          // a plain scalar: skip to ": " (a key) or the end of the line
          let j = i + 1;
          while (j < end && !(text.charCodeAt(j) === 58 && (j + 1 === end || text.charCodeAt(j + 1) === SPACE)) && !(text.charCodeAt(j) === HASH && text.charCodeAt(j - 1) === SPACE)) j++;
          i = j - 1;
          prev = 0;
          continue;
        }
      } else if (c === 91 || c === 123) {
        flow++;
      } else if (c === 93 || c === 125) {
        flow--;
      }
      const depth = stack.length + extra + flow;
      if (depth > max) return { line: lineNo, column: i - start + 1, depth };
      prev = c;
    }
    if (end === len) break;
    start = end + 1;
  }
  return undefined;
}
