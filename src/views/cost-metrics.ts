import type { RepoModel } from '../repo/model.js';
import { costReport, type CostReport } from './cost.js';

/**
 * Keeps the reconciler's cost gauges current: after a cycle, re-reads the status files of the
 * checkout and recomputes the cost report. Fire-and-forget (never delays a cycle); a refresh
 * still running makes the next one a no-op; a failure keeps the previous figures.
 */
export function costRefresher(load: (dir: string) => Promise<RepoModel>, now: () => Date, set: (r: CostReport) => void): (dir: string) => void {
  let busy = false;
  return (dir) => {
    if (busy) return;
    busy = true;
    load(dir)
      .then((m) => set(costReport({ intents: m.intents, statuses: m.statuses, tenants: m.tenants, config: m.config, now: now() })))
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  };
}
