import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { createKubeCluster } from '../cluster/kube.js';
import type { Cluster } from '../cluster/types.js';
import { UsageError } from '../errors.js';
import { openGitRepo, parseGitImpl } from '../git/open.js';
import { startApiServer } from '../serve/server.js';
import { TokenStore, fileTokenBackend, secretTokenBackend } from '../serve/tokens.js';
import { untilStopped, type CliContext } from './context.js';
import { outputOption } from './output.js';
import { repoSource } from './reconcile.js';

interface ServeCliOptions {
  repo: string;
  branch: string;
  workdir?: string;
  git: string;
  kubeconfig?: string;
  context?: string;
  host: string;
  port: string;
  tokenFile?: string;
  tokenStore?: string;
  tokenNamespace: string;
  tlsCert?: string;
  tlsKey?: string;
  bodyLimit: string;
  rateLimit: string;
  syncInterval: string;
  output: 'text' | 'json';
}

function intOption(v: string, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name}: expected an integer in [${min}, ${max}] (got ${v})`);
  return n;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function serveCommand(ctx: CliContext): Command {
  return new Command('serve')
    .description('serve the FLARE REST API (/api/v1): intents become commits, status is read from the repo')
    .option('--repo <url|path>', 'repository: a remote URL (cloned privately) or a local working tree', '.')
    .option('--branch <name>', 'branch', 'main')
    .option('--workdir <dir>', 'private clone of a remote repository (default: a folder under the temp dir)')
    .addOption(new Option('--git <impl>', 'git implementation: iso (isomorphic-git, http(s) only), cli (git binary), auto').choices(['auto', 'iso', 'cli']).default('auto'))
    .option('--kubeconfig <path>', 'consumer cluster: prices intents, lists resources, stores tokens in a Secret')
    .option('--context <name>', 'kubeconfig context')
    .option('--host <addr>', 'listen address (loopback by default)', '127.0.0.1')
    .option('--port <port>', 'listen port', '8080')
    .option('--token-file <file>', 'file holding the bootstrap admin token (else $FLARE_BOOTSTRAP_TOKEN)')
    .option('--token-store <file>', 'token hashes when no cluster is given (mode 0600; default ~/.flare/api-tokens.json)')
    .option('--token-namespace <ns>', 'namespace of the token Secret when a cluster is given', 'flare-system')
    .option('--tls-cert <file>', 'TLS certificate (PEM); with --tls-key serves https')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--body-limit <bytes>', 'largest request body', String(256 * 1024))
    .option('--rate-limit <n>', 'requests per token per minute', '600')
    .option('--sync-interval <ms>', 'how often the clone is synced for reads', '2000')
    .addOption(outputOption(['text', 'json'], 'text', 'json: one line on stdout once listening ({"url", "tokens"}), for scripts'))
    .action(async (opts: ServeCliOptions) => {
      const impl = parseGitImpl(opts.git);
      const port = intOption(opts.port, '--port', 0, 65535);
      if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together');
      let bootstrap = ctx.env.FLARE_BOOTSTRAP_TOKEN;
      if (opts.tokenFile) bootstrap = (await readFile(path.resolve(ctx.cwd, opts.tokenFile), 'utf8')).trim();
      if (bootstrap !== undefined && bootstrap.length < 16) throw new UsageError('the bootstrap token must be at least 16 characters');
      let cluster: Cluster | undefined;
      if (opts.kubeconfig) {
        cluster = createKubeCluster({ kubeconfigPath: path.resolve(ctx.cwd, opts.kubeconfig), ...(opts.context ? { context: opts.context } : {}) });
      }
      const backend = cluster
        ? secretTokenBackend(cluster, opts.tokenNamespace)
        : fileTokenBackend(path.resolve(ctx.cwd, opts.tokenStore ?? path.join(os.homedir(), '.flare', 'api-tokens.json')));
      const tokens = new TokenStore(backend);
      await tokens.load(bootstrap);
      if (!LOOPBACK.has(opts.host) && !opts.tlsCert) {
        ctx.stderr.write(`serve: warning: listening on ${opts.host} without TLS; bearer tokens cross the network in clear\n`);
      }
      const repo = await openGitRepo(repoSource(opts.repo, ctx.cwd, opts.branch, opts.workdir), impl);
      const server = await startApiServer({
        repo,
        tokens,
        ...(cluster ? { cluster } : {}),
        host: opts.host,
        port,
        ...(opts.tlsCert && opts.tlsKey
          ? { tls: { cert: await readFile(path.resolve(ctx.cwd, opts.tlsCert)), key: await readFile(path.resolve(ctx.cwd, opts.tlsKey)) } }
          : {}),
        bodyLimitBytes: intOption(opts.bodyLimit, '--body-limit', 1024, 16 * 1024 * 1024),
        rateLimitPerMinute: intOption(opts.rateLimit, '--rate-limit', 1, 1_000_000),
        syncIntervalMs: intOption(opts.syncInterval, '--sync-interval', 0, 3_600_000),
        accessLog: (line) => ctx.stderr.write(`${line}\n`),
      });
      ctx.stderr.write(`serve: FLARE API on ${server.url}/api/v1 (tokens: ${tokens.backendKind}${bootstrap ? ', bootstrap admin token set' : ''})\n`);
      ctx.stderr.write(`serve: dashboard on ${server.url}/ (sign in with a token; intents:read and resources:read suffice)\n`);
      if (opts.output === 'json') ctx.stdout.write(`${JSON.stringify({ url: `${server.url}/api/v1`, dashboard: `${server.url}/`, tokens: tokens.backendKind })}\n`);
      await untilStopped(ctx.signal);
      ctx.stderr.write('serve: stopping\n');
      await server.close();
      await repo.close();
    });
}
