import path from 'node:path';
import { Command } from 'commander';
import type { CliContext } from './context.js';
import { outputOption } from './output.js';
import { IoError, UsageError } from '../errors.js';
import { loadRepo } from '../repo/load.js';
import { statusPath } from '../reconcile/cycle.js';
import { statusHistory, type HistoryRow } from '../views/history.js';
import { table } from '../plan/format.js';
import { findIntent } from './explain.js';

interface HistoryFlags {
  repo?: string;
  since?: string;
  limit?: string;
  output: string;
}

function formatHistory(id: string, rows: readonly HistoryRow[]): string {
  if (rows.length === 0) return `${id}: no status commits\n`;
  const cur = rows.find((r) => r.currency)?.currency || 'EUR';
  const body = rows.map((r) => [r.commit, r.time, r.phase, r.provider, r.hourly_cost ? r.hourly_cost.toFixed(2) : '-', r.reason]);
  return table(['COMMIT', 'TIME', 'PHASE', 'PROVIDER', `${cur}/H`, 'REASON'], body).join('\n') + '\n';
}

export function historyCommand(ctx: CliContext): Command {
  return new Command('history')
    .description("the timeline of one intent's decisions from the Git log of its status file (commit, time, phase, provider, EUR/h, reason)")
    .argument('<intent>', 'intent id <tenant>-<name>, <tenant>/<name> (also for a deleted intent), or the intent file')
    .option('--repo <dir>', 'FLARE repo clone (default: current directory)')
    .option('--since <date>', 'only commits from this date (ISO 8601)')
    .option('--limit <n>', 'only the newest n entries')
    .addOption(outputOption(['text', 'json'], 'text'))
    .action(async (ref: string, f: HistoryFlags) => {
      const since = f.since !== undefined ? new Date(f.since) : undefined;
      if (since && Number.isNaN(since.getTime())) throw new UsageError(`--since must be a date, got ${JSON.stringify(f.since)}`);
      if (f.limit !== undefined && !/^[1-9]\d{0,5}$/.test(f.limit)) throw new UsageError(`--limit must be a positive whole number, got ${JSON.stringify(f.limit)}`);
      const repoDir = path.resolve(ctx.cwd, f.repo ?? '.');
      const model = await loadRepo(repoDir);
      const intent = findIntent(model, ref, repoDir, ctx.cwd);
      let tenant: string;
      let name: string;
      if (intent) ({ tenant, name } = intent);
      else if (/^[a-z0-9-]+\/[a-z0-9-]+$/.test(ref)) [tenant, name] = ref.split('/') as [string, string];
      else throw new UsageError(`no intent ${JSON.stringify(ref)} (a deleted intent: use <tenant>/<name>)`);
      const filepath = statusPath(tenant, name);
      let rows: HistoryRow[];
      try {
        rows = await statusHistory({ dir: repoDir, filepath, ...(since ? { since } : {}), ...(f.limit ? { limit: Number(f.limit) } : {}) });
      } catch (err) {
        throw new IoError(repoDir, `cannot read the Git log of ${filepath}: ${err instanceof Error ? err.message : String(err)}`);
      }
      const id = `${tenant}/${name}`;
      ctx.stdout.write(f.output === 'json' ? `${JSON.stringify({ intent: id, file: filepath, entries: rows }, null, 2)}\n` : formatHistory(id, rows));
      ctx.exitCode = 0;
    });
}
