import type { RejectedCandidate } from '../select/types.js';

/*
 * The one-line NoMatch summary: "0/31 offers fit: 12 location, 9 max_hourly_cost, 10 gpu.model".
 * Each offer counts once, under the first constraint the ranker found it failing (the same one
 * its `rejected` entry names).
 */

/** The user-facing short name of a constraint path (`constraints.max_hourly_cost` → `max_hourly_cost`). */
function shortConstraint(path: string): string {
  const gpu = /^(?:workload\.resources|requirements)\.gpu(?:\.(.+))?$/.exec(path);
  if (gpu) return gpu[1] ? `gpu.${gpu[1]}` : 'gpu';
  const res = /^(?:workload\.resources|requirements)\.(.+)$/.exec(path);
  if (res) return res[1]!;
  if (path.startsWith('constraints.')) return path.slice('constraints.'.length);
  if (path.startsWith('tenant.')) return path.slice('tenant.'.length);
  return path;
}

export function noMatchSummary(total: number, rejected: readonly RejectedCandidate[]): string {
  const fit = Math.max(0, total - rejected.length);
  const counts = new Map<string, number>();
  for (const r of rejected) {
    const k = shortConstraint(r.constraint);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const parts = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, n]) => `${n} ${k}`);
  if (total === 0) return '0/0 offers fit: the federation advertises no offer';
  const tail = fit > 0 ? ` (${fit} fit the intent but not the Solver's filters)` : '';
  return `${fit}/${total} offers fit${parts.length ? `: ${parts.join(', ')}` : ''}${tail}`;
}
