import type { Cluster } from '../cluster/types.js';
import { ClusterError } from '../errors.js';

interface RetryPolicy {
  attempts: number;
  /** First delay; doubles per attempt. */
  delayMs: number;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 4, delayMs: 50 };

/** 5xx, 429 and connection failures are worth another try; 4xx answers are not. */
function isTransient(err: unknown): boolean {
  if (err instanceof ClusterError) return err.status === undefined || err.status === 429 || err.status >= 500;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|UND_ERR)/.test(code);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function retry<T>(policy: RetryPolicy, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= policy.attempts || !isTransient(err)) throw err;
      await sleep(policy.delayMs * 2 ** (attempt - 1));
    }
  }
}

/**
 * Every call the reconciler makes is idempotent (GET, LIST, server-side apply, DELETE of a named
 * object), so transient failures are retried in place; what still fails is left to the next cycle.
 */
export function withRetries(cluster: Cluster, policy: RetryPolicy = DEFAULT_RETRY): Cluster {
  return {
    get: (ref) => retry(policy, () => cluster.get(ref)),
    list: (apiVersion, kind, opts) => retry(policy, () => cluster.list(apiVersion, kind, opts)),
    apply: (obj, opts) => retry(policy, () => cluster.apply(obj, opts)),
    patch: (ref, patch, opts) => retry(policy, () => cluster.patch(ref, patch, opts)),
    delete: (ref) => retry(policy, () => cluster.delete(ref)),
    watch: (apiVersion, kind, opts, onEvent, onError) => cluster.watch(apiVersion, kind, opts, onEvent, onError),
  };
}
