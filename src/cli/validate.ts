import * as path from 'node:path';
import { Command } from 'commander';
import type { CliContext } from './context.js';
import { outputOption } from './output.js';
import type { Diagnostic } from '../diagnostics.js';
import { formatDiagnostic, hasErrors, sortDiagnostics } from '../diagnostics.js';
import { loadRepo } from '../repo/load.js';
import { templateDiagnostics } from '../render/template-check.js';
import { rootDiagnostics } from '../reconcile/roots.js';
import { signatureNote, statusSignatures } from '../repo/signature-report.js';
import { prGuard } from '../guard/pr-guard.js';
import { findSymlinks } from '../files/symlinks.js';
import { loadTemplates } from '../render/load-templates.js';
import { render } from '../render/render.js';

type OutputFormat = 'text' | 'json' | 'github';

/** GitHub Actions workflow command; values are escaped as the runner expects. */
export function formatGithub(d: Diagnostic): string {
  const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escProp = (s: string) => esc(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const level = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'notice';
  const props = [`file=${escProp(d.file)}`];
  if (d.line > 0) props.push(`line=${d.line}`, `col=${d.column}`);
  const msg = `${d.path ? d.path + ' ' : ''}${d.message}${d.hint ? `; ${d.hint}` : ''}`;
  return `::${level} ${props.join(',')}::${esc(msg)}`;
}

/**
 * `flare validate [paths...]`: checks intents, tenants, flare.yaml and status files; writes
 * nothing. Paths limit which intent files are reported; cross-file checks still see the whole repo.
 * Exit 0 valid, 1 invalid, 2 usage or I/O error.
 */
export function validateCommand(ctx: CliContext): Command {
  return new Command('validate')
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) })
    .description('check intents, tenants, flare.yaml and status files; report every problem with its position')
    .argument('[paths...]', 'intent files or folders to report (default: the whole repo)')
    .option('--repo <dir>', 'repository root', '.')
    .addOption(outputOption(['text', 'json', 'github'], 'text'))
    .option('-q, --quiet', 'errors only (no warnings or "recorded, not enforced" notes)')
    .option('--base <ref>', 'pull-request guard: also fail when the change since this git ref touches status/ or hand-edits rendered/')
    .action(async (paths: string[], opts: { repo: string; output: OutputFormat; quiet?: boolean; base?: string }) => {
      const repo = path.resolve(ctx.cwd, opts.repo);
      const abs = paths.map((p) => path.resolve(ctx.cwd, p));
      const loaded = await loadRepo(repo, abs.length ? { paths: abs } : {});
      // templates are checked against the render policy too (a repo may override them)
      const model = { ...loaded, diagnostics: sortDiagnostics([...(await rootDiagnostics(repo)), ...loaded.diagnostics, ...(await templateDiagnostics(repo, loaded))]) };
      // templates/ links are refused by loadTemplates; validate reports them too
      // (the template check may already have reported the same link: once is enough)
      const seen = new Set(model.diagnostics.map((d) => `${d.file}\0${d.code}\0${d.message}`));
      const templateLinks = findSymlinks(repo, ['templates']).diagnostics.filter((d) => !seen.has(`${d.file}\0${d.code}\0${d.message}`));
      if (templateLinks.length) model.diagnostics = sortDiagnostics([...model.diagnostics, ...templateLinks]);
      // key-less: says which statuses carry a signature, the reconciler verifies them
      const signatures = await statusSignatures(repo, model);
      // notes are about status/ files: only when the whole repo is reported (paths select intent files)
      if (!abs.length) model.diagnostics = sortDiagnostics([...model.diagnostics, ...signatures.map(signatureNote)]);
      if (opts.base !== undefined) {
        // rendered/ is judged against what render makes of the whole working tree
        const full = abs.length ? await loadRepo(repo) : model;
        const tpl = await loadTemplates(repo);
        const out = hasErrors(full.diagnostics) || hasErrors(tpl.diagnostics) ? undefined : render(full, tpl.templates);
        const rendered = out && !hasErrors(out.diagnostics) ? out.files : undefined;
        const guard = await prGuard({ repoDir: repo, base: opts.base, rendered });
        model.diagnostics = sortDiagnostics([...model.diagnostics, ...guard.diagnostics]);
        ctx.stderr.write(`base ${opts.base} (${guard.from.slice(0, 12)}): ${guard.changed.length} file(s) changed under status/ and rendered/, ${guard.reconcilerCommits.length} reconciler commit(s)\n`);
      }
      const shown = opts.quiet ? model.diagnostics.filter((d) => d.severity === 'error') : model.diagnostics;
      const counts = { error: 0, warning: 0, info: 0 };
      for (const d of model.diagnostics) counts[d.severity]++;
      const invalid = hasErrors(model.diagnostics);
      if (opts.output === 'json') {
        ctx.stdout.write(
          JSON.stringify(
            {
              valid: !invalid,
              intents: model.intents.map((i) => ({ id: i.id, tenant: i.tenant, name: i.name, file: i.file, shape: i.shape })),
              counts,
              statuses: signatures.map((x) => ({ file: x.file, intent: x.intent, signed: x.key_id !== undefined, key_id: x.key_id ?? null })),
              diagnostics: shown,
            },
            null,
            2,
          ) + '\n',
        );
      } else {
        const fmt = opts.output === 'github' ? formatGithub : formatDiagnostic;
        for (const d of shown) ctx.stdout.write(fmt(d) + '\n');
      }
      const summary = `${invalid ? 'invalid' : 'valid'}: ${model.intents.length} intent(s), ${model.tenants.length} tenant(s); ${counts.error} error(s), ${counts.warning} warning(s), ${counts.info} note(s)`;
      ctx.stderr.write(summary + '\n');
      ctx.exitCode = invalid ? 1 : 0;
    });
}
