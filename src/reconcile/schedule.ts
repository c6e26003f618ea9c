// Time in the state machine: deadlines and the NoMatch discovery retry with its backoff.
import type { FlareConfig } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import { probeSolverName } from '../render/probe.js';
import type { Ctx } from './advance-context.js';

export function deadlineWarning(intent: Intent, now: Date): string | undefined {
  const d = intent.spec.constraints.deadline;
  if (!d) return undefined;
  const t = Date.parse(d);
  if (Number.isNaN(t) || t > now.getTime()) return undefined;
  return `deadline ${d} had already passed when the intent was first seen: it is placed only if a candidate fits now`;
}

export function deadlinePassed(intent: Intent, now: Date): boolean {
  const d = intent.spec.constraints.deadline;
  if (!d) return false;
  const t = Date.parse(d);
  return !Number.isNaN(t) && now.getTime() >= t;
}

/** Exponential backoff of the discovery retry: backoff × 2^retries, capped. */
export function backoffSeconds(config: FlareConfig, retries: number): number {
  const r = config.reconciler;
  return Math.min(r.max_backoff_seconds, r.backoff_seconds * 2 ** Math.min(retries, 30));
}

export function scheduleRetry(ctx: Ctx, wasNoMatch: boolean): void {
  const s = ctx.status;
  const { config, now } = ctx.args;
  const at = (retries: number): string => new Date(now.getTime() + backoffSeconds(config, retries) * 1000).toISOString();
  if (!wasNoMatch || s.retries === undefined || !s.next_retry_at) {
    s.retries = 0;
    s.next_retry_at = at(0);
    ctx.events.push(`no feasible candidate; discovery retried at ${s.next_retry_at}`);
    return;
  }
  if (now.getTime() >= Date.parse(s.next_retry_at)) {
    s.retries += 1;
    s.next_retry_at = at(s.retries);
    for (const p of s.placements) {
      if (p.chosen) continue;
      ctx.rediscover.add(p.solver);
      // the probe asks again too: the federation may have changed
      if (p.nomatch?.summary) ctx.rediscover.add(probeSolverName(p.solver));
    }
  }
}
