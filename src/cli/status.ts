import path from 'node:path';
import { Command, Option } from 'commander';
import type { CliContext } from './context.js';
import { outputOption } from './output.js';
import { clusterFromFlags } from '../cluster/kubeconfig.js';
import type { Cluster } from '../cluster/types.js';
import { UsageError } from '../errors.js';
import type { Intent } from '../intent/model.js';
import { loadRepo } from '../repo/load.js';
import type { IntentStatus } from '../status/model.js';
import { OBSERVED_KINDS, observeCluster, type Observed } from '../reconcile/observe.js';
import { nodeReady } from '../reconcile/advance-context.js';
import { fetchUpstream, readRepoFilesAt } from '../git/read-ref.js';
import { parseRepo } from '../repo/parse.js';
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

/** What the cluster says of an intent's chosen placements and workload, in one line. */
function clusterFacts(id: string, s: IntentStatus | undefined, observed: Observed): string {
  const parts: string[] = [];
  for (const w of observed.workloads.get(id) ?? []) {
    if (w.kind === 'Job') {
      parts.push(`job ${w.metadata.name} ${w.status?.succeeded ?? 0} succeeded, ${w.status?.failed ?? 0} failed`);
    } else {
      parts.push(`${w.kind.toLowerCase()} ${w.metadata.name} ${w.status?.readyReplicas ?? 0}/${w.spec?.replicas ?? 1} ready`);
    }
  }
  for (const p of s?.placements ?? []) {
    if (!p.remote_cluster_id) continue;
    const nodes = observed.virtualNodes.get(p.remote_cluster_id) ?? [];
    if (nodes.length === 0) parts.push(`no virtual node for ${p.remote_cluster_id}`);
    for (const n of nodes) parts.push(`node ${n.metadata.name} ${nodeReady(n) ? 'Ready' : 'NotReady'}`);
  }
  return parts.length ? parts.join('; ') : 'nothing in the cluster';
}

interface WatchRow extends StatusRow {
  cluster: string;
}

/**
 * One view for --watch: the status files as the reconciler last pushed them (the upstream of the
 * checked-out branch, fetched; the working tree when there is none) and the cluster's facts. The
 * reconciler's choices are shown as it committed them: nothing is decided here.
 */
async function watchView(repo: string, which: string | undefined, cluster: Cluster): Promise<{ rows: WatchRow[]; statuses: Map<string, IntentStatus>; source: string }> {
  const ref = await fetchUpstream(repo);
  const model = ref ? parseRepo(await readRepoFilesAt(repo, ref)) : await loadRepo(repo);
  const match = (id: string, tenant: string, name: string) => !which || which === id || which === name || which === `${tenant}/${name}`;
  const intents = model.intents.filter((i) => match(i.id, i.tenant, i.name));
  const now = new Date();
  const rows: StatusRow[] = statusRows(intents, model.statuses, now, model.config.currency);
  const statuses = new Map(model.statuses);
  if (!ref) {
    for (const b of await invalidRows(repo, model, now)) {
      if (!match(b.row.id, b.row.tenant, b.row.intent)) continue;
      rows.push(b.row);
      if (b.status) statuses.set(b.row.id, b.status);
    }
  }
  const observed = await observeCluster(cluster, model.config);
  const out = rows.map((r) => ({ ...r, cluster: clusterFacts(r.id, statuses.get(r.id), observed) }));
  out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { rows: out, statuses, source: ref ?? 'working tree' };
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
    .addOption(outputOption(['text', 'json'], 'text'))
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
      if (!opts.kubeconfig && !ctx.env.KUBECONFIG) throw new UsageError('--watch needs --kubeconfig (or $KUBECONFIG)');
      // KUBECONFIG=a:b merged as kubectl does, each file relative to the command's cwd
      const cluster = clusterFromFlags({ ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}), ...(opts.context ? { context: opts.context } : {}) }, ctx.env, ctx.cwd);
      const max = opts.maxUpdates !== undefined ? Number(opts.maxUpdates) : Number.POSITIVE_INFINITY;
      let printed = 0;
      let last = '';
      let shown = new Map<string, WatchRow>();
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
      ctx.signal?.addEventListener('abort', onSignal, { once: true });
      if (ctx.signal?.aborted) interrupted = true;
      try {
        while (!interrupted && printed < max) {
          const view = await watchView(repo, which, cluster);
          const now = new Map(view.rows.map((r) => [r.id, r]));
          const deleted = [...shown.values()].filter((r) => !now.has(r.id));
          // AGE and the accrued cost change every second: reprint on a change of anything else
          const key = JSON.stringify({ rows: view.rows.map((r) => ({ ...r, age_seconds: 0, accrued: 0 })), deleted: deleted.map((d) => d.id) });
          if (key !== last) {
            const time = new Date().toISOString();
            if (opts.output === 'json') {
              const intents = view.rows.map((r) => ({ ...r, status: view.statuses.get(r.id) ?? null }));
              ctx.stdout.write(JSON.stringify({ time, source: view.source, intents, deleted: deleted.map((d) => d.id) }) + '\n');
            } else {
              if (printed > 0) ctx.stdout.write('\n');
              ctx.stdout.write(`${time}  (status from ${view.source}, cluster live)\n`);
              ctx.stdout.write(formatStatusTable(view.rows));
              for (const r of view.rows) ctx.stdout.write(`  ${r.tenant}/${r.intent}: ${r.cluster}\n`);
              for (const d of deleted) ctx.stdout.write(`  ${d.tenant}/${d.intent}: deleted\n`);
            }
            last = key;
            printed++;
          }
          shown = now;
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
        ctx.signal?.removeEventListener('abort', onSignal);
        for (const s of stops) s();
      }
    });
}
