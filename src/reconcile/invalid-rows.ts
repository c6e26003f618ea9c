import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RepoModel } from '../repo/model.js';
import type { IntentStatus } from '../status/model.js';
import { parseStatus } from '../status/parse.js';
import { intentId } from '../k8s/names.js';
import type { StatusRow } from './status-table.js';
import { formatDiagnostic, scanInvalid } from './invalid.js';

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * `flare status` rows for intents whose file fails validation: the status file the reconciler
 * wrote (phase Invalid, last placement), or, before the reconciler has seen the typo, a row
 * built from the file's first error. The repo parser drops both, as they have no valid intent.
 */
export async function invalidRows(repo: string, model: RepoModel, now: Date): Promise<{ row: StatusRow; status?: IntentStatus }[]> {
  const scan = await scanInvalid(model, { currentText: async () => undefined, cacheKey: repo });
  if (scan.invalid.length === 0) return [];
  const valid = new Set(model.intents.map((i) => i.id));
  const out = new Map<string, { row: StatusRow; status?: IntentStatus }>();
  const tenants = [...new Set(scan.invalid.map((i) => i.tenant))];
  for (const tenant of tenants) {
    const dir = path.join(repo, 'status', tenant);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const f of names.sort()) {
      if (!/\.ya?ml$/.test(f)) continue;
      const rel = `status/${tenant}/${f}`;
      const text = await readFile(path.join(dir, f), 'utf8').catch(() => undefined);
      const st = text === undefined ? undefined : parseStatus(text, rel).status;
      if (!st || st.phase !== 'Invalid' || valid.has(st.intent_id) || st.intent_id !== intentId(tenant, f.replace(/\.ya?ml$/, ''))) continue;
      out.set(st.intent_id, { row: rowOf(st, now, model.config.currency), status: st });
    }
  }
  for (const inv of scan.invalid) {
    const d = inv.diagnostics[0]!;
    const fresh = `intent file is invalid: ${formatDiagnostic({ file: d.file, line: d.line, column: d.column, path: d.path, message: d.message })}`;
    const hit = [...out.values()].find((o) => o.row.tenant === inv.tenant && (o.row.intent === inv.name || o.status?.diagnostics?.[0]?.file === inv.file));
    if (hit) {
      // the file on disk is what the user is looking at: its current first error
      hit.row.message = fresh;
      continue;
    }
    out.set(inv.id, {
      row: { tenant: inv.tenant, intent: inv.name, id: inv.id, phase: 'Invalid', provider: '-', gpu: '-', hourly_cost: 0, currency: model.config.currency, accrued: 0, message: fresh, warnings: [] },
    });
  }
  return [...out.values()];
}

function rowOf(s: IntentStatus, now: Date, currency: string): StatusRow {
  const chosen = s.placements.map((p) => p.chosen).filter((c) => c !== undefined);
  const first = s.history[0]?.time;
  const row: StatusRow = {
    tenant: s.tenant,
    intent: s.name,
    id: s.intent_id,
    phase: s.phase,
    provider: [...new Set(chosen.map((c) => c.provider))].join(',') || '-',
    gpu: chosen.length ? `${chosen.reduce((n, c) => n + (c.hourly_rate > 0 ? Math.round(c.hourly_cost / c.hourly_rate) : 0), 0)}x ${[...new Set(chosen.map((c) => c.model))].join(',')}` : '-',
    hourly_cost: round2(chosen.reduce((sum, c) => sum + c.hourly_cost, 0)),
    currency: s.cost?.currency ?? currency,
    accrued: round2(s.cost?.accrued ?? 0),
    message: s.message ?? 'Invalid',
    warnings: s.warnings ?? [],
  };
  if (first) row.age_seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(first)) / 1000));
  return row;
}
