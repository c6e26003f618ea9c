import type { WebhookConfig } from '../config/model.js';
import { fluxEvent, phaseChanges, signature, wants, type FluxEvent, type IntentSeen } from './webhook.js';

export interface NotifierOptions {
  /** Where secret_env values are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  now?: () => Date;
  /** Attempts per event (default 5) and the first backoff, doubling (default 1000 ms, at most 60 s). */
  attempts?: number;
  backoffMs?: number;
  /** Per-request timeout (default 5000 ms). */
  timeoutMs?: number;
  /** Events held per webhook while it is unreachable; the oldest are dropped beyond it (default 500). */
  maxQueue?: number;
  fetch?: typeof fetch;
}

/** What the reconciler hands over after a cycle (a subset of CycleResult). */
interface CycleNotice {
  head: string;
  commit?: string;
  changed: readonly string[];
  intents: readonly IntentSeen[];
  config: { notifications?: { webhooks: WebhookConfig[] } };
}

interface Notifier {
  /** Queues the events of a cycle and returns at once. */
  onCycle(r: CycleNotice): void;
  /** Waits for queued deliveries (bounded by their retries) — for tests and shutdown. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

interface Job {
  hook: WebhookConfig;
  event: FluxEvent;
  attempt: number;
}

/** Scheme, host and port only: a webhook URL may carry a token in its path, logs never do. */
function where(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '<webhook>';
  }
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

/**
 * Posts phase changes to the flare.yaml webhooks. One FIFO per webhook URL, drained by its own
 * worker, so a dead receiver delays only its own queue and never a cycle; each event is retried
 * with exponential backoff, then dropped with a log line.
 */
export function createNotifier(o: NotifierOptions = {}): Notifier {
  const env = o.env ?? process.env;
  const log = o.log ?? (() => undefined);
  const now = o.now ?? (() => new Date());
  const attempts = o.attempts ?? 5;
  const backoff = o.backoffMs ?? 1000;
  const timeoutMs = o.timeoutMs ?? 5000;
  const maxQueue = o.maxQueue ?? 500;
  const doFetch = o.fetch ?? fetch;
  const seen = new Map<string, { phase: string; provider?: string }>();
  const queues = new Map<string, Job[]>();
  const workers = new Map<string, Promise<void>>();
  const closing = new AbortController();

  async function deliver(job: Job): Promise<boolean> {
    const body = JSON.stringify(job.event);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'flare-reconciler' };
    if (job.hook.secret_env) {
      const secret = env[job.hook.secret_env];
      if (!secret) {
        log(`notify: ${where(job.hook.url)}: environment variable ${job.hook.secret_env} is not set; sending unsigned`);
      } else headers['x-signature'] = signature(body, secret);
    }
    const ac = new AbortController();
    const t = setTimeout(() => ac.abort(), timeoutMs);
    try {
      const res = await doFetch(job.hook.url, { method: 'POST', headers, body, signal: ac.signal, redirect: 'error' });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return true;
      log(`notify: ${where(job.hook.url)}: HTTP ${res.status} for ${job.event.reason} of ${job.event.metadata.intent} (attempt ${job.attempt})`);
      // a 4xx other than 408/429 will not get better by retrying
      return res.status < 500 && res.status !== 408 && res.status !== 429;
    } catch (err) {
      log(`notify: ${where(job.hook.url)}: ${(err as Error)?.name === 'AbortError' ? 'timed out' : 'unreachable'} for ${job.event.reason} of ${job.event.metadata.intent} (attempt ${job.attempt})`);
      return false;
    } finally {
      clearTimeout(t);
    }
  }

  async function drain(key: string): Promise<void> {
    const q = queues.get(key)!;
    while (q.length > 0 && !closing.signal.aborted) {
      const job = q[0]!;
      job.attempt++;
      const done = await deliver(job);
      if (done || job.attempt >= attempts) {
        if (!done) log(`notify: ${where(job.hook.url)}: giving up on ${job.event.reason} of ${job.event.metadata.intent} after ${job.attempt} attempts`);
        q.shift();
        continue;
      }
      await sleep(Math.min(60_000, backoff * 2 ** (job.attempt - 1)), closing.signal);
    }
  }

  function kick(key: string): void {
    if (workers.has(key)) return;
    const w = drain(key).finally(() => {
      workers.delete(key);
      if ((queues.get(key)?.length ?? 0) > 0 && !closing.signal.aborted) kick(key);
    });
    workers.set(key, w);
  }

  return {
    onCycle(r) {
      const hooks = r.config.notifications?.webhooks ?? [];
      const changes = phaseChanges(seen, r.intents, r.changed);
      for (const i of r.intents) seen.set(i.id, { phase: i.phase, ...(i.provider ? { provider: i.provider } : {}) });
      const ids = new Set(r.intents.map((i) => i.id));
      for (const id of [...seen.keys()]) if (!ids.has(id)) seen.delete(id);
      if (hooks.length === 0 || changes.length === 0 || closing.signal.aborted) return;
      const revision = r.commit ?? r.head;
      for (const c of changes) {
        const event = fluxEvent(c, { now: now(), ...(revision ? { revision } : {}) });
        for (const hook of hooks) {
          if (!wants(hook, c.event)) continue;
          const key = hook.url;
          const q = queues.get(key) ?? [];
          queues.set(key, q);
          q.push({ hook, event, attempt: 0 });
          if (q.length > maxQueue) {
            q.splice(1, q.length - maxQueue); // keep the one in flight
            log(`notify: ${where(hook.url)}: queue full, oldest events dropped`);
          }
          kick(key);
        }
      }
    },
    async flush() {
      while (workers.size > 0) await Promise.all([...workers.values()]);
    },
    async close() {
      closing.abort();
      await Promise.all([...workers.values()]);
    },
  };
}
