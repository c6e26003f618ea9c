import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import type { CliContext } from './context.js';
import { outputOption, writeJson } from './output.js';
import type { Diagnostic } from '../diagnostics.js';
import { isValidTenantName, scaffold } from '../init/scaffold.js';
import { originUrl, PLACEHOLDER_REPO_URL, publicRepoUrl } from '../argocd/repo-url.js';
import { packagePath } from '../util/package-root.js';
import { UsageError } from '../errors.js';

interface InitOptions {
  tenant: string;
  repoUrl?: string;
  branch: string;
  force?: boolean;
  output: 'text' | 'json';
}

/** `init -o json`: the files written (and which of them replaced an existing file), or why nothing was. */
interface InitJson {
  dir: string;
  written: { path: string; overwritten: boolean }[];
  diagnostics: Diagnostic[];
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function shippedSchemas(): Promise<Record<string, string>> {
  const dir = packagePath('schemas');
  const out: Record<string, string> = {};
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()) out[f] = await readFile(path.join(dir, f), 'utf8');
  return out;
}

/**
 * Which commands this flare has, so the CI workflow runs only real ones. The program `init` was
 * added to lists them: importing the program here would close a circle (it imports init).
 */
function capabilities(program: Command | null): { validateBase: boolean; plan: boolean } {
  const commands = program?.commands ?? [];
  const validate = commands.find((c) => c.name() === 'validate');
  return {
    validateBase: validate?.options.some((o) => o.long === '--base') ?? false,
    plan: commands.some((c) => c.name() === 'plan'),
  };
}

export function initCommand(ctx: CliContext): Command {
  return new Command('init')
    .description('scaffold a FLARE repo: flare.yaml, a tenant, an example intent, schemas, .gitignore, a CI workflow and Argo CD apps')
    .argument('[dir]', 'folder to create the repo in', '.')
    .option('--tenant <name>', 'name of the first tenant', 'team-a')
    .option('--repo-url <url>', "git URL for the Argo CD apps (default: the folder's origin remote)")
    .option('--branch <name>', 'branch the reconciler commits to and Argo CD follows', 'main')
    .option('--force', 'overwrite files that already exist')
    .addOption(outputOption(['text', 'json'], 'text', 'result format (text: one written path a line; json: written files and diagnostics)'))
    .action(async (dir: string, opts: InitOptions, command: Command) => {
      if (!isValidTenantName(opts.tenant)) throw new UsageError(`--tenant: "${opts.tenant}" is not a valid tenant name (lowercase letters, digits and -, at most 32)`);
      const root = path.resolve(ctx.cwd, dir);
      const pkg = JSON.parse(await readFile(packagePath('package.json'), 'utf8')) as { name: string; version: string };
      const files = scaffold({
        tenant: opts.tenant,
        repoURL: opts.repoUrl !== undefined ? publicRepoUrl(opts.repoUrl) : ((await originUrl(root).catch(() => undefined)) ?? PLACEHOLDER_REPO_URL),
        branch: opts.branch,
        version: pkg.version,
        packageName: pkg.name,
        schemas: await shippedSchemas(),
        has: capabilities(command.parent),
      });
      // Check everything before writing anything: a refusal leaves the folder as it was.
      const existing: string[] = [];
      for (const f of files) if (await exists(path.join(root, f.path))) existing.push(f.path);
      const shown = path.relative(ctx.cwd, root) || '.';
      if (existing.length > 0 && !opts.force) {
        if (opts.output === 'json') {
          const diagnostics: Diagnostic[] = existing.map((f) => ({
            severity: 'error',
            file: path.join(shown, f).split(path.sep).join('/'),
            line: 0,
            column: 0,
            path: '',
            message: 'already exists; nothing written',
            hint: 'use --force to overwrite',
            code: 'file-exists',
          }));
          writeJson(ctx.stdout, { dir: shown, written: [], diagnostics } satisfies InitJson);
        }
        for (const f of existing) ctx.stderr.write(`exists: ${f}\n`);
        ctx.stderr.write(`init: ${existing.length} file(s) already exist in ${root}; nothing written (use --force to overwrite)\n`);
        ctx.exitCode = 1;
        return;
      }
      for (const f of files) {
        const target = path.join(root, f.path);
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, f.content);
        if (opts.output === 'text') ctx.stdout.write(`${f.path}\n`);
      }
      if (opts.output === 'json') {
        const had = new Set(existing);
        writeJson(ctx.stdout, { dir: shown, written: files.map((f) => ({ path: f.path, overwritten: had.has(f.path) })), diagnostics: [] } satisfies InitJson);
      }
      ctx.stderr.write(
        `init: wrote ${files.length} files into ${shown}${existing.length > 0 ? ` (${existing.length} overwritten)` : ''}\n` +
          `next: cd ${shown} && flare validate && flare render && flare demo --repo .\n`,
      );
    });
}
