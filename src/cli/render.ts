import path from 'node:path';
import { Command } from 'commander';
import type { CliContext } from './context.js';
import { formatDiagnostic, hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics.js';
import { loadRepo } from '../repo/load.js';
import { loadTemplates } from '../render/load-templates.js';
import { render } from '../render/render.js';
import { checkRendered, writeRendered } from '../render/write.js';
import { signatureSummary, statusSignatures } from '../repo/signature-report.js';

interface RenderOptions {
  check?: boolean;
  out?: string;
  repo?: string;
}

/** Errors and warnings only: the info notes ("recorded, not enforced") belong to validate and explain. */
function report(ctx: CliContext, diagnostics: readonly Diagnostic[]): void {
  for (const d of sortDiagnostics(diagnostics)) if (d.severity !== 'info') ctx.stderr.write(formatDiagnostic(d) + '\n');
}

export function renderCommand(ctx: CliContext): Command {
  return new Command('render')
    .description('compile intents, tenants and status into rendered/ (one file per object)')
    .option('--check', 'compare with the files on disk instead of writing; exit 1 when they differ')
    .option('--out <dir>', 'output folder (default: <repo>/rendered)')
    .option('--repo <dir>', 'FLARE repo folder (default: current directory)')
    .action(async (opts: RenderOptions) => {
      const repoDir = path.resolve(ctx.cwd, opts.repo ?? '.');
      const outDir = opts.out !== undefined ? path.resolve(ctx.cwd, opts.out) : path.join(repoDir, 'rendered');
      const model = await loadRepo(repoDir);
      const tpl = await loadTemplates(repoDir);
      const result = render(model, tpl.templates);
      const diagnostics = [...model.diagnostics, ...tpl.diagnostics, ...result.diagnostics];
      report(ctx, diagnostics);
      if (hasErrors(diagnostics)) {
        const n = diagnostics.filter((d) => d.severity === 'error').length;
        ctx.stderr.write(`render: ${n} error(s); nothing written\n`);
        ctx.exitCode = 1;
        return;
      }
      // render is key-less: it renders every status as written and says which ones are signed
      const signatures = await statusSignatures(repoDir, model);
      if (signatures.length) ctx.stderr.write(signatureSummary(signatures) + '\n');
      const shown = path.relative(ctx.cwd, outDir) || '.';
      const tenants = new Set(result.objects.map((o) => o.tenant)).size;
      const intents = new Set(result.objects.flatMap((o) => (o.intentId ? [o.intentId] : []))).size;
      if (opts.check) {
        const c = await checkRendered(outDir, result.files);
        for (const f of c.missing) ctx.stderr.write(`missing: ${path.join(shown, f)}\n`);
        for (const f of c.changed) ctx.stderr.write(`differs: ${path.join(shown, f)}\n`);
        for (const f of c.stale) ctx.stderr.write(`stale:   ${path.join(shown, f)}\n`);
        for (const f of c.symlinks) ctx.stderr.write(`symlink: ${path.join(shown, f)} (rendered files must be plain files in a plain folder)\n`);
        if (c.symlinks.length) {
          ctx.stderr.write(`render --check: ${shown} holds symlinks; remove them and run flare render\n`);
          ctx.exitCode = 1;
          return;
        }
        if (!c.ok) {
          ctx.stderr.write(`render --check: ${shown} is out of date (${c.missing.length} missing, ${c.changed.length} differ, ${c.stale.length} stale); run flare render\n`);
          ctx.exitCode = 1;
          return;
        }
        ctx.stderr.write(`render --check: ${shown} is up to date (${result.objects.length} objects for ${intents} intents in ${tenants} tenants)\n`);
        return;
      }
      await writeRendered(outDir, result.files);
      ctx.stderr.write(`rendered ${result.objects.length} objects for ${intents} intents in ${tenants} tenants into ${shown}\n`);
    });
}
