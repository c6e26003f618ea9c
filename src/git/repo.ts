import { mkdir, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { GitError } from '../errors.js';
import { RETRYABLE_PUSH_REASONS, parsePushPorcelain, runGit } from './exec.js';
import type { RunGitOptions, RunGitResult } from './exec.js';
import { SerialQueue } from './queue.js';
import { ensurePrivateDir } from './credentials.js';
import { readRefFromFiles } from './ref-files.js';
import { probeApplies, probeRemoteBranch } from './remote-probe.js';
import type { CommitRequest, CommitResult, FileChange, FileVersion, GitRepo } from './types.js';
import { applyChanges, freezeRequest, pathspecInput, validateCommitRequest } from './worktree.js';

export interface RetryOptions {
  /** Push attempts before giving up (default 5). */
  maxAttempts?: number;
  /** First backoff step; doubles per attempt, capped at 1 s, jittered ×0.5–1.5 (default 50). */
  retryDelayMs?: number;
  /** Source of jitter in [0, 1) (default Math.random). */
  random?: () => number;
}

export interface RemoteRepoOptions extends RetryOptions {
  /** Anything `git clone` accepts: http(s) smart-HTTP URL, ssh, or a path to a bare repository. */
  url: string;
  /** The reconciler's private clone; created when missing or empty. */
  dir: string;
  branch: string;
  /** HTTP basic credentials, sent as a header via the environment: never in argv or .git/config. */
  auth?: { username: string; password: string };
  /** Limit per git command (default 120 s): a hung remote must not stall the cycle forever. */
  timeoutMs?: number;
  /** Pack loose objects and drop unreachable ones every this many pushed commits (default 100). */
  maintenanceEveryCommits?: number;
  /** Told about repairs (stale locks cleared, clone re-made) and failed maintenance. */
  warn?: (message: string) => void;
}

interface LocalRepoOptions extends RetryOptions {
  /** A working tree whose checked-out branch must be `branch`. */
  path: string;
  branch: string;
  /** Told once when the working tree has uncommitted changes to the repo's inputs (they are ignored). */
  warn?: (message: string) => void;
}

const DEFAULT_ATTEMPTS = 5;
const DEFAULT_DELAY_MS = 50;
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAINTENANCE_EVERY = 100;
const PROBE_TIMEOUT_MS = 10_000;
const MAX_PROBE_FAILURES = 3;

/** Failures of the remote or the network: re-making the clone would not help. */
const REMOTE_PROBLEMS = new Set(['auth', 'not-found', 'network', 'timeout', 'missing-ref', 'spawn']);

/** Lock files git leaves when killed mid-command; only safe to remove when no git runs here. */
async function clearStaleLocks(dir: string): Promise<string[]> {
  const gitDir = path.join(dir, '.git');
  const found: string[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(gitDir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        // objects/ holds no locks worth a walk; refs/ may nest deeply but stays small
        if (e.name !== 'objects' && depth < 8) await walk(r, depth + 1);
      } else if (e.name.endsWith('.lock') || e.name === 'gc.pid') {
        await rm(path.join(gitDir, r), { force: true });
        found.push(`.git/${r}`);
      }
    }
  };
  await walk('', 0);
  return found.sort();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function backoffMs(attempt: number, options: RetryOptions): number {
  const base = options.retryDelayMs ?? DEFAULT_DELAY_MS;
  const step = Math.min(1000, base * 2 ** (attempt - 1));
  return Math.round(step * (0.5 + (options.random ?? Math.random)()));
}

function authorEnv(author: CommitRequest['author']): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
  };
}

async function checkBranchName(branch: string, cwd: string): Promise<void> {
  try {
    await runGit(['check-ref-format', `refs/heads/${branch}`], { cwd });
  } catch {
    throw new GitError(`invalid branch name ${JSON.stringify(branch)}`, 'invalid-branch');
  }
}

/** Shared by both implementations: one queue, close semantics, staging of a change set. */
abstract class QueuedRepo implements GitRepo {
  protected readonly queue = new SerialQueue();
  private closed = false;

  constructor(
    readonly dir: string,
    protected readonly branch: string,
    protected readonly retry: RetryOptions,
  ) {}

  protected abstract git(args: string[], extra?: Partial<RunGitOptions>): Promise<RunGitResult>;
  protected abstract doSync(): Promise<string>;
  protected abstract doCommit(req: CommitRequest): Promise<CommitResult>;

  protected enqueue<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new GitError(`repository ${this.dir} is closed`, 'closed'));
    return this.queue.run(task);
  }

  sync(): Promise<string> {
    return this.enqueue(() => this.doSync());
  }

  head(): Promise<string> {
    return this.enqueue(() => this.readHead());
  }

  commitAndPush(req: CommitRequest): Promise<CommitResult> {
    try {
      validateCommitRequest(req);
    } catch (err) {
      return Promise.reject(err);
    }
    const frozen = freezeRequest(req);
    return this.enqueue(() => this.doCommit(frozen));
  }

  fileVersions(file: string, limit: number): Promise<FileVersion[]> {
    return this.enqueue(async () => {
      const head = await this.readHead();
      if (!head) return [];
      const { stdout } = await this.git(['log', `-n${Math.max(1, Math.floor(limit))}`, '--format=%H', head, '--', file]);
      const out: FileVersion[] = [];
      for (const commit of stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
        const r = await this.git(['cat-file', 'blob', `${commit}:${file}`], { okCodes: [128] });
        if (r.code === 0) out.push({ commit, text: r.stdout });
      }
      return out;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.drain();
  }

  /** The branch's head commit; '' while the branch has no commit yet. */
  protected async readHead(): Promise<string> {
    const { stdout } = await this.git(['rev-parse', '--verify', '-q', 'HEAD^{commit}'], { okCodes: [1] });
    return stdout.trim();
  }

  /** Writes the changes and stages exactly their paths (forced: a .gitignore must not hide them). */
  protected async stage(changes: FileChange[], extra: Partial<RunGitOptions> = {}): Promise<void> {
    await applyChanges(this.dir, changes);
    const written = changes.filter((c) => c.content !== null).map((c) => c.path);
    const deleted = changes.filter((c) => c.content === null).map((c) => c.path);
    const fromStdin = ['--pathspec-from-file=-', '--pathspec-file-nul'];
    if (written.length > 0) await this.git(['add', '-f', ...fromStdin], { ...extra, input: pathspecInput(written) });
    if (deleted.length > 0) {
      await this.git(['rm', '-q', '--cached', '--ignore-unmatch', ...fromStdin], { ...extra, input: pathspecInput(deleted) });
    }
  }

  protected async backoff(attempt: number): Promise<void> {
    await sleep(backoffMs(attempt, this.retry));
  }

  protected get maxAttempts(): number {
    return Math.max(1, this.retry.maxAttempts ?? DEFAULT_ATTEMPTS);
  }
}

/**
 * The reconciler's private clone of a remote. It owns the working copy: sync() and every commit
 * start from the remote head with a hard reset, so stray local files and unpushed commits left
 * by a failed cycle are discarded rather than pushed later by surprise.
 */
class RemoteGitRepo extends QueuedRepo {
  constructor(
    dir: string,
    branch: string,
    private readonly options: RemoteRepoOptions,
  ) {
    super(dir, branch, options);
  }

  private get authorization(): string | undefined {
    const { auth } = this.options;
    return auth ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` : undefined;
  }

  protected git(args: string[], extra: Partial<RunGitOptions> = {}): Promise<RunGitResult> {
    const config: Record<string, string> = {};
    if (this.authorization) config['http.extraHeader'] = `Authorization: ${this.authorization}`;
    return runGit(args, { cwd: this.dir, timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS, config, ...extra });
  }

  private get remoteRef(): string {
    return `refs/remotes/origin/${this.branch}`;
  }

  /**
   * The commit the working tree, index and branch were last moved to by this object and left
   * untouched since. Only this object writes the clone (every operation runs in its queue), so
   * while it holds, a sync that fetched nothing new has nothing to reset: one git process per
   * idle cycle instead of five. Cleared before anything writes the tree; set only after a reset
   * or a pushed commit left tree, index and branch at that commit.
   */
  private cleanAt: string | undefined;

  /** A ref's commit ('' when missing), from the ref files, or from git when they do not answer plainly. */
  private async resolveRef(ref: string): Promise<string> {
    const fromFiles = await readRefFromFiles(path.join(this.dir, '.git'), ref).catch(() => undefined);
    if (fromFiles !== undefined) return fromFiles;
    const { stdout } = await this.git(['rev-parse', '--verify', '-q', `${ref}^{commit}`], { okCodes: [1] });
    return stdout.trim();
  }

  protected override readHead(): Promise<string> {
    return this.resolveRef('HEAD');
  }

  /** Probes that failed in a row; past MAX_PROBE_FAILURES git alone is asked (a proxy, a redirect). */
  private probeFailures = 0;

  /** GIT_SSL_CAINFO's certificates, read once rather than every cycle. */
  private caCache: { file: string; data: Promise<Buffer> } | undefined;

  private caFor(url: string): Promise<Buffer | undefined> {
    const file = process.env.GIT_SSL_CAINFO;
    if (!file || !url.startsWith('https:')) return Promise.resolve(undefined);
    if (this.caCache?.file !== file) this.caCache = { file, data: readFile(file) };
    return this.caCache.data;
  }

  /**
   * The remote-tracking ref's commit when the remote's branch is known to sit there still ('' for
   * a branch missing on both sides), asked over HTTP from this process; undefined when git must
   * fetch (the remote moved, or it could not be asked as git would ask it).
   */
  private async unmovedRemote(): Promise<string | undefined> {
    if (this.probeFailures >= MAX_PROBE_FAILURES || !probeApplies(this.options.url, process.env)) return undefined;
    const known = await readRefFromFiles(path.join(this.dir, '.git'), this.remoteRef).catch(() => undefined);
    if (known === undefined) return undefined;
    try {
      const remote = await probeRemoteBranch({
        url: this.options.url,
        branch: this.branch,
        authorization: this.authorization,
        timeoutMs: Math.min(PROBE_TIMEOUT_MS, this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
        ca: await this.caFor(this.options.url),
      });
      this.probeFailures = 0;
      return remote === known ? known : undefined;
    } catch {
      this.probeFailures++;
      return undefined;
    }
  }

  /**
   * Fetches the branch; false when the remote has no such branch yet (an empty remote). When the
   * remote's branch has not moved since the last fetch, no git process is started.
   */
  async fetch(): Promise<boolean> {
    const unmoved = await this.unmovedRemote();
    if (unmoved !== undefined) return unmoved !== '';
    try {
      await this.git(['fetch', '--quiet', '--no-tags', 'origin', `+refs/heads/${this.branch}:${this.remoteRef}`]);
      return true;
    } catch (err) {
      if (!(err instanceof GitError) || err.reason !== 'missing-ref') throw err;
      await this.git(['update-ref', '-d', this.remoteRef]);
      return false;
    }
  }

  /** Moves the branch, index and working tree to the last fetched remote head. */
  private async resetToRemote(): Promise<void> {
    this.cleanAt = undefined;
    const remote = await this.resolveRef(this.remoteRef);
    if (remote) {
      await this.git(['checkout', '-q', '-f', '-B', this.branch, this.remoteRef]);
    } else {
      // Remote has no such branch: start it from nothing; the first push creates it.
      await this.git(['symbolic-ref', 'HEAD', `refs/heads/${this.branch}`]);
      await this.git(['update-ref', '-d', `refs/heads/${this.branch}`]);
      await this.git(['read-tree', '--empty']);
    }
    await this.git(['clean', '-q', '-ffdx']);
    if (remote) this.cleanAt = remote;
  }

  /** True when tree, index and branch are known to sit untouched at the fetched remote head. */
  private async atRemoteHead(): Promise<boolean> {
    if (!this.cleanAt) return false;
    return (await this.resolveRef(this.remoteRef)) === this.cleanAt && (await this.readHead()) === this.cleanAt;
  }

  private async syncOnce(): Promise<string> {
    await this.fetch();
    if (await this.atRemoteHead()) return this.cleanAt!;
    await this.resetToRemote();
    return this.readHead();
  }

  /**
   * Every cycle starts here, so this is where a damaged clone heals: a lock left by a killed
   * process, or an object truncated by a full disk, would otherwise fail every later cycle. A
   * problem of the remote (auth, network, missing repository) is not the clone's and is thrown.
   */
  protected async doSync(): Promise<string> {
    try {
      return await this.syncOnce();
    } catch (err) {
      if (err instanceof GitError && REMOTE_PROBLEMS.has(err.reason ?? '')) throw err;
      const cleared = await clearStaleLocks(this.dir);
      if (cleared.length) this.options.warn?.(`${this.dir}: removed stale git lock(s) ${cleared.join(', ')}`);
      try {
        return await this.syncOnce();
      } catch (again) {
        if (again instanceof GitError && REMOTE_PROBLEMS.has(again.reason ?? '')) throw again;
        this.options.warn?.(`${this.dir}: the private clone is damaged (${(again as Error).message.split('\n')[0]}); cloning it again`);
        await this.reclone();
        return await this.syncOnce();
      }
    }
  }

  /** The private clone from scratch: nothing in it is ever the only copy (every commit was pushed). */
  private async reclone(): Promise<void> {
    this.cleanAt = undefined;
    for (const e of await readdir(this.dir)) await rm(path.join(this.dir, e), { recursive: true, force: true });
    await this.git(['clone', '--quiet', '--no-checkout', '--origin', 'origin', this.options.url, '.']);
  }

  private commitsSinceMaintenance = 0;

  /**
   * Packs loose objects and drops what no ref reaches any more (the clone's resets leave commits
   * behind): without it every status commit adds files until the disk is full.
   */
  async maintain(): Promise<void> {
    try {
      await this.git(['reflog', 'expire', '--expire=now', '--all']);
      await this.git(['gc', '--quiet', '--prune=now']);
      this.commitsSinceMaintenance = 0;
    } catch (err) {
      // a failed gc (full disk) leaves the clone usable; the next commit tries again
      this.options.warn?.(`${this.dir}: git maintenance failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  private async push(): Promise<void> {
    const { stdout } = await this.git(['push', '--porcelain', '--no-verify', 'origin', `HEAD:refs/heads/${this.branch}`]);
    const rejected = parsePushPorcelain(stdout).find((r) => r.flag === '!');
    if (rejected) throw new GitError(`git push rejected: ${rejected.summary}`, 'remote-rejected');
  }

  protected async doCommit(req: CommitRequest): Promise<CommitResult> {
    let attempts = 0;
    try {
      for (;;) {
        if (!(await this.atRemoteHead())) await this.resetToRemote();
        const base = this.cleanAt;
        this.cleanAt = undefined;
        await this.stage(req.changes);
        const before = await this.readHead();
        // git commit answers "nothing to commit" itself (exit 1, HEAD unmoved): no diff process first
        const made = await this.git(['commit', '-q', '--no-verify', '--no-gpg-sign', '--cleanup=whitespace', '-F', '-'], {
          input: req.message,
          env: authorEnv(req.author),
          okCodes: [1],
        });
        const sha = await this.readHead();
        if (made.code === 1) {
          if (sha !== before || !/nothing (added )?to commit/.test(made.stdout + made.stderr)) {
            throw new GitError(`git commit failed: ${(made.stderr || made.stdout).trim().split('\n')[0] ?? 'exit 1'}`, 'failed');
          }
          // the written files equal the head's: tree and index are still the head's
          this.cleanAt = base;
          return { sha: undefined, pushed: false, attempts };
        }
        attempts++;
        try {
          await this.push();
          // push moved the remote-tracking ref to our commit: tree, index and branch sit there
          if ((await this.resolveRef(this.remoteRef)) === sha) this.cleanAt = sha;
          if (++this.commitsSinceMaintenance >= (this.options.maintenanceEveryCommits ?? DEFAULT_MAINTENANCE_EVERY)) {
            // queued behind this commit: the cycle gets its answer first
            void this.enqueue(() => this.maintain()).catch(() => undefined);
          }
          return { sha, pushed: true, attempts };
        } catch (err) {
          if (!(err instanceof GitError) || !RETRYABLE_PUSH_REASONS.includes(err.reason ?? '')) throw err;
          if (attempts >= (req.maxAttempts ?? this.maxAttempts)) {
            throw new GitError(
              `push to ${this.branch} rejected ${attempts} times: the remote kept moving (${err.reason})`,
              err.reason,
              { cause: err },
            );
          }
        }
        await this.backoff(attempts);
        await this.fetch();
      }
    } catch (err) {
      // Leave the working copy at the remote head, not at an unpushed commit.
      await this.resetToRemote().catch(() => undefined);
      // a full disk: what gc prunes (commits reset away, loose duplicates) is the space to get back
      if (/no space left on device/i.test((err as Error)?.message ?? '')) void this.enqueue(() => this.maintain()).catch(() => undefined);
      throw err;
    }
  }

  async open(): Promise<void> {
    await ensurePrivateDir(this.dir);
    const entries = await readdir(this.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!entries || entries.length === 0) {
      await this.git(['clone', '--quiet', '--no-checkout', '--origin', 'origin', this.options.url, '.']);
    } else {
      await this.verifyClone();
      // nothing of ours runs in the private clone yet: any lock in it was left by a killed process
      const cleared = await clearStaleLocks(this.dir);
      if (cleared.length) this.options.warn?.(`${this.dir}: removed stale git lock(s) left by a previous process: ${cleared.join(', ')}`);
    }
    await this.doSync();
  }

  private async verifyClone(): Promise<void> {
    const notClone = (why: string) =>
      new GitError(`${this.dir} is not a clone of ${this.options.url} (${why}); use an empty directory`, 'not-a-clone');
    let top: string;
    try {
      top = (await this.git(['rev-parse', '--show-toplevel'])).stdout.trim();
    } catch {
      throw notClone('not a git working tree');
    }
    if ((await realpath(top)) !== (await realpath(this.dir))) throw notClone('it lies inside another repository');
    const { stdout } = await this.git(['config', '--get', 'remote.origin.url'], { okCodes: [1] });
    if (stdout.trim() !== this.options.url) throw notClone(`origin is ${stdout.trim() || 'not set'}`);
  }
}

/** Inputs of a FLARE repo: an uncommitted change to one of them is ignored, and said so once. */
const INPUT_PATHS = ['flare.yaml', 'tenants', 'intents', 'templates'];

/**
 * A repository the user already has checked out: commits land on `branch` locally and are never
 * pushed (push it yourself, or use openRemoteRepo with the remote's URL). The reconciler acts on
 * the committed HEAD only, never on the working tree: `dir` is a private snapshot of HEAD (a
 * temp folder refreshed at every sync), so an intent nobody committed is never placed, and every
 * commit holds status and rendered files computed from committed inputs (a fresh clone passes
 * `flare render --check`). Uncommitted edits of the inputs are reported once and left alone. The
 * commit is built in a temporary index, the branch moves with a compare-and-swap (a concurrent
 * user commit triggers a retry on top of it), and then the working tree's copies of the written
 * paths are updated so `git status` shows them clean.
 */
class LocalGitRepo extends QueuedRepo {
  private warned = false;

  constructor(
    private readonly top: string,
    private readonly gitDir: string,
    private readonly snapRoot: string,
    branch: string,
    private readonly options: LocalRepoOptions,
  ) {
    super(path.join(snapRoot, 'tree'), branch, options);
  }

  /** The user's refs: a commit moves one of these. */
  get watchPaths(): string[] {
    return [path.join(this.gitDir, 'HEAD'), path.join(this.gitDir, 'refs', 'heads'), path.join(this.gitDir, 'packed-refs')];
  }

  protected git(args: string[], extra: Partial<RunGitOptions> = {}): Promise<RunGitResult> {
    return runGit(args, { cwd: this.top, ...extra });
  }

  /** Options that point git at the snapshot: its own work tree and index, the user's objects. */
  private snap(index = path.join(this.snapRoot, 'index')): Partial<RunGitOptions> {
    return { cwd: this.dir, env: { GIT_DIR: this.gitDir, GIT_WORK_TREE: this.dir, GIT_INDEX_FILE: index } };
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.checkBranch();
  }

  private async checkBranch(): Promise<void> {
    const { stdout } = await this.git(['symbolic-ref', '-q', 'HEAD'], { okCodes: [1] });
    if (stdout.trim() !== `refs/heads/${this.branch}`) {
      throw new GitError(
        `${this.top}: branch ${this.branch} is not checked out (HEAD is ${stdout.trim() || 'detached'})`,
        'wrong-branch',
      );
    }
  }

  /** Brings the snapshot to `commit` exactly: tracked files updated, anything else removed. */
  private async refresh(commit: string): Promise<void> {
    if (commit) await this.git(['read-tree', '--reset', '-u', commit], this.snap());
    else {
      await rm(this.dir, { recursive: true, force: true });
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await this.git(['read-tree', '--empty'], this.snap());
    }
    await this.git(['clean', '-q', '-ffdx'], this.snap());
  }

  private async warnIfDirty(): Promise<void> {
    if (this.warned || !this.options.warn) return;
    const { stdout } = await this.git(['status', '--porcelain', '--untracked-files=all', '--', ...INPUT_PATHS]);
    const files = stdout.split('\n').filter((l) => l.trim() !== '');
    if (files.length === 0) return;
    this.warned = true;
    const list = files.slice(0, 5).map((l) => l.slice(3)).join(', ');
    this.options.warn(
      `${this.top} has uncommitted changes (${list}${files.length > 5 ? `, and ${files.length - 5} more` : ''}): the reconciler acts on the committed HEAD of ${this.branch} only; commit them to have them reconciled`,
    );
  }

  protected async doSync(): Promise<string> {
    await this.checkBranch();
    const head = await this.readHead();
    await this.refresh(head);
    await this.warnIfDirty();
    return head;
  }

  protected async doCommit(req: CommitRequest): Promise<CommitResult> {
    await this.checkBranch();
    const index = path.join(this.snapRoot, `commit-index-${randomBytes(4).toString('hex')}`);
    let attempts = 0;
    try {
      for (;;) {
        const parent = await this.readHead();
        await this.refresh(parent);
        await this.git(parent ? ['read-tree', parent] : ['read-tree', '--empty'], this.snap(index));
        await this.stage(req.changes, this.snap(index));
        const tree = (await this.git(['write-tree'], this.snap(index))).stdout.trim();
        const parentTree = parent ? (await this.git(['rev-parse', `${parent}^{tree}`])).stdout.trim() : '';
        if (tree === parentTree) return { sha: undefined, pushed: false, attempts };
        const sha = (
          await this.git(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'], {
            input: req.message,
            env: authorEnv(req.author),
          })
        ).stdout.trim();
        attempts++;
        try {
          const expected = parent || '0'.repeat(sha.length);
          await this.git(['update-ref', '-m', 'flare: commit', `refs/heads/${this.branch}`, sha, expected]);
        } catch (err) {
          if (!(err instanceof GitError) || err.reason !== 'remote-moved' || attempts >= (req.maxAttempts ?? this.maxAttempts)) throw err;
          await this.backoff(attempts);
          continue;
        }
        // The commit has landed. The user's working tree and index still hold the old copies of
        // these (reconciler-owned) paths: update just those, so `git status` shows them clean.
        try {
          await applyChanges(this.top, req.changes);
          await this.git(['reset', '-q', '--pathspec-from-file=-', '--pathspec-file-nul'], {
            input: pathspecInput(req.changes.map((c) => c.path)),
          });
        } catch (err) {
          this.options.warn?.(`commit ${sha.slice(0, 8)} landed; updating the working tree copies failed: ${(err as Error).message}`);
        }
        return { sha, pushed: false, attempts };
      }
    } finally {
      await rm(index, { force: true });
      await rm(`${index}.lock`, { force: true });
    }
  }

  override async close(): Promise<void> {
    await super.close();
    await rm(this.snapRoot, { recursive: true, force: true });
  }
}

/** Opens (cloning when needed) the reconciler's private clone and syncs it to the remote head. */
export async function openRemoteRepo(options: RemoteRepoOptions): Promise<GitRepo> {
  const dir = path.resolve(options.dir);
  await mkdir(path.dirname(dir), { recursive: true });
  await checkBranchName(options.branch, path.dirname(dir));
  const repo = new RemoteGitRepo(dir, options.branch, options);
  await repo.open();
  return repo;
}

/** Uses a checked-out repository in place; commits stay local (see LocalGitRepo). */
export async function openLocalRepo(options: LocalRepoOptions): Promise<GitRepo> {
  const start = path.resolve(options.path);
  await checkBranchName(options.branch, start);
  let top: string;
  try {
    top = (await runGit(['rev-parse', '--show-toplevel'], { cwd: start })).stdout.trim();
  } catch (err) {
    throw new GitError(`${start} is not a git working tree`, 'not-found', { cause: err });
  }
  const gitDir = (await runGit(['rev-parse', '--absolute-git-dir'], { cwd: top })).stdout.trim();
  const snapRoot = await mkdtemp(path.join(os.tmpdir(), 'flare-head-'));
  const repo = new LocalGitRepo(top, gitDir, snapRoot, options.branch, options);
  try {
    await repo.open();
  } catch (err) {
    await rm(snapRoot, { recursive: true, force: true });
    throw err;
  }
  return repo;
}
