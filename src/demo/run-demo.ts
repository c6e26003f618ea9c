import { cp, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKubeCluster } from '../cluster/kube.js';
import type { Cluster } from '../cluster/types.js';
import { createBareRepo, startGitHttpServer } from '../git/http-server.js';
import { runGit } from '../git/exec.js';
import { startReconciler } from '../reconcile/reconciler.js';
import type { IntentPhase } from '../reconcile/cycle.js';
import { startSandbox } from '../sandbox/index.js';
import { loadRepo } from '../repo/load.js';
import { statusRows, type StatusRow } from '../reconcile/status-table.js';
import { invalidRows } from '../reconcile/invalid-rows.js';
import { IoError } from '../errors.js';
import type { Phase } from '../status/model.js';

/** Phases at which the demo stops waiting for an intent. */
const SETTLED: ReadonlySet<Phase> = new Set<Phase>(['Running', 'Completed', 'NoMatch', 'Failed', 'Invalid']);

/** What a FLARE repo is made of for the demo: the inputs, never status/ or rendered/ (the demo starts fresh). */
const REPO_INPUTS = ['flare.yaml', 'tenants', 'intents', 'templates'];

interface DemoOptions {
  /** A FLARE repo (flare.yaml, tenants/, intents/); default: this project's own examples. */
  repo?: string;
  /** Give up after this long (ms). */
  timeoutMs: number;
  /** Keep the temp dirs (sandbox kubeconfig, git remote, clone) for inspection. */
  keep: boolean;
  /** Progress lines (stderr in the CLI). */
  progress: (line: string) => void;
  /** Reconciler log lines, only when verbose. */
  log?: (line: string) => void;
  /** Stops waiting for the intents to settle (SIGINT in the CLI); the result says so and everything is cleaned up. */
  signal?: AbortSignal;
  /**
   * Leave the world running after convergence (`flare demo --ui`): the result's `live` holds the
   * remote, the cluster and a reconciler that goes on; its release() stops them.
   */
  keepAlive?: boolean;
}

/** What a kept-alive demo leaves running. */
export interface LiveDemo {
  /** The Git remote (smart HTTP) of the demo's repo. */
  gitUrl: string;
  cluster: Cluster;
  /** A scratch folder for more clones; removed by release(). */
  workDir: string;
  release(): Promise<void>;
}

interface DemoResult {
  intents: IntentPhase[];
  /** The final status table (`flare status` rows) read from the reconciler's clone. */
  rows: StatusRow[];
  /** `git log --format=%h %s` of the remote, newest first. */
  commits: string[];
  timedOut: boolean;
  /** Stopped by DemoOptions.signal before every intent settled. */
  interrupted: boolean;
  elapsedMs: number;
  workDir?: string;
  /** The repo has no intent files: nothing was started. */
  empty?: boolean;
  live?: LiveDemo;
}

/** The project's root (where templates/ and the example intents/ live), from dist/demo or src/demo. */
function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function copyRepoInputs(from: string, to: string): Promise<void> {
  if (!(await exists(path.join(from, 'intents')))) {
    throw new IoError(from, 'not a FLARE repo: it has no intents/ folder');
  }
  await mkdir(to, { recursive: true });
  for (const entry of REPO_INPUTS) {
    const src = path.join(from, entry);
    if (await exists(src)) await cp(src, path.join(to, entry), { recursive: true });
  }
}

/**
 * The whole FLARE flow on one machine: the sandbox cluster with its simulated federation, a
 * local smart-HTTP Git remote seeded with the repo's inputs, and the reconciler cloning from it,
 * applying, deciding and pushing status commits until every intent has settled.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const source = path.resolve(opts.repo ?? packageRoot());
  const work = await mkdtemp(path.join(tmpdir(), 'flare-demo-'));
  const seed = path.join(work, 'seed');
  const gitRoot = path.join(work, 'remote');
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
  const cleanups: Array<() => Promise<void>> = [];
  /** Set once a kept-alive world belongs to the caller's release(). */
  let handedOver = false;
  try {
    await copyRepoInputs(source, seed);
    const entries = await readdir(path.join(seed, 'intents'));
    opts.progress(`${elapsed()} repo ${source} (${entries.length} tenant folders)`);
    const input = await loadRepo(seed);
    const hasIntentFiles = input.intents.length > 0 || input.diagnostics.some((d) => /^intents\/[^/]+\/[^/]+$/.test(d.file));
    if (!hasIntentFiles) {
      // nothing would ever settle: say so instead of waiting out the timeout
      opts.progress(`${elapsed()} nothing to run: no intents under ${path.join(source, 'intents')} (add intents/<tenant>/<name>.yaml)`);
      return { intents: [], rows: [], commits: [], timedOut: false, interrupted: false, elapsedMs: Date.now() - started, empty: true };
    }

    const bare = await createBareRepo(gitRoot, 'flare', { branch: 'main', seedFrom: seed, seedMessage: 'Example intents\n' });
    const server = await startGitHttpServer({ root: gitRoot });
    cleanups.push(() => server.close());
    const url = `${server.url}/flare.git`;
    opts.progress(`${elapsed()} git remote ${url} (git http-backend)`);

    const sandbox = await startSandbox({ stepDelayMs: 5, jobDurationMs: 300 });
    cleanups.push(() => sandbox.close());
    opts.progress(`${elapsed()} sandbox cluster ${sandbox.url}, kubeconfig ${sandbox.kubeconfigPath}`);
    opts.progress(`${elapsed()} federation: ${sandbox.federation.providers.length} providers`);

    const cluster = createKubeCluster({ kubeconfigPath: sandbox.kubeconfigPath });
    const phases = new Map<string, IntentPhase>();
    let settledResolve: () => void = () => {};
    const settled = new Promise<void>((resolve) => (settledResolve = resolve));

    const reconcilerOptions = (dir: string): Parameters<typeof startReconciler>[0] => ({
      repo: { url, dir: path.join(work, dir), branch: 'main' },
      cluster,
      mode: 'apply',
      intervalMs: 1000,
      pollMs: 1000,
      debounceMs: 50,
      overrides: { reconciler: { grace_period_seconds: 5, backoff_seconds: 2, max_backoff_seconds: 10 } },
      log: opts.log ?? (() => {}),
      onCycle: (r) => {
        for (const ip of r.intents) {
          const before = phases.get(ip.id);
          if (!before || before.phase !== ip.phase) {
            const via = ip.provider ? ` (${ip.provider})` : '';
            opts.progress(`${elapsed()} ${ip.id.padEnd(44)} ${before ? before.phase + ' → ' : ''}${ip.phase}${via}`);
          }
          phases.set(ip.id, ip);
        }
        if (r.commit) opts.progress(`${elapsed()} commit ${r.commit.slice(0, 8)}: ${r.changed.length} status file(s)${r.pushed ? ', pushed' : ''}`);
        if (r.intents.length > 0 && r.intents.every((i) => SETTLED.has(i.phase))) settledResolve();
      },
      onError: (err) => opts.progress(`${elapsed()} cycle failed (retrying): ${err instanceof Error ? err.message : String(err)}`),
    });
    const reconciler = await startReconciler(reconcilerOptions('clone'));
    cleanups.push(() => reconciler.stop());

    let timer: NodeJS.Timeout | undefined;
    let onAbort = (): void => {};
    const ended = await Promise.race([
      settled.then(() => 'settled' as const),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), opts.timeoutMs))),
      new Promise<'interrupted'>((resolve) => {
        onAbort = () => resolve('interrupted');
        if (opts.signal?.aborted) onAbort();
        else opts.signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    const timedOut = ended === 'timeout';
    await reconciler.stop();
    cleanups.pop();
    const final = await loadRepo(reconciler.git.dir);
    const rows = statusRows(final.intents, final.statuses, new Date(), final.config.currency);
    for (const b of await invalidRows(reconciler.git.dir, final, new Date())) rows.push(b.row);
    rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

    const log = await runGit(['log', '--format=%h %s', 'main'], { cwd: bare });
    const commits = log.stdout.split('\n').filter((l) => l.trim() !== '');
    const result: DemoResult = {
      intents: [...phases.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      rows,
      commits,
      timedOut,
      interrupted: ended === 'interrupted',
      elapsedMs: Date.now() - started,
    };
    if (opts.keep) result.workDir = work;
    if (opts.keepAlive) {
      // The results above are read from a stopped reconciler; a fresh one (own clone) goes on
      // so a dashboard shows jobs completing and costs accruing. Its progress lines stop here.
      const again = await startReconciler({ ...reconcilerOptions('clone-live'), onCycle: () => {}, onError: () => {} });
      cleanups.push(() => again.stop());
      const held = cleanups.splice(0);
      handedOver = true;
      let released = false;
      result.live = {
        gitUrl: url,
        cluster,
        workDir: work,
        async release() {
          if (released) return;
          released = true;
          for (const c of held.reverse()) await c().catch(() => {});
          if (!opts.keep) await rm(work, { recursive: true, force: true });
        },
      };
    }
    return result;
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    if (!opts.keep && !handedOver) await rm(work, { recursive: true, force: true });
  }
}
