/**
 * A keyed, delayed work queue like controller-runtime's: a key queued twice before it runs runs
 * once (at the earlier time); handlers run one at a time; a throwing handler is retried with
 * backoff. All timers are unref'd and cleared by close().
 */
export class WorkQueue {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private closed = false;
  processed = 0;
  errors = 0;

  constructor(
    private readonly handle: (key: string) => number | void,
    private readonly onError: (key: string, err: unknown) => void = () => {},
    private readonly maxRetries = 8,
  ) {}

  /** Runs `key` after `delayMs` (or sooner when already queued for sooner). */
  add(key: string, delayMs = 0): void {
    if (this.closed) return;
    // real time on purpose: `at` is the deadline of the real timer below, not a simulated instant
    const at = Date.now() + Math.max(0, delayMs);
    const cur = this.timers.get(key);
    if (cur && cur.at <= at) return;
    if (cur) clearTimeout(cur.timer);
    const timer = setTimeout(() => this.run(key), Math.max(0, delayMs));
    timer.unref?.();
    this.timers.set(key, { at, timer });
  }

  private run(key: string): void {
    this.timers.delete(key);
    if (this.closed) return;
    this.processed++;
    try {
      const requeue = this.handle(key);
      this.failures.delete(key);
      if (typeof requeue === 'number' && requeue >= 0) this.add(key, requeue);
    } catch (err) {
      this.errors++;
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      this.onError(key, err);
      if (n <= this.maxRetries) this.add(key, Math.min(2000, 25 * 2 ** n));
      else this.failures.delete(key);
    }
  }

  get pending(): number {
    return this.timers.size;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
  }
}
