import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKubeCluster } from '../../src/cluster/kube.js';
import type { Cluster } from '../../src/cluster/types.js';
import { runGit } from '../../src/git/exec.js';
import { createBareRepo, startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import type { CycleResult } from '../../src/reconcile/cycle.js';
import { startReconciler, type Reconciler, type ReconcilerOptions } from '../../src/reconcile/reconciler.js';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../src/sandbox/index.js';
import type { Phase } from '../../src/status/model.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const human = { GIT_AUTHOR_NAME: 'Human', GIT_AUTHOR_EMAIL: 'h@example.com', GIT_COMMITTER_NAME: 'Human', GIT_COMMITTER_EMAIL: 'h@example.com' };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Settings that make a test converge in seconds. */
export const FAST = { reconciler: { grace_period_seconds: 1, backoff_seconds: 1, max_backoff_seconds: 2, interval_seconds: 1 } };

export const TENANT = (name: string, extra = ''): string =>
  `apiVersion: flare.fluidos.eu/v1alpha1\nkind: Tenant\nmetadata:\n  name: ${name}\nspec:\n  owners:\n    - kind: User\n      name: ${name}-admin\n${extra}`;

/** A small service intent (envelope form). */
export function serviceIntent(name: string, o: { model?: string; count?: number; objective?: string; maxHourly?: string; location?: string; selection?: string; constraints?: string[] } = {}): string {
  return [
    'apiVersion: flare.fluidos.eu/v1alpha1',
    'kind: Intent',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  objective: ${o.objective ?? 'Cost_Minimization'}`,
    ...(o.selection ? [`  selection: ${o.selection}`] : []),
    '  workload:',
    '    type: service',
    '    image: nginx:1.27',
    '    resources:',
    '      gpu:',
    `        model: ${o.model ?? 'nvidia-rtx-4090'}`,
    `        count: ${o.count ?? 1}`,
    '  constraints:',
    `    location: ${o.location ?? 'EU'}`,
    ...(o.maxHourly ? [`    max_hourly_cost: ${o.maxHourly}`] : []),
    ...(o.constraints ?? []).map((c) => `    ${c}`),
    '',
  ].join('\n');
}

export interface World {
  tmp: string;
  sandbox: SandboxHandle;
  cluster: Cluster;
  url: string;
  /** The remote's bare repository (read the branch `main` here without a fetch). */
  bare: string;
  /** The collaborator's clone (made on first call), for tests that drive git by hand. */
  humanClone(): Promise<string>;
  /** Commits files as a collaborator (content null deletes) and pushes; returns the sha. */
  push(files: Record<string, string | null>, message: string): Promise<string>;
  /** A file at the remote head, or undefined. */
  read(file: string): Promise<string | undefined>;
  /** Subjects of the remote branch, newest first. */
  subjects(): Promise<string[]>;
  /** Commit messages (full) of the remote branch, newest first. */
  messages(): Promise<string[]>;
  start(opts?: Partial<ReconcilerOptions>): Promise<Reconciler>;
  close(): Promise<void>;
}

let n = 0;

export async function startWorld(files: Record<string, string> | { copyRepo: true }, sandboxOpts: SandboxOptions = {}): Promise<World> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'flare-reconcile-'));
  const seed = path.join(tmp, 'seed');
  await mkdir(seed, { recursive: true });
  if ('copyRepo' in files) {
    for (const p of ['flare.yaml', 'tenants', 'intents']) await cp(path.join(REPO_ROOT, p), path.join(seed, p), { recursive: true });
  } else {
    for (const [f, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(seed, f)), { recursive: true });
      await writeFile(path.join(seed, f), text);
    }
  }
  const root = path.join(tmp, 'srv');
  const bare = await createBareRepo(root, 'flare', { branch: 'main', seedFrom: seed });
  const server: GitHttpServer = await startGitHttpServer({ root });
  const url = `${server.url}/flare.git`;
  const sandbox = await startSandbox({ stepDelayMs: 5, jobDurationMs: 200, ...sandboxOpts });
  const cluster = createKubeCluster({ kubeconfigPath: sandbox.kubeconfigPath, watchBackoffMs: { min: 50, max: 500 } });
  // the collaborator's clone is made on first use: most worlds never push
  const work = path.join(tmp, 'human');
  let cloned: Promise<unknown> | undefined;
  const humanClone = async (): Promise<string> => {
    cloned ??= runGit(['clone', '-q', '-b', 'main', url, work], { cwd: tmp, timeoutMs: 30_000 });
    await cloned;
    return work;
  };
  const reconcilers: Reconciler[] = [];
  const world: World = {
    tmp,
    sandbox,
    cluster,
    url,
    bare,
    humanClone,
    async push(changes, message) {
      await humanClone();
      await runGit(['pull', '-q', '--ff-only', 'origin', 'main'], { cwd: work, env: human, timeoutMs: 30_000 });
      for (const [f, text] of Object.entries(changes)) {
        const abs = path.join(work, f);
        if (text === null) await rm(abs, { force: true });
        else {
          await mkdir(path.dirname(abs), { recursive: true });
          await writeFile(abs, text);
        }
      }
      await runGit(['add', '-A'], { cwd: work, env: human });
      await runGit(['commit', '-q', '-m', message], { cwd: work, env: human });
      await runGit(['push', '-q', 'origin', 'HEAD:main'], { cwd: work, env: human, timeoutMs: 30_000 });
      return (await runGit(['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
    },
    // The remote's own repository answers what is on the branch: the same bytes a fetch would
    // bring, without two HTTP round trips and five processes per look.
    async read(file) {
      const r = await runGit(['show', `main:${file}`], { cwd: bare, okCodes: [128] });
      return r.code === 0 ? r.stdout : undefined;
    },
    async subjects() {
      return (await runGit(['log', '--format=%s', 'main'], { cwd: bare })).stdout.trim().split('\n');
    },
    async messages() {
      return (await runGit(['log', '--format=%B%x00', 'main'], { cwd: bare })).stdout.split('\0').map((s) => s.trim()).filter(Boolean);
    },
    async start(opts = {}) {
      const rec = await startReconciler({
        repo: { url, dir: path.join(tmp, `clone-${n++}`) },
        cluster,
        mode: 'apply',
        overrides: FAST,
        autoStart: false,
        ...opts,
      });
      reconcilers.push(rec);
      return rec;
    },
    async close() {
      for (const r of reconcilers) await r.stop().catch(() => undefined);
      await sandbox.close();
      await server.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
  return world;
}

export function phasesOf(r: CycleResult | undefined): Record<string, Phase> {
  const out: Record<string, Phase> = {};
  for (const i of r?.intents ?? []) out[i.id] = i.phase;
  return out;
}

/** Runs cycles until `done` holds for the last result (or throws with the last phases). */
export async function cycleUntil(
  rec: Reconciler,
  done: (r: CycleResult) => boolean,
  { timeoutMs = 30_000, pauseMs = 50 } = {},
): Promise<CycleResult> {
  const until = Date.now() + timeoutMs;
  let last: CycleResult | undefined;
  for (;;) {
    const r = await rec.runOnce();
    if (r) {
      last = r;
      if (done(r)) return r;
    }
    if (Date.now() > until) {
      throw new Error(`timed out; last phases: ${JSON.stringify(last?.intents.map((i) => [i.id, i.phase, i.message]))}`);
    }
    await sleep(pauseMs);
  }
}

export const allSettled = (r: CycleResult): boolean =>
  r.intents.length > 0 && r.intents.every((i) => ['Running', 'Completed', 'Failed', 'NoMatch'].includes(i.phase));
