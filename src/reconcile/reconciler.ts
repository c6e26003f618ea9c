import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import type { Cluster } from '../cluster/types.js';
import type { GitRepo } from '../git/types.js';
import { openLocalRepo, openRemoteRepo } from '../git/repo.js';
import { openGitRepo, type GitImpl } from '../git/open.js';
import { loadRepo as defaultLoadRepo } from '../repo/load.js';
import { loadTemplates } from '../render/load-templates.js';
import { render as defaultRender } from '../render/render.js';
import type { RepoModel } from '../repo/model.js';
import type { RenderResult } from '../render/types.js';
import type { TemplateSet } from '../render/templates.js';
import { rank as defaultRank } from '../select/rank.js';
import { DEFAULT_CONFIG } from '../config/model.js';
import type { Decision, RankInput } from '../select/types.js';
import type { IntentStatus } from '../status/model.js';
import { runCycle, type ConfigOverrides, type CycleResult, type LogFn, type ReconcileMode } from './cycle.js';
import { LeaderElector, type LeaderElectionOptions } from './leader.js';
import { ReconcilerMetrics } from './metrics.js';
import { repoIdentity } from './ownership.js';
import { OBSERVED_KINDS } from './observe.js';
import { withRetries } from './retry.js';
import { GitError, LeadershipLostError } from '../errors.js';
import { DEFAULT_SIGNING_SECRET, loadSigningKeys, type SecretRef } from './trust.js';
import { costRefresher } from './cost-metrics.js';
import { createNotifier, type NotifierOptions } from '../notify/notifier.js';

export type RepoSource =
  | { url: string; dir: string; branch?: string; auth?: { username: string; password: string }; git?: GitImpl }
  | { path: string; branch?: string };

export interface ReconcilerOptions {
  repo: RepoSource;
  cluster: Cluster;
  /** apply (default): server-side apply + prune; observe: Argo CD applies, FLARE only decides and commits. */
  mode?: ReconcileMode;
  overrides?: ConfigOverrides;
  /** Timer between cycles; default: flare.yaml `reconciler.interval_seconds`. */
  intervalMs?: number;
  /** How often a URL repo is polled for new commits (default 5 s, never above intervalMs). */
  pollMs?: number;
  /** Debounce of cluster watch and file events (default 100 ms). */
  debounceMs?: number;
  /** Cycle on FLUIDOS/Liqo/workload watch events (default true). */
  watchCluster?: boolean;
  leaderElection?: LeaderElectionOptions;
  /** Serve /healthz, /readyz, /metrics on 127.0.0.1:<port> (0: a free port). */
  httpPort?: number;
  httpHost?: string;
  log?: LogFn;
  now?: () => Date;
  /** Called after every successful cycle (the demo and tests follow progress here). */
  onCycle?: (r: CycleResult) => void;
  onError?: (err: unknown) => void;
  /** Start the timer and watches (default true); false: cycles run only through runOnce(). */
  autoStart?: boolean;
  /** Injection points (defaults: the real ranker, renderer, loaders). */
  rank?: (i: RankInput) => Decision;
  render?: (m: RepoModel, t: TemplateSet) => RenderResult;
  loadRepo?: (dir: string) => Promise<RepoModel>;
  git?: GitRepo;
  /** Secret holding the status-signing keys (created with one key when absent); default default/flare-status-key. */
  signingSecret?: SecretRef;
  /** One-time migration: trust unsigned status files written by an older FLARE (see CycleDeps). */
  adoptUnsigned?: boolean;
  /** Webhook sender settings (flare.yaml `notifications`); secrets are read from `env` (default process.env). */
  notify?: NotifierOptions;
  /** Test hook, see CycleDeps.afterApply. */
  afterApply?: () => Promise<void> | void;
}

export interface Reconciler {
  /** Runs one cycle now (queued behind a running one); undefined when not the leader. */
  runOnce(): Promise<CycleResult | undefined>;
  /** Stops timers, watches and the HTTP server; releases the lease; waits for a running cycle. */
  stop(): Promise<void>;
  /** Prometheus text. */
  metrics(): string;
  isLeader(): boolean;
  /** true after the first successful cycle. */
  ready(): boolean;
  last(): CycleResult | undefined;
  /** Resolves once the webhook events queued so far are delivered or given up (retries included): what was sent is then final. */
  notified(): Promise<void>;
  /** Base URL of the HTTP endpoints when httpPort was given. */
  url?: string;
  git: GitRepo;
}

const DEFAULT_POLL_MS = 5000;
const DEFAULT_DEBOUNCE_MS = 100;

async function openRepo(src: RepoSource, log: LogFn): Promise<GitRepo> {
  if ('url' in src && src.git && src.git !== 'cli') return openGitRepo(src, src.git);
  if ('url' in src) {
    const opts: Parameters<typeof openRemoteRepo>[0] = { url: src.url, dir: src.dir, branch: src.branch ?? 'main', warn: (m) => log(`warning: ${m}`) };
    if (src.auth) opts.auth = src.auth;
    return openRemoteRepo(opts);
  }
  return openLocalRepo({ path: src.path, branch: src.branch ?? 'main', warn: (m) => log(`warning: ${m}`) });
}

/**
 * The reconcile loop: cycles on a timer, on new commits (remote poll or a file watch of a local
 * repo) and on cluster watch events, one at a time; only the lease holder runs cycles when leader
 * election is on. A failed cycle (cluster 5xx, git error) is logged, counted and retried on the
 * next trigger: every cycle starts from Git and the cluster, so nothing is half-remembered.
 */
export async function startReconciler(opts: ReconcilerOptions): Promise<Reconciler> {
  const log: LogFn = opts.log ?? (() => undefined);
  const now = opts.now ?? (() => new Date());
  const cluster = withRetries(opts.cluster);
  const git = opts.git ?? (await openRepo(opts.repo, log));
  const metrics = new ReconcilerMetrics();
  const notifier = createNotifier({ log, now, ...opts.notify });
  const refreshCosts = costRefresher(opts.loadRepo ?? ((dir) => defaultLoadRepo(dir)), now, (c) => (metrics.costs = c));
  const identity = repoIdentity(opts.repo);
  const elector = opts.leaderElection ? new LeaderElector(cluster, opts.leaderElection, now) : undefined;
  const templatesCache = new Map<string, TemplateSet>();
  // statuses with their retry bookkeeping, which is kept out of Git
  const memory = new Map<string, IntentStatus>();
  let last: CycleResult | undefined;
  let isReady = false;
  let stopped = false;
  let running: Promise<CycleResult | undefined> | undefined;
  const timers: NodeJS.Timeout[] = [];
  const stops: (() => void | Promise<void>)[] = [];

  const loadTpl = async (dir: string): Promise<TemplateSet> => {
    const r = await loadTemplates(dir);
    for (const d of r.diagnostics) if (d.severity === 'error') log(`templates: ${d.file}: ${d.message}`);
    templatesCache.set(dir, r.templates);
    return r.templates;
  };

  let electionOk = false;
  let election: Promise<boolean> = Promise.resolve(false);
  /** One acquire-or-renew step, serialized: concurrent steps would race each other's resourceVersion. */
  const electionStep = (): Promise<boolean> => {
    if (!elector) return Promise.resolve(true);
    election = election.then(async () => {
      const was = elector.isLeader();
      try {
        await elector.tryAcquireOrRenew();
        electionOk = true;
      } catch (err) {
        electionOk = false;
        log(`leader election: ${(err as Error).message}`);
      }
      metrics.leader = elector.isLeader();
      if (elector.isLeader() !== was) {
        log(elector.isLeader() ? `leader election: ${opts.leaderElection!.identity} acquired the lease` : `leader election: ${opts.leaderElection!.identity} lost the lease`);
        if (elector.isLeader()) trigger('became leader');
      }
      return elector.isLeader();
    });
    return election;
  };

  const cycleOnce = async (): Promise<CycleResult | undefined> => {
    if (elector && !(await electionStep())) return undefined;
    const started = Date.now();
    metrics.cycles++;
    try {
      const keys = await loadSigningKeys(cluster, opts.signingSecret ?? DEFAULT_SIGNING_SECRET, now);
      if (keys.created) log(`created status-signing key ${keys.keyring.signing.id} in Secret ${(opts.signingSecret ?? DEFAULT_SIGNING_SECRET).namespace}/${(opts.signingSecret ?? DEFAULT_SIGNING_SECRET).name}`);
      const deps: Parameters<typeof runCycle>[0] = {
        keyring: keys.keyring,
        git,
        cluster,
        mode: opts.mode ?? 'apply',
        now,
        log,
        rank: opts.rank ?? defaultRank,
        render: opts.render ?? defaultRender,
        loadRepo: opts.loadRepo ?? ((dir) => defaultLoadRepo(dir)),
        loadTemplates: loadTpl,
        memory,
      };
      if (elector) deps.fence = async () => (await electionStep()) && elector.isLeader();
      if (opts.overrides) deps.overrides = opts.overrides;
      if (opts.afterApply) deps.afterApply = opts.afterApply;
      deps.identity = identity;
      if (opts.adoptUnsigned) deps.adoptUnsigned = true;
      const r = await runCycle(deps);
      metrics.ownershipConflicts = r.apply.conflicts.length;
      metrics.observeCycle((Date.now() - started) / 1000);
      metrics.applies += r.apply.applied + (r.postApply?.applied ?? 0);
      metrics.prunes += r.apply.pruned + (r.postApply?.pruned ?? 0);
      metrics.untrustedStatus += r.untrusted.length;
      if (r.commit) metrics.commits++;
      if (r.pushed) metrics.pushes++;
      metrics.setPhases(r.intents.map((i) => i.phase));
      last = r;
      refreshCosts(git.dir, r.changed.length > 0 || r.deleted.length > 0);
      notifier.onCycle(r);
      isReady = true;
      if (opts.intervalMs === undefined) armTimer(r.config.reconciler.interval_seconds * 1000);
      opts.onCycle?.(r);
      return r;
    } catch (err) {
      metrics.observeCycle((Date.now() - started) / 1000);
      if (err instanceof LeadershipLostError) {
        metrics.leadershipLost++;
        log(`cycle stopped: ${err.message}`);
        return undefined;
      }
      metrics.cycleFailures++;
      if (err instanceof GitError) metrics.countGitFailure(err);
      log(`cycle failed: ${(err as Error)?.message ?? String(err)}`);
      opts.onError?.(err);
      return undefined;
    }
  };

  /** Serializes cycles; triggers during a cycle coalesce into exactly one more. */
  let queued: Promise<CycleResult | undefined> | undefined;
  const runOnce = (): Promise<CycleResult | undefined> => {
    if (!running) {
      running = cycleOnce().finally(() => {
        running = undefined;
      });
      return running;
    }
    if (!queued) {
      queued = running.then(() => {
        queued = undefined;
        return stopped ? undefined : runOnce();
      });
    }
    return queued;
  };

  let debounce: NodeJS.Timeout | undefined;
  const trigger = (why: string): void => {
    if (stopped) return;
    if (debounce) return;
    debounce = setTimeout(() => {
      debounce = undefined;
      if (stopped) return;
      void runOnce().catch((err) => log(`cycle (${why}) failed: ${String(err)}`));
    }, opts.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  };

  let timer: NodeJS.Timeout | undefined;
  let timerMs = 0;
  const armTimer = (ms: number): void => {
    if (stopped || opts.autoStart === false || ms === timerMs) return;
    if (timer) clearInterval(timer);
    timerMs = ms;
    timer = setInterval(() => trigger('timer'), Math.max(10, ms));
    timer.unref?.();
  };

  const autoStart = opts.autoStart !== false;
  if (autoStart) {
    armTimer(opts.intervalMs ?? DEFAULT_CONFIG.reconciler.interval_seconds * 1000);
    if (elector) {
      // renew well inside the lease, independently of how long cycles take
      const t = setInterval(() => void electionStep(), Math.max(10, (opts.leaderElection!.leaseSeconds * 1000) / 3));
      t.unref?.();
      timers.push(t);
    }
    if ('url' in opts.repo) {
      const poll = Math.min(opts.pollMs ?? DEFAULT_POLL_MS, opts.intervalMs ?? Number.POSITIVE_INFINITY);
      const t = setInterval(() => trigger('git poll'), Math.max(10, poll));
      t.unref?.();
      timers.push(t);
    } else {
      // only commits count (the working tree is never read): watch the branch refs
      const dir = git.dir;
      const watcher: FSWatcher = chokidarWatch(
        git.watchPaths ? [...git.watchPaths] : ['flare.yaml', 'tenants', 'intents', 'templates'].map((p) => path.join(dir, p)),
        { ignoreInitial: true },
      );
      watcher.on('all', () => trigger('file change'));
      watcher.on('error', (err) => log(`file watch: ${String(err)}`));
      stops.push(() => watcher.close());
    }
    if (opts.watchCluster !== false) {
      // a PeeringCandidate changes with every discovery of every Solver; the Solver's own status
      // says when its discovery is done, so candidates need no watch of their own
      for (const k of OBSERVED_KINDS.filter((x) => x.kind !== 'PeeringCandidate')) {
        const wo: { labelSelector?: string } = {};
        if (k.labelSelector) wo.labelSelector = k.labelSelector;
        try {
          const stop = await opts.cluster.watch(k.apiVersion, k.kind, wo, () => trigger(`${k.kind} event`), (err) =>
            log(`watch ${k.kind}: ${(err as Error)?.message ?? String(err)}`),
          );
          stops.push(stop);
        } catch (err) {
          // the timer still drives cycles; a missing watch only slows reactions down
          log(`watch ${k.kind} not started: ${(err as Error).message}`);
        }
      }
    }
  }

  let server: Server | undefined;
  let url: string | undefined;
  if (opts.httpPort !== undefined) {
    server = createServer((req, res) => {
      const p = (req.url ?? '/').split('?')[0];
      if (p === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (p === '/readyz') {
        // a standby is healthy and ready to take over; readiness means "cycles succeed here"
        const ok = isReady || (elector !== undefined && !elector.isLeader() && electionOk);
        res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n');
      } else if (p === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(opts.httpPort, opts.httpHost ?? '127.0.0.1', () => resolve());
    });
    const a = server.address() as AddressInfo;
    url = `http://${opts.httpHost ?? '127.0.0.1'}:${a.port}`;
  }

  if (autoStart) trigger('start');

  const rec: Reconciler = {
    runOnce,
    isLeader: () => (elector ? elector.isLeader() : true),
    ready: () => isReady,
    last: () => last,
    metrics: () => metrics.render(),
    notified: () => notifier.flush(),
    git,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (debounce) clearTimeout(debounce);
      for (const t of timers) clearInterval(t);
      if (timer) clearInterval(timer);
      if (queued) await queued.catch(() => undefined);
      if (running) await running.catch(() => undefined);
      await election.catch(() => undefined);
      for (const s of stops) await Promise.resolve(s()).catch(() => undefined);
      await notifier.close();
      if (elector) await elector.release().catch(() => undefined);
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((r) => server!.close(() => r()));
      }
      if (!opts.git) await git.close();
    },
  };
  if (url) rec.url = url;
  return rec;
}
