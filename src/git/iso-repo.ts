import fs from 'node:fs';
import { lstat, mkdir, readdir, realpath, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import type { HttpClient, ReadCommitResult, TreeEntry } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { GitError } from '../errors.js';
import { RETRYABLE_PUSH_REASONS, redactUrls } from './exec.js';
import { SerialQueue } from './queue.js';
import type { RetryOptions } from './repo.js';
import type { CommitRequest, CommitResult, FileChange, GitRepo } from './types.js';
import { freezeRequest, validateCommitRequest } from './worktree.js';

export interface IsoRepoOptions extends RetryOptions {
  /** An http(s) smart-HTTP URL (isomorphic-git speaks no ssh and no file remotes). */
  url: string;
  /** The private clone; created when missing or empty. */
  dir: string;
  branch: string;
  /** HTTP basic credentials, sent as a request header: never written to .git/config. */
  auth?: { username: string; password: string };
  /** Limit per HTTP request (default 120 s): a hung remote must not stall a caller forever. */
  timeoutMs?: number;
}

const DEFAULT_ATTEMPTS = 5;
const DEFAULT_DELAY_MS = 50;
const DEFAULT_TIMEOUT_MS = 120_000;
/** Above this many changed paths a full checkout is cheaper than per-path index updates. */
const MAX_INCREMENTAL = 64;

/** `git check-ref-format refs/heads/<name>` without a git binary. */
export function validBranchName(name: string): boolean {
  if (!name || name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  if (name === '@' || /[\x00-\x20\x7f~^:?*[\\]/.test(name) || name.includes('..') || name.includes('@{') || name.includes('//')) return false;
  return name.split('/').every((c) => c !== '' && !c.startsWith('.') && !c.endsWith('.lock'));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `git commit --cleanup=whitespace`: no trailing spaces, no leading/trailing blank lines, one final newline. */
export function cleanupMessage(message: string): string {
  const lines = message.split('\n').map((l) => l.replace(/\s+$/, ''));
  const out: string[] = [];
  for (const line of lines) {
    if (line === '' && (out.length === 0 || out[out.length - 1] === '')) continue;
    out.push(line);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n') + '\n';
}

/** Maps an isomorphic-git failure to the reasons the CLI implementation uses (see exec.ts). */
export function classifyIsoError(err: unknown, during: 'fetch' | 'push' | 'clone'): string {
  const e = err as { code?: string; data?: { statusCode?: number; result?: unknown }; message?: string };
  const code = e?.code ?? '';
  if (code === 'PushRejectedError') return 'non-fast-forward';
  if (code === 'GitPushError') {
    const text = String(e.message ?? '').toLowerCase();
    if (text.includes('fetch first')) return 'fetch-first';
    if (text.includes('non-fast-forward')) return 'non-fast-forward';
    if (text.includes('failed to update ref') || text.includes('stale info') || text.includes('failed to lock')) {
      return 'remote-moved';
    }
    return 'remote-rejected';
  }
  if (code === 'HttpError') {
    const status = e.data?.statusCode ?? 0;
    if (status === 401 || status === 403) return 'auth';
    if (status === 404) return 'not-found';
    return 'failed';
  }
  // The remote's new head is not in our object store: it moved since our last fetch.
  if (code === 'NotFoundError') return during === 'push' ? 'fetch-first' : 'missing-ref';
  if (code === 'TimeoutError') return 'timeout';
  if (['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT'].includes(code)) return 'network';
  return 'failed';
}

function toGitError(err: unknown, during: 'fetch' | 'push' | 'clone'): GitError {
  if (err instanceof GitError) return err;
  const reason = classifyIsoError(err, during);
  const text = redactUrls(String((err as Error)?.message ?? err)).replace(/\s+/g, ' ').slice(0, 800);
  return new GitError(`git ${during} failed: ${text}`, reason, { cause: err });
}

/** isomorphic-git's Node client with a per-request deadline. */
function timedHttp(timeoutMs: number): HttpClient {
  return {
    request(req) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const err = new Error(`request timed out after ${timeoutMs} ms`) as Error & { code: string };
          err.code = 'TimeoutError';
          reject(err);
        }, timeoutMs);
        nodeHttp.request(req).then(
          (res) => {
            clearTimeout(timer);
            resolve(res);
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(err);
          },
        );
      });
    },
  };
}

interface PendingEdit {
  segments: string[];
  content: string | null;
}

/**
 * The same private clone as the CLI's RemoteGitRepo, driven in-process by isomorphic-git: no
 * `git` binary needed. A commit is built straight from the object store (remote head tree + the
 * changes, no index, no working-tree scan), so its cost follows the size of the change, not of
 * the repo; the working copy is then moved to the pushed commit for readers of `dir`.
 */
class IsoGitRepo implements BatchGitRepo {
  private readonly queue = new SerialQueue();
  private closed = false;
  private readonly cache: object = {};
  private readonly http: HttpClient;
  private readonly headers: Record<string, string> = {};
  /** The working copy was reset and cleaned since this object opened it. */
  private clean_ = false;
  /** The commit the working tree and index were last moved to by this object. */
  private worktreeAt: string | undefined;
  readonly dir: string;

  constructor(
    dir: string,
    private readonly options: IsoRepoOptions,
  ) {
    this.dir = dir;
    this.http = timedHttp(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    if (options.auth) {
      const token = Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64');
      this.headers.Authorization = `Basic ${token}`;
    }
  }

  private get branch(): string {
    return this.options.branch;
  }

  private get remoteRef(): string {
    return `refs/remotes/origin/${this.branch}`;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
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

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.drain();
  }

  private async resolve(ref: string): Promise<string> {
    try {
      return await git.resolveRef({ fs, dir: this.dir, ref });
    } catch {
      return '';
    }
  }

  private readHead(): Promise<string> {
    return this.resolve('HEAD');
  }

  async open(): Promise<void> {
    const entries = await readdir(this.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!entries || entries.length === 0) {
      await mkdir(this.dir, { recursive: true });
      await git.init({ fs, dir: this.dir, defaultBranch: this.branch });
      await git.setConfig({ fs, dir: this.dir, path: 'remote.origin.url', value: this.options.url });
      await git.setConfig({ fs, dir: this.dir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
      try {
        await this.fetch();
      } catch (err) {
        // A failed first contact leaves no half-made clone behind.
        await rm(this.dir, { recursive: true, force: true });
        throw err;
      }
    } else {
      await this.verifyClone();
    }
    await this.doSync();
  }

  private async verifyClone(): Promise<void> {
    const notClone = (why: string) =>
      new GitError(`${this.dir} is not a clone of ${this.options.url} (${why}); use an empty directory`, 'not-a-clone');
    let root: string;
    try {
      root = await git.findRoot({ fs, filepath: this.dir });
    } catch {
      throw notClone('not a git working tree');
    }
    if ((await realpath(root)) !== (await realpath(this.dir))) throw notClone('it lies inside another repository');
    const url = (await git.getConfig({ fs, dir: this.dir, path: 'remote.origin.url' })) as string | undefined;
    if (url !== this.options.url) throw notClone(`origin is ${url || 'not set'}`);
  }

  /** Fetches the branch; false when the remote has no such branch (an empty remote). */
  private async fetch(): Promise<boolean> {
    let info: Awaited<ReturnType<typeof git.getRemoteInfo2>>;
    try {
      info = await git.getRemoteInfo2({ http: this.http, url: this.options.url, headers: this.headers, protocolVersion: 1 });
    } catch (err) {
      throw toGitError(err, 'fetch');
    }
    const remoteHead = info.refs?.find((r) => r.ref === `refs/heads/${this.branch}`)?.oid;
    if (!remoteHead) {
      await git.deleteRef({ fs, dir: this.dir, ref: this.remoteRef }).catch(() => undefined);
      return false;
    }
    if ((await this.resolve(this.remoteRef)) === remoteHead) return true;
    try {
      await git.fetch({
        fs,
        http: this.http,
        dir: this.dir,
        cache: this.cache,
        url: this.options.url,
        remote: 'origin',
        ref: this.branch,
        remoteRef: this.branch,
        singleBranch: true,
        tags: false,
        headers: this.headers,
      });
    } catch (err) {
      throw toGitError(err, 'fetch');
    }
    // fetch records what it got; force the ref like `+refs/heads/x:refs/remotes/origin/x`.
    await git.writeRef({ fs, dir: this.dir, ref: this.remoteRef, value: remoteHead, force: true });
    return true;
  }

  /** Moves the branch, index and working tree to the last fetched remote head; removes stray files. */
  private async resetToRemote(clean: boolean): Promise<void> {
    const remote = await this.resolve(this.remoteRef);
    await git.writeRef({ fs, dir: this.dir, ref: 'HEAD', value: `refs/heads/${this.branch}`, symbolic: true, force: true });
    const head = await this.readHead();
    if (remote && head && head !== remote && this.worktreeAt === head) {
      // The working copy is ours and at `head`: rewrite only what differs from the new head.
      const paths = await this.changedPaths(await this.treeOf(head), await this.treeOf(remote), '', []);
      if (paths && paths.length <= MAX_INCREMENTAL) {
        await git.writeRef({ fs, dir: this.dir, ref: `refs/heads/${this.branch}`, value: remote, force: true });
        await this.moveWorktree(head, remote, paths);
        return;
      }
    }
    this.worktreeAt = undefined;
    if (remote) {
      await git.writeRef({ fs, dir: this.dir, ref: `refs/heads/${this.branch}`, value: remote, force: true });
      await git.checkout({ fs, dir: this.dir, cache: this.cache, ref: this.branch, force: true });
      this.worktreeAt = remote;
    } else {
      await git.deleteRef({ fs, dir: this.dir, ref: `refs/heads/${this.branch}` }).catch(() => undefined);
      await rm(path.join(this.dir, '.git', 'index'), { force: true });
    }
    if (clean) await this.clean(remote);
  }

  /** `git clean -ffdx`: deletes every file the head commit does not hold. */
  private async clean(commit: string): Promise<void> {
    const tracked = new Set(commit ? await git.listFiles({ fs, dir: this.dir, cache: this.cache, ref: commit }) : []);
    const walk = async (rel: string): Promise<boolean> => {
      const abs = path.join(this.dir, rel);
      let keep = false;
      for (const name of await readdir(abs)) {
        if (rel === '' && name === '.git') {
          keep = true;
          continue;
        }
        const childRel = rel ? `${rel}/${name}` : name;
        const st = await lstat(path.join(abs, name));
        if (st.isDirectory()) {
          if (await walk(childRel)) keep = true;
          else await rmdir(path.join(abs, name)).catch(() => undefined);
        } else if (tracked.has(childRel)) {
          keep = true;
        } else {
          await rm(path.join(abs, name), { force: true });
        }
      }
      return keep;
    };
    await walk('');
  }

  /**
   * Moves the working tree and index from `from` to `to` after a push. When they were at `from`
   * and the commits touched few paths, only those paths are rewritten (a full checkout walks the
   * whole tree); otherwise a forced checkout.
   */
  private async moveWorktree(from: string, to: string, paths: string[]): Promise<void> {
    if (!from || this.worktreeAt !== from || paths.length > MAX_INCREMENTAL) {
      await git.checkout({ fs, dir: this.dir, cache: this.cache, ref: this.branch, force: true });
      this.worktreeAt = to;
      return;
    }
    this.worktreeAt = undefined;
    for (const p of paths) {
      let blob: Uint8Array | undefined;
      try {
        blob = (await git.readBlob({ fs, dir: this.dir, cache: this.cache, oid: to, filepath: p })).blob;
      } catch (err) {
        if ((err as { code?: string }).code !== 'NotFoundError') throw err;
      }
      const abs = path.join(this.dir, p);
      const before = await lstat(abs).catch(() => undefined);
      if (blob) {
        await mkdir(path.dirname(abs), { recursive: true });
        await rm(abs, { force: true }); // a symlink at the path is replaced, never followed
        // buildTree kept 100755 exactly when the file was executable: keep the bit on disk too.
        const exec = before?.isFile() && (before.mode & 0o111) !== 0;
        await fs.promises.writeFile(abs, blob, { mode: exec ? 0o755 : 0o644 });
        await git.updateIndex({ fs, dir: this.dir, cache: this.cache, filepath: p, add: true });
      } else {
        await rm(abs, { force: true });
        await git.updateIndex({ fs, dir: this.dir, cache: this.cache, filepath: p, remove: true, force: true });
        // like checkout: folders left empty go too
        for (let d = path.dirname(p); d !== '.'; d = path.dirname(d)) {
          if (!(await rmdir(path.join(this.dir, d)).then(() => true, () => false))) break;
        }
      }
    }
    this.worktreeAt = to;
  }

  /**
   * Blob paths that differ between two trees (equal subtrees skipped by oid); undefined when a
   * change is anything but a regular file (symlink, mode or type change): those take a checkout.
   */
  private async changedPaths(a: string, b: string, prefix: string, out: string[]): Promise<string[] | undefined> {
    if (a === b) return out;
    const read = async (oid: string) =>
      oid ? new Map((await git.readTree({ fs, dir: this.dir, cache: this.cache, oid })).tree.map((e) => [e.path, e])) : new Map<string, TreeEntry>();
    const ea = await read(a);
    const eb = await read(b);
    for (const name of new Set([...ea.keys(), ...eb.keys()])) {
      const x = ea.get(name);
      const y = eb.get(name);
      if (x && y && x.oid === y.oid && x.mode === y.mode) continue;
      const rel = prefix + name;
      if (x?.type === 'tree' && y?.type === 'tree') {
        if (!(await this.changedPaths(x.oid, y.oid, `${rel}/`, out))) return undefined;
        continue;
      }
      for (const e of [x, y]) if (e && e.mode !== '100644') return undefined;
      out.push(rel);
      if (out.length > MAX_INCREMENTAL) return undefined;
    }
    return out;
  }

  private async doSync(): Promise<string> {
    const before = await this.resolve(this.remoteRef);
    await this.fetch();
    const remote = await this.resolve(this.remoteRef);
    // Nothing new and the branch already there: skip the tree walk. Only this object writes
    // the working copy, and every commit leaves it at the pushed head; a failed one resets it.
    if (remote && remote === before && (await this.readHead()) === remote && this.clean_) return remote;
    await this.resetToRemote(true);
    this.clean_ = true;
    return this.readHead();
  }

  private async treeOf(commit: string): Promise<string> {
    if (!commit) return '';
    const { commit: c }: ReadCommitResult = await git.readCommit({ fs, dir: this.dir, cache: this.cache, oid: commit });
    return c.tree;
  }

  /** The tree `base` with the edits applied; '' for an empty subtree (git stores none). */
  private async editTree(base: string, edits: PendingEdit[], prefix: string): Promise<string> {
    const entries = new Map<string, TreeEntry>();
    if (base) {
      const { tree } = await git.readTree({ fs, dir: this.dir, cache: this.cache, oid: base });
      for (const e of tree) entries.set(e.path, e);
    }
    const sub = new Map<string, PendingEdit[]>();
    for (const edit of edits) {
      const [head, ...rest] = edit.segments;
      const name = head as string;
      const rel = prefix + name;
      if (rest.length === 0) {
        const existing = entries.get(name);
        if (existing?.type === 'tree') throw new GitError(`${rel}: is a directory`, 'invalid-path');
        if (edit.content === null) {
          entries.delete(name);
        } else {
          const oid = await git.writeBlob({ fs, dir: this.dir, blob: Buffer.from(edit.content, 'utf8') });
          // An executable keeps its bit; a symlink at the path becomes a regular file.
          const mode = existing?.mode === '100755' ? '100755' : '100644';
          entries.set(name, { mode, path: name, oid, type: 'blob' });
        }
      } else {
        const list = sub.get(name) ?? [];
        list.push({ segments: rest, content: edit.content });
        sub.set(name, list);
      }
    }
    for (const [name, list] of sub) {
      const existing = entries.get(name);
      const rel = prefix + name;
      if (existing && existing.type !== 'tree') {
        if (existing.mode === '120000') throw new GitError(`${rel}: is a symlink in the repository`, 'invalid-path');
        if (list.every((e) => e.content === null)) continue; // deleting below a file: nothing there
        throw new GitError(`${rel}: is a file`, 'invalid-path');
      }
      const oid = await this.editTree(existing?.oid ?? '', list, `${rel}/`);
      if (oid) entries.set(name, { mode: '040000', path: name, oid, type: 'tree' });
      else entries.delete(name);
    }
    if (entries.size === 0 && prefix !== '') return '';
    return git.writeTree({ fs, dir: this.dir, tree: [...entries.values()] });
  }

  private async buildTree(baseTree: string, changes: FileChange[]): Promise<string> {
    const edits = changes.map((c) => ({ segments: c.path.split('/'), content: c.content }));
    return this.editTree(baseTree, edits, '');
  }

  private async push(): Promise<void> {
    try {
      await git.push({
        fs,
        http: this.http,
        dir: this.dir,
        cache: this.cache,
        url: this.options.url,
        remote: 'origin',
        ref: this.branch,
        remoteRef: this.branch,
        headers: this.headers,
      });
    } catch (err) {
      throw toGitError(err, 'push');
    }
  }

  private async doCommit(req: CommitRequest): Promise<CommitResult> {
    return (await this.doBatch([req]))[0]!;
  }

  /**
   * One commit per request, chained on the remote head, one push for all of them: a burst of API
   * writes costs one round trip. On a non-fast-forward the whole chain is rebuilt on the new head.
   */
  private async doBatch(reqs: CommitRequest[]): Promise<CommitResult[]> {
    let attempts = 0;
    // a request's own limit (the reconciler's push_retries) wins; a batch stops at the smallest
    const asked = reqs.map((r) => r.maxAttempts).filter((n): n is number => n !== undefined);
    const maxAttempts = Math.max(1, asked.length > 0 ? Math.min(...asked) : (this.options.maxAttempts ?? DEFAULT_ATTEMPTS));
    try {
      for (;;) {
        const parent = await this.resolve(this.remoteRef);
        let tip = parent;
        let tipTree = await this.treeOf(parent);
        const shas: Array<string | undefined> = [];
        for (const req of reqs) {
          const tree = await this.buildTree(tipTree, req.changes);
          if (tree === tipTree) {
            shas.push(undefined);
            continue;
          }
          const now = Math.floor(Date.now() / 1000);
          const who = { name: req.author.name, email: req.author.email, timestamp: now, timezoneOffset: 0 };
          tip = await git.writeCommit({
            fs,
            dir: this.dir,
            commit: { message: cleanupMessage(req.message), tree, parent: tip ? [tip] : [], author: who, committer: who },
          });
          tipTree = tree;
          shas.push(tip);
        }
        if (tip === parent) {
          if ((await this.readHead()) !== parent) await this.resetToRemote(false);
          return shas.map(() => ({ sha: undefined, pushed: false, attempts }));
        }
        await git.writeRef({ fs, dir: this.dir, ref: `refs/heads/${this.branch}`, value: tip, force: true });
        attempts++;
        try {
          await this.push();
          await git.writeRef({ fs, dir: this.dir, ref: this.remoteRef, value: tip, force: true });
          await this.moveWorktree(parent, tip, [...new Set(reqs.flatMap((r) => r.changes.map((c) => c.path)))]);
          return shas.map((sha) => (sha ? { sha, pushed: true, attempts } : { sha: undefined, pushed: false, attempts }));
        } catch (err) {
          if (!(err instanceof GitError) || !RETRYABLE_PUSH_REASONS.includes(err.reason ?? '')) throw err;
          if (attempts >= maxAttempts) {
            throw new GitError(
              `push to ${this.branch} rejected ${attempts} times: the remote kept moving (${err.reason})`,
              err.reason,
              { cause: err },
            );
          }
        }
        await sleep(this.backoffMs(attempts));
        await this.fetch();
      }
    } catch (err) {
      // Leave the working copy at the remote head, not at an unpushed commit.
      await this.resetToRemote(true).catch(() => undefined);
      throw err;
    }
  }

  commitAndPushBatch(reqs: CommitRequest[]): Promise<CommitResult[]> {
    try {
      for (const req of reqs) validateCommitRequest(req);
    } catch (err) {
      return Promise.reject(err);
    }
    const frozen = reqs.map(freezeRequest);
    return this.enqueue(() => this.doBatch(frozen));
  }

  private backoffMs(attempt: number): number {
    const base = this.options.retryDelayMs ?? DEFAULT_DELAY_MS;
    const step = Math.min(1000, base * 2 ** (attempt - 1));
    return Math.round(step * (0.5 + (this.options.random ?? Math.random)()));
  }
}

/** A GitRepo that can land several commits with one push. */
export interface BatchGitRepo extends GitRepo {
  /** One commit per request in order, pushed together; results in the same order. */
  commitAndPushBatch(reqs: CommitRequest[]): Promise<CommitResult[]>;
}

/** Lands the requests: as one push when the repo supports it, else one commitAndPush each. */
export async function commitAll(repo: GitRepo, reqs: CommitRequest[]): Promise<CommitResult[]> {
  const batch = (repo as Partial<BatchGitRepo>).commitAndPushBatch;
  if (typeof batch === 'function') return batch.call(repo, reqs);
  const out: CommitResult[] = [];
  for (const req of reqs) out.push(await repo.commitAndPush(req));
  return out;
}

/** True for the remotes isomorphic-git can speak to (smart HTTP). */
export function isHttpRemote(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** Opens (cloning when needed) a private clone of an http(s) remote, driven by isomorphic-git. */
export async function openIsoRemoteRepo(options: IsoRepoOptions): Promise<BatchGitRepo> {
  if (!isHttpRemote(options.url)) {
    throw new GitError('isomorphic-git speaks only http(s) remotes; use --git cli for ssh and file remotes', 'invalid-url');
  }
  if (!validBranchName(options.branch)) {
    throw new GitError(`invalid branch name ${JSON.stringify(options.branch)}`, 'invalid-branch');
  }
  const dir = path.resolve(options.dir);
  await mkdir(path.dirname(dir), { recursive: true });
  const repo = new IsoGitRepo(dir, options);
  await repo.open();
  return repo;
}
