// The meter: the cost an intent accrues while its workload holds GPUs.
import type { Phase } from '../status/model.js';
import { type Ctx, round4 } from './advance-context.js';

/** The meter runs while the workload holds its GPUs: from deployment until completion or failure. */
export function charging(phase: Phase | undefined): boolean {
  return phase === 'Deploying' || phase === 'Running';
}

export function updateCost(ctx: Ctx, wasRunning: boolean): void {
  const s = ctx.status;
  // while moving, both the new placements and the retiring ones are paid for
  const held = [...s.placements, ...(s.retiring ?? [])];
  const hourly = round4(held.reduce((sum, p) => sum + (p.chosen?.hourly_cost ?? 0), 0));
  const running = charging(s.phase) || !!s.retiring?.length;
  const now = ctx.args.now.getTime();
  const cost = s.cost ? { ...s.cost } : undefined;
  if (!cost) {
    if (running) s.cost = { hourly, currency: ctx.args.config.currency, accrued: 0, since: ctx.nowIso };
    return;
  }
  // accrued holds what was charged up to `since`; while Running the meter runs from `since`
  if (wasRunning && (!running || hourly !== cost.hourly)) {
    const hours = Math.max(0, now - Date.parse(cost.since)) / 3_600_000;
    cost.accrued = round4(cost.accrued + cost.hourly * hours);
    cost.since = ctx.nowIso;
  } else if (!wasRunning && running) {
    cost.since = ctx.nowIso;
  }
  if (running) cost.hourly = hourly;
  s.cost = cost;
}
