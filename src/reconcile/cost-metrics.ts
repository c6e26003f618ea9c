import type { RepoModel } from '../repo/model.js';
import { costReport, type CostReport } from '../status/cost.js';

/** Between cycles that change no status, the meters are re-read at most this often. */
const COST_REFRESH_MS = 30_000;

/**
 * Keeps the reconciler's cost gauges current: after a cycle that changed a status (or when the
 * figures are older than COST_REFRESH_MS, for the running meters), re-reads the status files of
 * the checkout and recomputes the cost report. Fire-and-forget: never delays a cycle; a request
 * during a refresh runs once after it; a failure keeps the previous figures.
 */
export function costRefresher(load: (dir: string) => Promise<RepoModel>, now: () => Date, set: (r: CostReport) => void): (dir: string, changed: boolean) => void {
  let busy = false;
  let again: string | undefined;
  let lastAt = -Infinity;
  const run = (dir: string): void => {
    busy = true;
    lastAt = now().getTime();
    load(dir)
      .then((m) => set(costReport({ intents: m.intents, statuses: m.statuses, tenants: m.tenants, config: m.config, now: now() })))
      .catch(() => undefined)
      .finally(() => {
        busy = false;
        if (again !== undefined) {
          const d = again;
          again = undefined;
          run(d);
        }
      });
  };
  return (dir, changed) => {
    if (!changed && now().getTime() - lastAt < COST_REFRESH_MS) return;
    if (busy) again = dir;
    else run(dir);
  };
}
