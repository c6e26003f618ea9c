import path from 'node:path';
import { Command } from 'commander';
import type { CliContext } from './context.js';
import { outputOption } from './output.js';
import { UsageError } from '../errors.js';
import { clusterFromFlags } from '../cluster/kubeconfig.js';
import { API } from '../fluidos/types.js';
import type { Intent } from '../intent/model.js';
import type { KubeObject } from '../k8s/object.js';
import { loadRepo } from '../repo/load.js';
import { defaultFederation, readFederation } from '../sandbox/index.js';
import { federationFlavors } from '../sandbox/federation/flavors.js';
import { candidatesFromFlavors, planIntents } from '../plan/plan.js';
import { formatPlanMarkdown, formatPlanText } from '../plan/format.js';
import { findIntent } from './explain.js';

interface PlanFlags {
  repo?: string;
  federation?: string;
  kubeconfig?: string;
  context?: string;
  output: string;
}

export function planCommand(ctx: CliContext): Command {
  return new Command('plan')
    .description('show what the ranker would choose for each intent: every offer with its score terms or the constraint that rejected it, and what would change')
    .argument('[intent...]', 'intent ids <tenant>-<name>, <tenant>/<name> or files (default: every intent)')
    .option('--repo <dir>', 'FLARE repo folder (default: current directory)')
    .option('--federation <file>', 'federation snapshot (the format `flare sandbox up --federation` reads); default: the sandbox federation')
    .option('--kubeconfig <path>', "plan against the cluster's Flavors instead of a snapshot")
    .option('--context <name>', 'kubeconfig context')
    .addOption(outputOption(['text', 'markdown', 'json'], 'text'))
    .action(async (refs: string[], f: PlanFlags) => {
      if (f.federation && f.kubeconfig) throw new UsageError('--federation and --kubeconfig exclude each other');
      const repoDir = path.resolve(ctx.cwd, f.repo ?? '.');
      const model = await loadRepo(repoDir);
      let intents: Intent[] = model.intents;
      if (refs.length > 0) {
        intents = refs.map((r) => {
          const i = findIntent(model, r, repoDir, ctx.cwd);
          if (!i) throw new UsageError(`no intent ${JSON.stringify(r)}; known: ${model.intents.map((x) => x.id).sort().slice(0, 20).join(', ')}`);
          return i;
        });
      }
      let flavors: KubeObject[];
      const live = Boolean(f.kubeconfig || (f.context && !f.federation));
      if (f.kubeconfig || (f.context && !f.federation)) {
        const cluster = clusterFromFlags({ ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}), ...(f.context ? { context: f.context } : {}) }, ctx.env, ctx.cwd);
        flavors = await cluster.list(API.nodecore, 'Flavor');
      } else {
        flavors = federationFlavors(f.federation ? readFederation(path.resolve(ctx.cwd, f.federation)) : defaultFederation());
      }
      // Every intent takes part (a tenant's other placements count against its quota); the asked ones are shown.
      const asked = new Set(intents.map((i) => i.id));
      const plans = planIntents({ intents: model.intents, config: model.config, tenants: model.tenants, statuses: model.statuses, candidates: candidatesFromFlavors(flavors), live }).filter((p) => asked.has(p.intent));
      if (f.output === 'json') ctx.stdout.write(`${JSON.stringify({ plans }, null, 2)}\n`);
      else ctx.stdout.write(f.output === 'markdown' ? formatPlanMarkdown(plans) : formatPlanText(plans));
      ctx.exitCode = 0;
    });
}
