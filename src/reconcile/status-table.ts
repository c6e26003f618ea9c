import type { Intent } from '../intent/model.js';
import type { IntentStatus, Phase } from '../status/model.js';
import { placementGpus } from '../intent/budget.js';

/** One line of `flare status`. */
export interface StatusRow {
  tenant: string;
  intent: string;
  id: string;
  phase: Phase | 'Unknown';
  provider: string;
  gpu: string;
  hourly_cost: number;
  currency: string;
  /** Cost accrued so far (the meter runs while Deploying/Running). */
  accrued: number;
  age_seconds?: number;
  message: string;
  warnings: string[];
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Rows for every intent (those without a status file yet show phase Unknown), sorted by id. */
export function statusRows(intents: readonly Intent[], statuses: ReadonlyMap<string, IntentStatus>, now: Date, currency = 'EUR'): StatusRow[] {
  return [...intents]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((i) => {
      const s = statuses.get(i.id);
      const chosen = (s?.placements ?? []).map((p) => p.chosen).filter((c) => c !== undefined);
      const providers = [...new Set(chosen.map((c) => c.provider))];
      const models = [...new Set(chosen.map((c) => c.model))];
      const count = placementGpus(i) * Math.max(1, chosen.length);
      const model = models.length ? models.join(',') : (i.spec.resources.gpu.model ?? 'any');
      const hourly = round2(chosen.reduce((sum, c) => sum + c.hourly_cost, 0));
      let accrued = s?.cost?.accrued ?? 0;
      if (s?.cost && (s.phase === 'Running' || s.phase === 'Deploying')) {
        accrued += (s.cost.hourly * Math.max(0, now.getTime() - Date.parse(s.cost.since))) / 3_600_000;
      }
      const first = s?.history[0]?.time;
      const row: StatusRow = {
        tenant: i.tenant,
        intent: i.name,
        id: i.id,
        phase: s?.phase ?? 'Unknown',
        provider: providers.join(',') || '-',
        gpu: `${count}x ${model}`,
        hourly_cost: hourly,
        currency: s?.cost?.currency ?? currency,
        accrued: round2(accrued),
        message: s?.message ?? 'no status yet (the reconciler has not seen it)',
        warnings: s?.warnings ?? [],
      };
      if (first) row.age_seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(first)) / 1000));
      return row;
    });
}

/** kubectl-style age: 45s, 12m, 3h, 5d. */
export function formatAge(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

export function formatStatusTable(rows: readonly StatusRow[]): string {
  const header = ['TENANT', 'INTENT', 'PHASE', 'PROVIDER', 'GPU', 'EUR/H', 'AGE'];
  const body = rows.map((r) => [r.tenant, r.intent, r.phase, r.provider, r.gpu, r.hourly_cost ? r.hourly_cost.toFixed(2) : '-', formatAge(r.age_seconds)]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join('   ').trimEnd();
  return [line(header), ...body.map(line)].join('\n') + '\n';
}
