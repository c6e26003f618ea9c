import type { Diagnostic } from '../diagnostics.js';

/**
 * The renderer's warnings per intent file (GPU overcommit…), for the intents' status: a user who
 * reads only `flare status` must see them too. `stale-status` is the reconciler's own business
 * (it is about to place the intent again), not the user's.
 */
export function renderWarningsByFile(diagnostics: readonly Diagnostic[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of diagnostics) {
    if (d.severity !== 'warning' || d.code === 'stale-status' || !d.file.startsWith('intents/')) continue;
    const list = out.get(d.file) ?? [];
    const text = `${d.code ? `${d.code}: ` : ''}${d.message}`;
    if (!list.includes(text)) list.push(text);
    out.set(d.file, list);
  }
  return out;
}
