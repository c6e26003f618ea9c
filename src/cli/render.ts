import path from 'node:path';
import { Command } from 'commander';
import type { CliContext } from './context.js';
import { outputOption, writeJson } from './output.js';
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
  output: 'text' | 'json';
}

/** `render -o json`: what was (or, with --check, would be) written, and the problems found. */
interface RenderJson {
  out: string;
  check: boolean;
  /** Written (or, with --check, up to date). */
  ok: boolean;
  objects: number;
  intents: number;
  tenants: number;
  /** Files new in the output folder, files whose content changed, files removed (stale), relative to `out`. */
  added: string[];
  changed: string[];
  removed: string[];
  symlinks: string[];
  diagnostics: Diagnostic[];
}

/** Errors and warnings only: the info notes ("recorded, not enforced") belong to validate and explain. */
function shownDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return sortDiagnostics(diagnostics).filter((d) => d.severity !== 'info');
}

export function renderCommand(ctx: CliContext): Command {
  return new Command('render')
    .description('compile intents, tenants and status into rendered/ (one file per object)')
    .option('--check', 'compare with the files on disk instead of writing; exit 1 when they differ')
    .option('--out <dir>', 'output folder (default: <repo>/rendered)')
    .option('--repo <dir>', 'FLARE repo folder (default: current directory)')
    .addOption(outputOption(['text', 'json'], 'text', 'result format (json: files added, changed, removed and the diagnostics on stdout)'))
    .action(async (opts: RenderOptions) => {
      const repoDir = path.resolve(ctx.cwd, opts.repo ?? '.');
      const outDir = opts.out !== undefined ? path.resolve(ctx.cwd, opts.out) : path.join(repoDir, 'rendered');
      const model = await loadRepo(repoDir);
      const tpl = await loadTemplates(repoDir);
      const result = render(model, tpl.templates);
      const diagnostics = [...model.diagnostics, ...tpl.diagnostics, ...result.diagnostics];
      const shownDiags = shownDiagnostics(diagnostics);
      const shown = path.relative(ctx.cwd, outDir) || '.';
      const json = opts.output === 'json';
      const emit = (r: Omit<RenderJson, 'out' | 'check' | 'diagnostics'>): void => {
        if (json) writeJson(ctx.stdout, { out: shown, check: Boolean(opts.check), ...r, diagnostics: shownDiags } satisfies RenderJson);
      };
      // in json the diagnostics are part of the result on stdout; in text they are the report on stderr
      if (!json) for (const d of shownDiags) ctx.stderr.write(formatDiagnostic(d) + '\n');
      if (hasErrors(diagnostics)) {
        const n = diagnostics.filter((d) => d.severity === 'error').length;
        emit({ ok: false, objects: 0, intents: 0, tenants: 0, added: [], changed: [], removed: [], symlinks: [] });
        ctx.stderr.write(`render: ${n} error(s); nothing written\n`);
        ctx.exitCode = 1;
        return;
      }
      // render is key-less: it renders every status as written and says which ones are signed
      const signatures = await statusSignatures(repoDir, model);
      if (signatures.length) ctx.stderr.write(signatureSummary(signatures) + '\n');
      const tenants = new Set(result.objects.map((o) => o.tenant)).size;
      const intents = new Set(result.objects.flatMap((o) => (o.intentId ? [o.intentId] : []))).size;
      // what differs from the folder on disk: the --check verdict, and what a write changes
      const c = await checkRendered(outDir, result.files);
      const counts = { objects: result.objects.length, intents, tenants, added: c.missing, changed: c.changed, removed: c.stale, symlinks: c.symlinks };
      if (opts.check) {
        emit({ ok: c.ok && c.symlinks.length === 0, ...counts });
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
      emit({ ok: true, ...counts });
      ctx.stderr.write(`rendered ${result.objects.length} objects for ${intents} intents in ${tenants} tenants into ${shown}\n`);
    });
}
