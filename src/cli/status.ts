import path from 'node:path';
import { Command, Option } from 'commander';
import type { CliContext } from './main.js';
import { createKubeCluster } from '../cluster/kube.js';
import type { Cluster } from '../cluster/types.js';
import { UsageError } from '../errors.js';
import type { Intent } from '../intent/model.js';
import { loadRepo } from '../repo/load.js';
import type { RepoModel } from '../repo/model.js';
import { rank } from '../select/rank.js';
import type { IntentStatus } from '../status/model.js';
import { OBSERVED_KINDS, observeCluster } from '../reconcile/observe.js';
import { advance } from '../reconcile/state-machine.js';
import { formatStatusTable, statusRows, type StatusRow } from '../reconcile/status-table.js';
import { invalidRows } from '../reconcile/invalid-rows.js';

interface StatusCliOptions {
  repo: string;
  watch?: boolean;
  kubeconfig?: string;
  context?: string;
  output: 'text' | 'json';
  maxUpdates?: string;
}

function select(intents: readonly Intent[], which: string | undefined): Intent[] {
  if (!which) return [...intents];
  const hit = intents.filter((i) => i.id === which || i.name === which || `${i.tenant}/${i.name}` === which);
  if (hit.length === 0) throw new UsageError(`no intent ${JSON.stringify(which)} (use <name>, <tenant>/<name> or <tenant>-<name>)`);
  return hit;
}

function print(ctx: CliContext, rows: StatusRow[], output: 'text' | 'json', statuses?: ReadonlyMap<string, IntentStatus>): void {
  if (output === 'json') {
    ctx.stdout.write(JSON.stringify(rows.map((r) => ({ ...r, status: statuses?.get(r.id) ?? null }))) + '\n');
    return;
  }
  ctx.stdout.write(formatStatusTable(rows));
  if (rows.length === 1) {
    const r = rows[0]!;
    ctx.stdout.write(`\n${r.message}\n`);
    for (const w of r.warnings) ctx.stdout.write(`warning: ${w}\n`);
    const s = statuses?.get(r.id);
    for (const sug of s?.suggestions ?? []) ctx.stdout.write(`suggestion: ${sug.alternative} (${sug.cost_difference}; ${sug.performance_impact}) → set ${sug.change.path}: ${JSON.stringify(sug.change.value)}\n`);
  }
}

/** What the state machine would record now, from the committed status and the live cluster. */
async function liveStatuses(model: RepoModel, intents: Intent[], cluster: Cluster): Promise<Map<string, IntentStatus>> {
  const observed = await observeCluster(cluster, model.config);
  const now = new Date();
  const out = new Map<string, IntentStatus>();
  const tenants = new Map(model.tenants.map((t) => [t.name, t]));
  for (const intent of intents) {
    const args: Parameters<typeof advance>[0] = { intent, observed, now, config: model.config, rank };
    const s = model.statuses.get(intent.id);
    if (s) args.status = s;
    const t = tenants.get(intent.tenant);
    if (t) args.tenant = t;
    out.set(intent.id, advance(args).status);
  }
  return out;
}

/**
 * `flare status [intent]`: the status files as a table (or JSON). With --watch and a
 * kubeconfig, re-prints whenever the cluster changes, showing what the reconciler would record.
 */
export function statusCommand(ctx: CliContext): Command {
  return new Command('status')
    .description('show the phase, provider, GPUs and cost of intents from status/ (live from the cluster with --watch)')
    .argument('[intent]', '<name>, <tenant>/<name> or <tenant>-<name>')
    .option('--repo <dir>', 'repository root', '.')
    .option('-w, --watch', 're-print as the cluster changes (needs --kubeconfig or $KUBECONFIG)')
    .option('--kubeconfig <path>', 'kubeconfig of the consumer cluster')
    .option('--context <name>', 'kubeconfig context')
    .addOption(new Option('--max-updates <n>', 'stop --watch after n prints').hideHelp())
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (which: string | undefined, opts: StatusCliOptions) => {
      const repo = path.resolve(ctx.cwd, opts.repo);
      const model = await loadRepo(repo);
      // intents whose file fails validation are listed too (phase Invalid, from their status file)
      const bad = (await invalidRows(repo, model, new Date())).filter(
        (b) => !which || [b.row.id, b.row.intent, `${b.row.tenant}/${b.row.intent}`].includes(which),
      );
      const intents = which && bad.length > 0 && !model.intents.some((i) => [i.id, i.name, `${i.tenant}/${i.name}`].includes(which)) ? [] : select(model.intents, which);
      if (!opts.watch) {
        const rows = statusRows(intents, model.statuses, new Date(), model.config.currency);
        for (const b of bad) rows.push(b.row);
        rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const all = new Map(model.statuses);
        for (const b of bad) if (b.status) all.set(b.row.id, b.status);
        print(ctx, rows, opts.output, all);
        return;
      }
      const kubeconfigPath = opts.kubeconfig ? path.resolve(ctx.cwd, opts.kubeconfig) : ctx.env.KUBECONFIG;
      if (!kubeconfigPath) throw new UsageError('--watch needs --kubeconfig (or $KUBECONFIG)');
      const kc: { kubeconfigPath: string; context?: string } = { kubeconfigPath };
      if (opts.context) kc.context = opts.context;
      const cluster = createKubeCluster(kc);
      const max = opts.maxUpdates !== undefined ? Number(opts.maxUpdates) : Number.POSITIVE_INFINITY;
      let printed = 0;
      let last = '';
      let wake: (() => void) | undefined;
      const stops: (() => void)[] = [];
      for (const k of OBSERVED_KINDS) {
        const wo: { labelSelector?: string } = {};
        if (k.labelSelector) wo.labelSelector = k.labelSelector;
        stops.push(await cluster.watch(k.apiVersion, k.kind, wo, () => wake?.(), () => undefined).catch(() => () => undefined));
      }
      let interrupted = false;
      const onSignal = (): void => {
        interrupted = true;
        wake?.();
      };
      process.once('SIGINT', onSignal);
      try {
        while (!interrupted && printed < max) {
          const statuses = await liveStatuses(model, intents, cluster);
          const rows = statusRows(intents, statuses, new Date(), model.config.currency);
          // AGE changes every second: reprint on a change of anything else
          const key = JSON.stringify(rows.map((r) => ({ ...r, age_seconds: 0, accrued: 0 })));
          if (key !== last) {
            if (printed > 0 && opts.output === 'text') ctx.stdout.write('\n');
            print(ctx, rows, opts.output, statuses);
            last = key;
            printed++;
          }
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 2000);
            wake = () => {
              clearTimeout(t);
              // let a burst of events settle
              setTimeout(resolve, 100);
            };
          });
          wake = undefined;
        }
      } finally {
        process.off('SIGINT', onSignal);
        for (const s of stops) s();
      }
    });
}
