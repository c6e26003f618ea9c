/** Edit distance with the usual insert/delete/substitute costs; short strings only (field names, enum values). */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/**
 * The closest candidate when it is close enough to be a plausible typo; comparison ignores case
 * and `-`/`_` so `Cost-minimization` still finds `Cost_Minimization`.
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  if (input.length > 200) return undefined;
  const norm = (s: string) => s.toLowerCase().replace(/[-_ ]/g, '');
  const n = norm(input);
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(n, norm(c));
    if (d < bestD || (d === bestD && best !== undefined && c < best)) {
      best = c;
      bestD = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(n.length, 1) / 3));
  return bestD <= limit ? best : undefined;
}

export function hintFor(input: string, candidates: readonly string[]): string | undefined {
  const m = didYouMean(input, candidates);
  return m === undefined ? undefined : `did you mean "${m}"?`;
}
