import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { toYamlDocuments } from '../argocd/yaml.js';
import type { CliContext } from './context.js';
import { outputOption } from './output.js';
import { parseConfig } from '../config/parse.js';
import { DEFAULT_CONFIG } from '../config/model.js';
import { loadHealthChecks } from '../argocd/health-checks.js';
import { argocdCmPatch, DEFAULT_ARGOCD_SETTINGS, renderedApplication, tenantApplicationSet, type ArgoCdSettings } from '../argocd/manifests.js';
import { originUrl, PLACEHOLDER_REPO_URL, publicRepoUrl } from '../argocd/repo-url.js';
import { UsageError } from '../errors.js';

interface ArgoCdOptions {
  repo?: string;
  repoUrl?: string;
  revision?: string;
  path: string;
  namespace: string;
  project: string;
  server: string;
  name: string;
  only?: string;
  output: 'yaml' | 'text' | 'json';
}

const PARTS = ['health', 'application', 'applicationset'] as const;
type Part = (typeof PARTS)[number];

async function configuredBranch(dir: string): Promise<string> {
  try {
    return parseConfig(await readFile(path.join(dir, 'flare.yaml'), 'utf8'), 'flare.yaml').config.git.branch;
  } catch {
    return DEFAULT_CONFIG.git.branch;
  }
}

export function argocdCommand(ctx: CliContext): Command {
  return new Command('argocd')
    .description('print the Argo CD setup: argocd-cm health checks for FLUIDOS/Liqo/Capsule kinds, an Application for rendered/, an ApplicationSet with one Application per tenant')
    .option('--repo <dir>', 'FLARE repo folder (default: current directory)')
    .option('--repo-url <url>', "git URL Argo CD clones (default: the repo's origin remote)")
    .option('--revision <rev>', 'branch, tag or commit to follow (default: flare.yaml git.branch)')
    .option('--path <dir>', 'rendered folder inside the repo', DEFAULT_ARGOCD_SETTINGS.renderedPath)
    .option('--namespace <ns>', 'namespace Argo CD runs in', DEFAULT_ARGOCD_SETTINGS.argocdNamespace)
    .option('--project <name>', 'Argo CD project', DEFAULT_ARGOCD_SETTINGS.project)
    .option('--server <url>', 'destination cluster API server', DEFAULT_ARGOCD_SETTINGS.destinationServer)
    .option('--name <name>', 'Application name (and prefix of the per-tenant ones)', DEFAULT_ARGOCD_SETTINGS.name)
    .option('--only <parts>', `comma-separated subset of ${PARTS.join(',')}`)
    .addOption(outputOption(['yaml', 'text', 'json'], 'yaml', 'yaml (multi-document; text is the same), json (a v1 List)'))
    .action(async (opts: ArgoCdOptions) => {
      const repoDir = path.resolve(ctx.cwd, opts.repo ?? '.');
      const parts = new Set<Part>();
      for (const p of (opts.only ?? PARTS.join(',')).split(',').map((x) => x.trim()).filter(Boolean)) {
        if (!(PARTS as readonly string[]).includes(p)) throw new UsageError(`--only: unknown part "${p}" (one of ${PARTS.join(', ')})`);
        parts.add(p as Part);
      }
      let repoURL = opts.repoUrl !== undefined ? publicRepoUrl(opts.repoUrl) : await originUrl(repoDir);
      if (repoURL === undefined) {
        repoURL = PLACEHOLDER_REPO_URL;
        if (parts.has('application') || parts.has('applicationset')) {
          ctx.stderr.write(`argocd: no --repo-url and no origin remote; using ${PLACEHOLDER_REPO_URL}: replace it before applying\n`);
        }
      }
      const settings: ArgoCdSettings = {
        repoURL,
        revision: opts.revision ?? (await configuredBranch(repoDir)),
        renderedPath: opts.path.replace(/\/+$/, ''),
        argocdNamespace: opts.namespace,
        project: opts.project,
        destinationServer: opts.server,
        name: opts.name,
      };
      const docs: unknown[] = [];
      if (parts.has('health')) docs.push(argocdCmPatch(await loadHealthChecks(), settings));
      if (parts.has('application')) docs.push(renderedApplication(settings));
      if (parts.has('applicationset')) docs.push(tenantApplicationSet(settings));
      if (parts.has('application') && parts.has('applicationset')) {
        ctx.stderr.write('argocd: apply the Application (one sync of rendered/) or the ApplicationSet (one Application per tenant), not both\n');
      }
      if (opts.output === 'json') ctx.stdout.write(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }, null, 2) + '\n');
      else ctx.stdout.write(toYamlDocuments(docs));
    });
}
