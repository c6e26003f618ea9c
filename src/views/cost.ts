import type { FlareConfig, Tenant } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import type { IntentStatus, Phase } from '../status/model.js';

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The meter runs while the workload holds its GPUs (as the state machine charges it). */
export function charging(phase: Phase | undefined): boolean {
  return phase === 'Deploying' || phase === 'Running';
}

/** Hourly cost of every chosen placement. */
export function hourlyOf(s: IntentStatus | undefined): number {
  return round2((s?.placements ?? []).reduce((sum, p) => sum + (p.chosen?.hourly_cost ?? 0), 0));
}

/**
 * Accrued cost at `now`: what the status recorded up to `cost.since`, plus the meter since then
 * while the intent is Deploying/Running. A finished intent's accrued is final.
 */
export function accruedAt(s: IntentStatus | undefined, now: Date): number {
  if (!s?.cost) return 0;
  let a = s.cost.accrued;
  if (charging(s.phase)) a += (s.cost.hourly * Math.max(0, now.getTime() - Date.parse(s.cost.since))) / 3_600_000;
  return round2(a);
}

/** The hourly burn: what the intent costs per hour right now (0 unless it holds GPUs). */
export function burnOf(s: IntentStatus | undefined): number {
  return s && charging(s.phase) ? (s.cost?.hourly ?? hourlyOf(s)) : 0;
}

export interface IntentCost {
  id: string;
  tenant: string;
  name: string;
  phase: Phase | 'Unknown';
  provider: string;
  currency: string;
  /** Hourly cost of the chosen placements, and what is being charged now (0 when not Deploying/Running). */
  hourly: number;
  burn: number;
  accrued: number;
  /** Start of the current meter run, or of the first one. */
  since?: string;
  max_hourly_cost?: number;
  max_total_cost?: number;
  /** max_total_cost minus accrued. */
  budget_left?: number;
}

export function intentCost(intent: Intent, s: IntentStatus | undefined, config: FlareConfig, now: Date): IntentCost {
  const accrued = accruedAt(s, now);
  const c: IntentCost = {
    id: intent.id,
    tenant: intent.tenant,
    name: intent.name,
    phase: s?.phase ?? 'Unknown',
    provider: [...new Set((s?.placements ?? []).flatMap((p) => (p.chosen ? [p.chosen.provider] : [])))].join(',') || '-',
    currency: s?.cost?.currency ?? config.currency,
    hourly: hourlyOf(s),
    burn: round2(burnOf(s)),
    accrued,
  };
  if (s?.cost?.since) c.since = s.cost.since;
  const k = intent.spec.constraints;
  if (k.max_hourly_cost !== undefined) c.max_hourly_cost = k.max_hourly_cost;
  if (k.max_total_cost !== undefined) {
    c.max_total_cost = k.max_total_cost;
    c.budget_left = round2(k.max_total_cost - accrued);
  }
  return c;
}

export interface TenantCost {
  tenant: string;
  intents: number;
  burn: number;
  accrued: number;
  quota_max_hourly_cost?: number;
  /** Hourly cost of the placements the tenant holds (chosen, not finished): what the quota counts. */
  held_hourly: number;
  /** Money quota minus held_hourly. */
  quota_left?: number;
  quota_gpus?: number;
  gpus_in_use: number;
}

/** Per-tenant totals; GPUs in use count the placements of intents that hold them (not finished). */
export function tenantCosts(rows: readonly IntentCost[], intents: readonly Intent[], statuses: ReadonlyMap<string, IntentStatus>, tenants: readonly Tenant[]): TenantCost[] {
  const names = [...new Set([...rows.map((r) => r.tenant)])].sort();
  return names.map((name) => {
    const mine = rows.filter((r) => r.tenant === name);
    let gpus = 0;
    let held = 0;
    for (const i of intents) {
      if (i.tenant !== name) continue;
      const s = statuses.get(i.id);
      if (!s || s.phase === 'Completed' || s.phase === 'Failed') continue;
      gpus += i.spec.resources.gpu.count * s.placements.filter((p) => p.chosen).length;
      held += hourlyOf(s);
    }
    const t = tenants.find((x) => x.name === name);
    const burn = round2(mine.reduce((a, r) => a + r.burn, 0));
    const out: TenantCost = { tenant: name, intents: mine.length, burn, accrued: round2(mine.reduce((a, r) => a + r.accrued, 0)), gpus_in_use: gpus, held_hourly: round2(held) };
    if (t?.quota.max_hourly_cost !== undefined) {
      out.quota_max_hourly_cost = t.quota.max_hourly_cost;
      out.quota_left = round2(t.quota.max_hourly_cost - held);
    }
    if (t?.quota.gpus !== undefined) out.quota_gpus = t.quota.gpus;
    return out;
  });
}
