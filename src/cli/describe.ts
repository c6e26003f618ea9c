import path from 'node:path';
import { Command } from 'commander';
import type { CliContext } from './context.js';
import { outputOption } from './output.js';
import { UsageError } from '../errors.js';
import { clusterFromFlags } from '../cluster/kubeconfig.js';
import type { KubeObject } from '../k8s/object.js';
import { LABEL_INTENT, intentNamespace, solverName } from '../k8s/names.js';
import { MANAGED_KINDS } from '../reconcile/apply.js';
import { loadRepo } from '../repo/load.js';
import { describeIntent, formatDescribe, type DescribeInput } from '../views/describe.js';
import { findIntent } from './explain.js';

interface DescribeFlags {
  repo?: string;
  kubeconfig?: string;
  context?: string;
  output: string;
}

export function describeCommand(ctx: CliContext): Command {
  return new Command('describe')
    .description('everything known of one intent: spec, phase and reason, placements, the choice with its score terms, runners-up, rejected offers, cost, history (and cluster events with --kubeconfig)')
    .argument('<intent>', 'intent id <tenant>-<name>, <tenant>/<name>, or the intent file')
    .option('--repo <dir>', 'FLARE repo folder (default: current directory)')
    .option('--kubeconfig <path>', "also show the cluster's events for the intent's objects")
    .option('--context <name>', 'kubeconfig context')
    .addOption(outputOption(['text', 'json'], 'text'))
    .action(async (ref: string, f: DescribeFlags) => {
      const repoDir = path.resolve(ctx.cwd, f.repo ?? '.');
      const model = await loadRepo(repoDir);
      const intent = findIntent(model, ref, repoDir, ctx.cwd);
      if (!intent) throw new UsageError(`no intent ${JSON.stringify(ref)}; known: ${model.intents.map((i) => i.id).sort().slice(0, 20).join(', ')}`);
      const input: DescribeInput = { intent, config: model.config, now: new Date() };
      const status = model.statuses.get(intent.id);
      if (status) input.status = status;
      const tenant = model.tenants.find((t) => t.name === intent.tenant);
      if (tenant) input.tenant = tenant;
      if (f.kubeconfig || f.context) {
        const cluster = clusterFromFlags({ ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}), ...(f.context ? { context: f.context } : {}) }, ctx.env, ctx.cwd);
        const ns = intentNamespace(intent.tenant, intent.name);
        const prefix = solverName(intent.id);
        const mine = (e: KubeObject): boolean => {
          const inv = ((e as Record<string, any>).involvedObject ?? (e as Record<string, any>).regarding ?? {}) as { namespace?: string; name?: string };
          return inv.namespace === ns || (typeof inv.name === 'string' && inv.name.startsWith(prefix));
        };
        const [own, fluidos] = await Promise.all([
          cluster.list('v1', 'Event', { namespace: ns }),
          cluster.list('v1', 'Event', { namespace: model.config.namespaces.fluidos }),
        ]);
        input.events = [...own, ...fluidos].filter(mine);
        const sel = { labelSelector: `${LABEL_INTENT}=${intent.id}` };
        input.objects = (await Promise.all(MANAGED_KINDS.map((k) => cluster.list(k.apiVersion, k.kind, sel).then((xs) => xs.map((o) => ({ ...o, apiVersion: k.apiVersion, kind: k.kind })))))).flat();
      }
      const report = describeIntent(input);
      ctx.stdout.write(f.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatDescribe(report));
      ctx.exitCode = 0;
    });
}
