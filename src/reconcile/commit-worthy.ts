import type { IntentStatus } from '../status/model.js';
import { canonicalize } from '../k8s/serialize.js';

/**
 * Status fields that are the reconciler's own retry bookkeeping: they change on every NoMatch
 * retry and mean nothing to a reader of the history, so they stay in memory and never reach Git.
 */
const BOOKKEEPING_FIELDS = ['retries', 'next_retry_at'] as const;

// "no feasible candidate (retry 3 at 2026-…Z); …": the retry counter and time are bookkeeping
const RETRY_NOTE = / ?\(retry \d+ at [^)]*\)/g;

/** The status as committed: without retry bookkeeping, in the message too. */
export function forGit(s: IntentStatus): IntentStatus {
  const out: IntentStatus = { ...s };
  for (const f of BOOKKEEPING_FIELDS) delete out[f];
  if (out.message !== undefined) out.message = out.message.replace(RETRY_NOTE, '');
  return out;
}

/**
 * Whether two statuses differ in anything a commit should record: phase, decisions, placements,
 * reasons, history. Retry bookkeeping alone is not worth a commit.
 */
export function sameForGit(a: IntentStatus | undefined, b: IntentStatus | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return key(a) === key(b);
}

// statuses are never mutated once a cycle has them: one canonical form per object (1,000s per cycle)
const keys = new WeakMap<IntentStatus, string>();
function key(s: IntentStatus): string {
  let k = keys.get(s);
  if (k === undefined) {
    k = JSON.stringify(canonicalize(forGit(s)));
    keys.set(s, k);
  }
  return k;
}
