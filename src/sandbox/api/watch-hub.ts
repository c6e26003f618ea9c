import type { KubeObject } from '../../k8s/object.js';
import { ApiError } from './errors.js';
import { matchesFields, matchesLabels, type FieldSelector, type LabelSelector } from './selectors.js';

/*
 * Watch fan-out of the sandbox store: a ring of recent events for replay from a resourceVersion
 * (410 Expired past it, as after compaction), and delivery to the watchers of each kind with
 * selector transitions turned into ADDED/DELETED as a real API server does.
 */

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'ERROR';

/** @internal an event as kept in history; `object` is the immutable stored object. */
export interface HistoryEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  kindKey: string;
  namespace: string;
  object: KubeObject;
  /** The object before the change (MODIFIED), to turn selector transitions into ADDED/DELETED. */
  prev: KubeObject | undefined;
  /** Serialized `object`, cached for HTTP watchers. */
  json?: string;
}

/** @internal a raw watch delivery, used by the HTTP server (synchronous, shared objects). */
export type RawWatchCallback = (type: StoreEventType, object: KubeObject, ev?: HistoryEvent) => void;

/** What one watcher asked for. */
interface WatchTarget {
  kindKey: string;
  namespace: string | undefined;
  labels: LabelSelector;
  fields: FieldSelector;
}

interface Watcher extends WatchTarget {
  cb: RawWatchCallback;
  closed: boolean;
}

export class WatchHub {
  private readonly watchers = new Map<string, Set<Watcher>>();
  private readonly history: (HistoryEvent | undefined)[];
  private historyHead = 0;
  private expiredBefore = 0;

  constructor(historySize: number) {
    this.history = new Array(Math.max(1, historySize));
  }

  /** Keeps `ev` for replay and hands it to every live watcher of its kind. */
  publish(ev: HistoryEvent): void {
    this.history[this.historyHead] = ev;
    this.historyHead = (this.historyHead + 1) % this.history.length;
    const set = this.watchers.get(ev.kindKey);
    if (!set) return;
    for (const w of set) this.deliver(w, ev);
  }

  /**
   * Subscribes synchronously. With no resourceVersion (or "0") the caller's `existing` objects
   * come first as ADDED; with one, the history after it is replayed, or one ERROR 410 when it is
   * older than what is kept.
   */
  subscribe(target: WatchTarget, resourceVersion: string | undefined, currentRv: number, existing: () => readonly KubeObject[], cb: RawWatchCallback): () => void {
    const w: Watcher = { ...target, cb, closed: false };
    if (resourceVersion === undefined || resourceVersion === '' || resourceVersion === '0') {
      for (const o of existing()) cb('ADDED', o);
    } else {
      const from = Number(resourceVersion);
      if (!Number.isFinite(from) || from < 0) throw new ApiError(400, 'BadRequest', `invalid resourceVersion "${resourceVersion}"`);
      const oldest = this.oldestKept(currentRv);
      if (from + 1 < oldest) {
        cb('ERROR', expiredStatus(from, oldest) as unknown as KubeObject);
        return () => {};
      }
      for (const ev of this.historySince(from)) {
        if (ev.kindKey !== target.kindKey) continue;
        this.deliver(w, ev);
      }
    }
    let set = this.watchers.get(target.kindKey);
    if (!set) this.watchers.set(target.kindKey, (set = new Set()));
    set.add(w);
    return () => {
      w.closed = true;
      this.watchers.get(target.kindKey)?.delete(w);
    };
  }

  /** Forgets the history: a watch from any resourceVersion up to `currentRv` gets 410 Expired. */
  expire(currentRv: number): void {
    this.history.fill(undefined);
    this.expiredBefore = currentRv + 1;
  }

  watcherCount(): number {
    let n = 0;
    for (const s of this.watchers.values()) n += s.size;
    return n;
  }

  private deliver(w: Watcher, ev: HistoryEvent): void {
    if (w.closed) return;
    if (w.namespace !== undefined && ev.namespace !== w.namespace) return;
    if (w.labels.length === 0 && w.fields.length === 0) {
      w.cb(ev.type, ev.object, ev);
      return;
    }
    const now = matches(w, ev.object);
    if (ev.type !== 'MODIFIED') {
      if (now) w.cb(ev.type, ev.object, ev);
      return;
    }
    const before = ev.prev ? matches(w, ev.prev) : false;
    if (now && before) w.cb('MODIFIED', ev.object, ev);
    else if (now) w.cb('ADDED', ev.object);
    else if (before) w.cb('DELETED', ev.object);
  }

  private oldestKept(currentRv: number): number {
    const len = this.history.length;
    const oldest = this.history[this.historyHead % len];
    // A full ring: the slot about to be overwritten holds the oldest event.
    let min = oldest ? oldest.rv : Number.POSITIVE_INFINITY;
    if (!oldest) {
      for (let i = 0; i < len; i++) {
        const ev = this.history[(this.historyHead + i) % len];
        if (ev) {
          min = ev.rv;
          break;
        }
      }
    }
    if (min === Number.POSITIVE_INFINITY) min = currentRv + 1;
    return Math.max(min, this.expiredBefore);
  }

  private historySince(from: number): HistoryEvent[] {
    const out: HistoryEvent[] = [];
    const len = this.history.length;
    for (let i = 0; i < len; i++) {
      const ev = this.history[(this.historyHead + i) % len];
      if (ev && ev.rv > from) out.push(ev);
    }
    return out;
  }
}

function matches(w: WatchTarget, o: KubeObject): boolean {
  return matchesLabels(w.labels, o.metadata.labels) && matchesFields(w.fields, o);
}

function expiredStatus(from: number, oldest: number): Record<string, unknown> {
  return new ApiError(410, 'Expired', `too old resource version: ${from} (${oldest - 1})`).toStatus() as unknown as Record<string, unknown>;
}

/**
 * A raw subscription turned into the store's public contract: callbacks run a microtask after
 * the write, in order, so a callback may write to the store without re-entrancy.
 */
export function queuedWatch<E extends { type: StoreEventType; object: KubeObject }>(
  subscribe: (cb: RawWatchCallback) => () => void,
  cb: (e: E) => void,
  wrap: (type: StoreEventType, object: KubeObject) => E,
): () => void {
  let queue: E[] = [];
  let scheduled = false;
  let stopped = false;
  const flush = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    for (const e of batch) {
      if (stopped) return;
      cb(e);
    }
  };
  const stop = subscribe((type, object) => {
    queue.push(wrap(type, object));
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(flush);
    }
  });
  return () => {
    stopped = true;
    stop();
  };
}
