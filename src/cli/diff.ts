import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import git from 'isomorphic-git';
import type { CliContext } from './context.js';
import { outputOption } from './output.js';
import { clusterFromFlags } from '../cluster/kubeconfig.js';
import { loadRepo } from '../repo/load.js';
import { loadTemplates } from '../render/load-templates.js';
import { render } from '../render/render.js';
import { listManaged } from '../reconcile/apply.js';
import { repoIdentity, type RepoIdentity } from '../reconcile/ownership.js';
import { diffObjects, formatDiff } from '../views/diff.js';

interface DiffFlags {
  repo?: string;
  kubeconfig?: string;
  context?: string;
  repoUrl?: string;
  branch?: string;
  output: string;
  exitCode?: boolean;
}

/** The identity the reconciler stamps: its --repo URL and branch; here the clone's origin, else the folder. */
async function identityOf(repoDir: string, f: DiffFlags, branch: string): Promise<RepoIdentity> {
  if (f.repoUrl) return repoIdentity({ url: f.repoUrl, branch });
  const origin = await git.getConfig({ fs, dir: repoDir, path: 'remote.origin.url' }).catch(() => undefined);
  return typeof origin === 'string' && origin ? repoIdentity({ url: origin, branch }) : repoIdentity({ path: repoDir, branch });
}

export function diffCommand(ctx: CliContext): Command {
  return new Command('diff')
    .description("what the next cycle would apply and prune against the live objects (field by field), and drift: fields FLARE sets that someone else changed")
    .option('--repo <dir>', 'FLARE repo clone (default: current directory)')
    .option('--kubeconfig <path>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--repo-url <url>', "the reconciler's --repo URL (its objects carry that identity; default: the clone's origin)")
    .option('--branch <branch>', "the reconciler's branch (default: flare.yaml git.branch)")
    .option('--exit-code', 'exit 1 when there are differences (as `kubectl diff`)')
    .addOption(outputOption(['text', 'json'], 'text'))
    .action(async (f: DiffFlags) => {
      const repoDir = path.resolve(ctx.cwd, f.repo ?? '.');
      const model = await loadRepo(repoDir);
      const tpl = await loadTemplates(repoDir);
      const rendered = render(model, tpl.templates);
      const identity = await identityOf(repoDir, f, f.branch ?? model.config.git.branch);
      const cluster = clusterFromFlags({ ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}), ...(f.context ? { context: f.context } : {}) }, ctx.env, ctx.cwd);
      const desired = rendered.objects.map((o) => ({ object: o.object, wave: o.wave }));
      const live = await listManaged(cluster, identity, desired.map((d) => d.object));
      const report = diffObjects(desired, live, { identity });
      ctx.stdout.write(f.output === 'json' ? `${JSON.stringify({ identity, ...report }, null, 2)}\n` : formatDiff(report));
      const s = report.summary;
      ctx.exitCode = f.exitCode && s.create + s.update + s.prune > 0 ? 1 : 0;
    });
}
