import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { untilStopped, type CliContext } from './context.js';
import { outputOption } from './output.js';
import { clusterFromFlags } from '../cluster/kubeconfig.js';
import { UsageError } from '../errors.js';
import { shortHash } from '../util/hash.js';
import { gitCredentials, refuseUrlCredentials } from '../git/credentials.js';
import { parseDuration } from '../util/quantity.js';
import type { CycleResult } from '../reconcile/cycle.js';
import { startReconciler, type ReconcilerOptions, type RepoSource } from '../reconcile/reconciler.js';

interface ReconcileCliOptions {
  repo: string;
  kubeconfig?: string;
  context?: string;
  apply: boolean;
  once?: boolean;
  interval?: string;
  httpPort?: string;
  httpHost: string;
  workdir?: string;
  branch: string;
  leaderElection?: boolean;
  leaseNamespace: string;
  leaseName: string;
  identity?: string;
  signingSecret?: string;
  adoptUnsignedStatus?: boolean;
  output: 'text' | 'json';
  gitCredentialsFile?: string;
}

/** A remote is anything git clones over the network or from a bare path that is not a working tree. */
export function isRemoteRepo(repo: string, cwd: string): boolean {
  if (/^(https?|ssh|git|file):\/\//.test(repo) || /^[\w.-]+@[\w.-]+:/.test(repo)) return true;
  const abs = path.resolve(cwd, repo);
  return repo.endsWith('.git') && existsSync(abs) && !existsSync(path.join(abs, '.git'));
}

export function repoSource(repo: string, cwd: string, branch: string, workdir?: string): RepoSource {
  if (!isRemoteRepo(repo, cwd)) return { path: path.resolve(cwd, repo), branch };
  // per user: another user's folder of the same name is refused, never shared (ensurePrivateDir)
  const dir = workdir ? path.resolve(cwd, workdir) : path.join(os.tmpdir(), `flare-reconcile-${process.getuid?.() ?? 'u'}-${shortHash(repo)}`);
  const url = /^[a-z]+:\/\//.test(repo) || /^[\w.-]+@/.test(repo) ? repo : path.resolve(cwd, repo);
  return { url, dir, branch };
}

function seconds(v: string, flag: string): number {
  const s = /^\d+(\.\d+)?$/.test(v) ? Number(v) : parseDuration(v);
  if (s === undefined || !(s > 0)) throw new UsageError(`${flag}: expected a duration like 5s, 1m (got ${JSON.stringify(v)})`);
  return s;
}

function summary(r: CycleResult): string {
  const phases = r.intents.map((i) => `  ${i.id.padEnd(40)} ${i.phase.padEnd(11)} ${i.provider ?? ''}`);
  const head = `cycle: ${r.intents.length} intent(s), ${r.changed.length} changed, ${r.apply.applied + (r.postApply?.applied ?? 0)} applied, ${r.apply.pruned + (r.postApply?.pruned ?? 0)} pruned${r.commit ? `, commit ${r.commit.slice(0, 8)}${r.pushed ? ' pushed' : ''}` : ''} (${r.durationMs} ms)`;
  return [head, ...phases].join('\n');
}

function json(r: CycleResult): string {
  return JSON.stringify({
    head: r.head,
    commit: r.commit ?? null,
    pushed: r.pushed,
    changed: r.changed,
    deleted: r.deleted,
    applied: r.apply.applied + (r.postApply?.applied ?? 0),
    pruned: r.apply.pruned + (r.postApply?.pruned ?? 0),
    errors: [...r.apply.errors, ...(r.postApply?.errors ?? [])],
    durationMs: r.durationMs,
    intents: r.intents,
  });
}

/**
 * `flare reconcile`: the loop of DESIGN.md "The reconciler". Long-running until SIGINT/SIGTERM;
 * `--once` runs one cycle and exits (0 ok, 3 when the cycle failed). Progress goes to stderr;
 * with --once the cycle's result goes to stdout.
 */
export function reconcileCommand(ctx: CliContext): Command {
  return new Command('reconcile')
    .description('apply rendered objects, observe FLUIDOS/Liqo/workloads, decide, and commit status back to Git')
    .option('--repo <url|path>', 'repository: a remote URL (cloned privately) or a local working tree', '.')
    .option('--kubeconfig <path>', 'kubeconfig of the consumer cluster (default: $KUBECONFIG / ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--no-apply', 'observe and commit only (Argo CD applies rendered/)')
    .option('--once', 'run one cycle and exit')
    .option('--interval <duration>', 'time between cycles (default: flare.yaml reconciler.interval)')
    .option('--http-port <port>', 'serve /healthz, /readyz and /metrics on <http-host>:<port>')
    .option('--http-host <address>', 'address for --http-port (0.0.0.0 in a pod, for kubelet probes and Prometheus)', '127.0.0.1')
    .option('--workdir <dir>', 'private clone of a remote repository, mode 0700 (default: a folder under the temp dir)')
    .option('--git-credentials-file <path>', 'git credentials for a remote: one line "user:password" or a token (also FLARE_GIT_CREDENTIALS_FILE, FLARE_GIT_TOKEN, FLARE_GIT_USERNAME/FLARE_GIT_PASSWORD)')
    .option('--branch <name>', 'branch to reconcile', 'main')
    .option('--leader-election', 'run only while holding a coordination.k8s.io Lease (several replicas)')
    .option('--lease-namespace <ns>', 'namespace of the Lease', 'default')
    .option('--lease-name <name>', 'name of the Lease', 'flare-reconciler')
    .option('--identity <id>', 'leader-election identity (default: hostname-pid)')
    .option('--signing-secret <namespace/name>', 'Secret with the status-signing keys, created when absent (default: $POD_NAMESPACE or default, /flare-status-key)')
    .option('--adopt-unsigned-status', 'migration from an older FLARE: trust unsigned status files once and re-sign them')
    .addOption(outputOption(['text', 'json'], 'text', 'the --once result, or one line per cycle that changed something (json: on stdout)'))
    .action(async (opts: ReconcileCliOptions) => {
      const repo = repoSource(opts.repo, ctx.cwd, opts.branch, opts.workdir);
      if ('url' in repo) {
        refuseUrlCredentials(repo.url);
        const auth = await gitCredentials(ctx.env, opts.gitCredentialsFile !== undefined ? path.resolve(ctx.cwd, opts.gitCredentialsFile) : undefined);
        if (auth) repo.auth = auth;
      }
      // KUBECONFIG=a:b merged as kubectl does, each file relative to the command's cwd
      const cluster = clusterFromFlags({ ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}), ...(opts.context ? { context: opts.context } : {}) }, ctx.env, ctx.cwd);
      const ro: ReconcilerOptions = {
        repo,
        cluster,
        mode: opts.apply ? 'apply' : 'observe',
        log: (line) => ctx.stderr.write(`${new Date().toISOString()} ${line}\n`),
        autoStart: !opts.once,
      };
      const sig = opts.signingSecret ?? `${ctx.env.POD_NAMESPACE || 'default'}/flare-status-key`;
      const sm = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(sig);
      if (!sm) throw new UsageError(`--signing-secret: expected <namespace>/<name> (got ${JSON.stringify(sig)})`);
      ro.signingSecret = { namespace: sm[1]!, name: sm[3]! };
      if (opts.adoptUnsignedStatus) ro.adoptUnsigned = true;
      if (opts.interval) ro.intervalMs = seconds(opts.interval, '--interval') * 1000;
      if (opts.httpPort !== undefined) {
        const port = Number(opts.httpPort);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--http-port: expected a port number (got ${opts.httpPort})`);
        ro.httpPort = port;
        // an IP address or a host name: nothing else reaches listen()
        if (!isIP(opts.httpHost) && !/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/i.test(opts.httpHost)) {
          throw new UsageError(`--http-host: expected an IP address or host name (got ${JSON.stringify(opts.httpHost)})`);
        }
        ro.httpHost = opts.httpHost;
      }
      if (opts.leaderElection) {
        ro.leaderElection = {
          namespace: opts.leaseNamespace,
          name: opts.leaseName,
          identity: opts.identity ?? `${os.hostname()}-${process.pid}`,
          leaseSeconds: 15,
        };
      }
      if (opts.once) {
        let failure: unknown;
        ro.onError = (err) => (failure = err);
        const rec = await startReconciler(ro);
        if (rec.url) ctx.stderr.write(`reconcile: serving ${rec.url}/healthz, /readyz, /metrics\n`);
        try {
          const r = await rec.runOnce();
          if (!r) {
            ctx.stderr.write(failure ? `reconcile: cycle failed: ${(failure as Error).message ?? String(failure)}\n` : 'reconcile: not the leader; nothing done\n');
            ctx.exitCode = failure ? 3 : 0;
            return;
          }
          ctx.stdout.write((opts.output === 'json' ? json(r) : summary(r)) + '\n');
        } finally {
          await rec.stop();
        }
        return;
      }
      ro.onCycle = (r) => {
        if (!(r.changed.length || r.deleted.length || r.commit)) return;
        // json: the cycles are the command's result, one JSON line each on stdout; text: progress on stderr
        if (opts.output === 'json') ctx.stdout.write(json(r) + '\n');
        else ctx.stderr.write(summary(r) + '\n');
      };
      const rec = await startReconciler(ro);
      if (rec.url) ctx.stderr.write(`reconcile: serving ${rec.url}/healthz, /readyz, /metrics\n`);
      await untilStopped(ctx.signal);
      ctx.stderr.write('reconcile: stopping\n');
      await rec.stop();
    });
}
