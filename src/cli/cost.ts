import path from 'node:path';
import { Command } from 'commander';
import type { CliContext } from './context.js';
import { outputOption } from './output.js';
import { UsageError } from '../errors.js';
import { loadRepo } from '../repo/load.js';
import { costReport, type CostQuery, type CostReport } from '../status/cost.js';
import { table } from '../plan/format.js';

interface CostFlags {
  repo?: string;
  tenant?: string;
  since?: string;
  at?: string;
  output: string;
}

const f2 = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(2));

function formatCost(r: CostReport): string {
  const c = r.currency;
  const out: string[] = [];
  out.push(
    ...table(
      ['TENANT', 'INTENT', 'PHASE', 'PROVIDER', `${c}/H`, 'SINCE', `ACCRUED ${c}`, `BUDGET ${c}`, `LEFT ${c}`],
      r.intents.map((i) => [i.tenant, i.name, i.phase, i.provider, f2(i.hourly), i.since ?? '-', f2(i.accrued), f2(i.max_total_cost), f2(i.budget_left)]),
    ),
  );
  out.push('');
  out.push(
    ...table(
      ['TENANT', 'INTENTS', `BURN ${c}/H`, `ACCRUED ${c}`, `QUOTA ${c}/H`, `QUOTA LEFT ${c}/H`, 'GPUS'],
      r.tenants.map((t) => [t.tenant, String(t.intents), f2(t.burn), f2(t.accrued), f2(t.quota_max_hourly_cost), f2(t.quota_left), t.quota_gpus !== undefined ? `${t.gpus_in_use}/${t.quota_gpus}` : String(t.gpus_in_use)]),
    ),
  );
  out.push('', `total: ${f2(r.total.burn)} ${c}/h burn, ${f2(r.total.accrued)} ${c} accrued`);
  return out.join('\n') + '\n';
}

export function costCommand(ctx: CliContext): Command {
  return new Command('cost')
    .description('accrued cost per intent and tenant, hourly burn, budget and money quota left (finished intents included), from the status files')
    .option('--repo <dir>', 'FLARE repo folder (default: current directory)')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--since <date>', 'only intents active since this date (charging now, or a status change since)')
    .option('--at <date>', 'compute the running meters as of this time (default: now)')
    .addOption(outputOption(['text', 'json'], 'text'))
    .action(async (f: CostFlags) => {
      const repoDir = path.resolve(ctx.cwd, f.repo ?? '.');
      const model = await loadRepo(repoDir);
      const q: CostQuery = { intents: model.intents, statuses: model.statuses, tenants: model.tenants, config: model.config, now: new Date() };
      if (f.at !== undefined) {
        q.now = new Date(f.at);
        if (Number.isNaN(q.now.getTime())) throw new UsageError(`--at must be a date, got ${JSON.stringify(f.at)}`);
      }
      if (f.tenant !== undefined) {
        if (!model.tenants.some((t) => t.name === f.tenant) && !model.intents.some((i) => i.tenant === f.tenant)) throw new UsageError(`no tenant ${JSON.stringify(f.tenant)}`);
        q.tenant = f.tenant;
      }
      if (f.since !== undefined) {
        const d = new Date(f.since);
        if (Number.isNaN(d.getTime())) throw new UsageError(`--since must be a date, got ${JSON.stringify(f.since)}`);
        q.since = d;
      }
      const r = costReport(q);
      ctx.stdout.write(f.output === 'json' ? `${JSON.stringify(r, null, 2)}\n` : formatCost(r));
      ctx.exitCode = 0;
    });
}
