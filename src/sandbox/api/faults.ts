/** Injected API failures; every rate is a probability in [0, 1] per request (or per watch event). */
export interface Faults {
  /** 500 InternalError. */
  errorRate?: number;
  /** 429 TooManyRequests with a Retry-After header. */
  throttleRate?: number;
  /** Seconds announced in Retry-After (default 1). */
  retryAfterSeconds?: number;
  /** Delay a request by slowMs. */
  slowRate?: number;
  slowMs?: number;
  /** End a watch stream instead of delivering an event, as a server restart would. */
  dropWatchRate?: number;
  /** Restarts the pseudo-random sequence, so a test run is reproducible. */
  seed?: number;
  /** Only requests whose kind (e.g. 'Solver') is listed get faults; all resource requests otherwise. */
  kinds?: string[];
}

/** mulberry32: small, fast, seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type FaultDecision = { kind: 'error' } | { kind: 'throttle'; retryAfter: number } | { kind: 'slow'; ms: number } | { kind: 'none' };

export class FaultInjector {
  private faults: Faults = {};
  private rand: () => number = seededRandom(1);
  readonly counts = { error: 0, throttle: 0, slow: 0, dropWatch: 0 };

  set(f: Faults): void {
    this.faults = { ...f };
    this.rand = seededRandom(f.seed ?? 1);
  }

  get current(): Faults {
    return { ...this.faults };
  }

  /** What to do with one resource request of `kind`. */
  decide(kind: string | undefined): FaultDecision {
    const f = this.faults;
    if (f.kinds && (!kind || !f.kinds.includes(kind))) return { kind: 'none' };
    if (f.throttleRate && this.rand() < f.throttleRate) {
      this.counts.throttle++;
      return { kind: 'throttle', retryAfter: f.retryAfterSeconds ?? 1 };
    }
    if (f.errorRate && this.rand() < f.errorRate) {
      this.counts.error++;
      return { kind: 'error' };
    }
    if (f.slowRate && f.slowMs && this.rand() < f.slowRate) {
      this.counts.slow++;
      return { kind: 'slow', ms: f.slowMs };
    }
    return { kind: 'none' };
  }

  /** Whether to cut a watch stream now. */
  dropWatch(kind: string): boolean {
    const f = this.faults;
    if (!f.dropWatchRate) return false;
    if (f.kinds && !f.kinds.includes(kind)) return false;
    if (this.rand() < f.dropWatchRate) {
      this.counts.dropWatch++;
      return true;
    }
    return false;
  }
}
