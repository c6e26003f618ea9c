import path from 'node:path';
import { Command } from 'commander';
import type { CliContext } from './context.js';
import { outputOption } from './output.js';
import { UsageError } from '../errors.js';
import { formatDiagnostic, sortDiagnostics } from '../diagnostics.js';
import type { Intent } from '../intent/model.js';
import type { RepoModel } from '../repo/model.js';
import { loadRepo } from '../repo/load.js';
import { explainIntent, formatExplain } from '../render/explain.js';

/** An intent by id (`<tenant>-<name>`), `<tenant>/<name>`, or the path of its file. */
export function findIntent(model: RepoModel, ref: string, repoDir: string, cwd: string): Intent | undefined {
  const byId = model.intents.find((i) => i.id === ref);
  if (byId) return byId;
  const slash = ref.indexOf('/');
  if (slash > 0 && !/\.(ya?ml|json)$/i.test(ref)) {
    const tenant = ref.slice(0, slash);
    const name = ref.slice(slash + 1);
    const hit = model.intents.find((i) => i.tenant === tenant && i.name === name);
    if (hit) return hit;
  }
  const rel = path.relative(repoDir, path.resolve(cwd, ref)).split(path.sep).join('/');
  return model.intents.find((i) => i.file === rel || i.file === ref);
}

export function explainCommand(ctx: CliContext): Command {
  return new Command('explain')
    .description('show what each field of one intent became (Solver filters, manifest fields, ranker checks) and what is recorded, not enforced')
    .argument('<intent>', 'intent id <tenant>-<name>, <tenant>/<name>, or the intent file')
    .option('--repo <dir>', 'FLARE repo folder (default: current directory)')
    .addOption(outputOption(['text', 'json'], 'text'))
    .action(async (ref: string, opts: { repo?: string; output: string }) => {
      const repoDir = path.resolve(ctx.cwd, opts.repo ?? '.');
      const model = await loadRepo(repoDir);
      const intent = findIntent(model, ref, repoDir, ctx.cwd);
      if (!intent) {
        // the intent may be unreadable: show what is wrong with its file
        const rel = path.relative(repoDir, path.resolve(ctx.cwd, ref)).split(path.sep).join('/');
        const related = model.diagnostics.filter((d) => d.severity === 'error' && (d.file === rel || d.file.includes(ref)));
        for (const d of sortDiagnostics(related)) ctx.stderr.write(formatDiagnostic(d) + '\n');
        if (related.length > 0) {
          ctx.exitCode = 1;
          return;
        }
        const known = model.intents.map((i) => i.id).sort();
        throw new UsageError(`no intent ${JSON.stringify(ref)}${known.length ? `; known: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''}` : ''}`);
      }
      const report = explainIntent(intent, model.config, model.tenants.find((t) => t.name === intent.tenant)?.allowed_locations);
      ctx.stdout.write(opts.output === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatExplain(report));
    });
}
