import type { FlareConfig, Tenant } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import type { IntentStatus, Phase } from './model.js';

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The meter runs while the workload holds its GPUs (as the state machine charges it). */
function charging(phase: Phase | undefined): boolean {
  return phase === 'Deploying' || phase === 'Running';
}

/** Hourly cost of every chosen placement. */
function hourlyOf(s: IntentStatus | undefined): number {
  return round2((s?.placements ?? []).reduce((sum, p) => sum + (p.chosen?.hourly_cost ?? 0), 0));
}

/**
 * Accrued cost at `now`: what the status recorded up to `cost.since`, plus the meter since then
 * while the intent is Deploying/Running. A finished intent's accrued is final.
 */
function accruedAt(s: IntentStatus | undefined, now: Date): number {
  if (!s?.cost) return 0;
  let a = s.cost.accrued;
  if (charging(s.phase)) a += (s.cost.hourly * Math.max(0, now.getTime() - Date.parse(s.cost.since))) / 3_600_000;
  return round2(a);
}

/** The hourly burn: what the intent costs per hour right now (0 unless it holds GPUs). */
function burnOf(s: IntentStatus | undefined): number {
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

interface TenantCost {
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
function tenantCosts(rows: readonly IntentCost[], intents: readonly Intent[], statuses: ReadonlyMap<string, IntentStatus>, tenants: readonly Tenant[]): TenantCost[] {
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

export interface CostReport {
  currency: string;
  intents: IntentCost[];
  tenants: TenantCost[];
  total: { burn: number; accrued: number };
}

export interface CostQuery {
  intents: readonly Intent[];
  statuses: ReadonlyMap<string, IntentStatus>;
  tenants: readonly Tenant[];
  config: FlareConfig;
  now: Date;
  tenant?: string;
  /** Only intents active since then: charging now, or with a status change at or after it. */
  since?: Date;
}

function activeSince(s: IntentStatus | undefined, since: Date): boolean {
  if (!s) return false;
  if (charging(s.phase)) return true;
  const last = s.history[s.history.length - 1]?.time ?? s.cost?.since;
  return last !== undefined && Date.parse(last) >= since.getTime();
}

/** `flare cost`: every intent with a status (finished ones included), per tenant totals. */
export function costReport(q: CostQuery): CostReport {
  const picked = [...q.intents]
    .filter((i) => (q.tenant === undefined || i.tenant === q.tenant) && (q.since === undefined || activeSince(q.statuses.get(i.id), q.since)))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const rows = picked.map((i) => intentCost(i, q.statuses.get(i.id), q.config, q.now));
  const tenants = tenantCosts(rows, q.intents, q.statuses, q.tenants);
  return {
    currency: q.config.currency,
    intents: rows,
    tenants,
    total: { burn: round2(rows.reduce((a, r) => a + r.burn, 0)), accrued: round2(rows.reduce((a, r) => a + r.accrued, 0)) },
  };
}

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The cost report as Prometheus gauges (appended to the reconciler's /metrics). */
export function renderCostMetrics(r: CostReport): string[] {
  const lines: string[] = [];
  const gauge = (name: string, help: string, samples: [Record<string, string>, number][]): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, v] of samples) {
      const l = Object.entries(labels).map(([k, x]) => `${k}="${esc(x)}"`).join(',');
      lines.push(`${name}{${l}} ${v}`);
    }
  };
  const il = (c: IntentCost): Record<string, string> => ({ tenant: c.tenant, intent: c.name, currency: c.currency });
  gauge('flare_intent_hourly_cost', 'Hourly burn of an intent (0 unless Deploying/Running).', r.intents.map((c) => [il(c), c.burn]));
  gauge('flare_intent_accrued_cost', 'Cost accrued by an intent, finished intents included.', r.intents.map((c) => [il(c), c.accrued]));
  gauge('flare_intent_budget_left', 'max_total_cost minus accrued, for intents with a total budget.', r.intents.filter((c) => c.budget_left !== undefined).map((c) => [il(c), c.budget_left!]));
  const tl = (t: TenantCost): Record<string, string> => ({ tenant: t.tenant, currency: r.currency });
  gauge('flare_tenant_hourly_cost', 'Hourly burn of a tenant.', r.tenants.map((t) => [tl(t), t.burn]));
  gauge('flare_tenant_accrued_cost', 'Cost accrued by a tenant.', r.tenants.map((t) => [tl(t), t.accrued]));
  gauge('flare_tenant_quota_left', 'Money quota (max_hourly_cost) minus the hourly cost of held placements.', r.tenants.filter((t) => t.quota_left !== undefined).map((t) => [tl(t), t.quota_left!]));
  gauge('flare_tenant_gpus_in_use', 'GPUs held by a tenant.', r.tenants.map((t) => [{ tenant: t.tenant }, t.gpus_in_use]));
  return lines;
}
