import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RemoteRepoOptions } from '../../src/git/repo.js';
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { GitError } from '../../src/errors.js';
import type { GitRepo } from '../../src/git/types.js';
import { AUTHOR, git, installRacingHook, startRemote } from './helpers.js';
import type { Remote } from './helpers.js';


export type OpenRemote = (o: RemoteRepoOptions) => Promise<GitRepo>;

export interface RemoteRepoContext {
  readonly remote: Remote;
  readonly opened: GitRepo[];
  open(name: string, extra?: { maxAttempts?: number }): Promise<GitRepo>;
}

/**
 * The behaviour every GitRepo over a remote must have (the git CLI and isomorphic-git
 * implementations alike), against the real smart-HTTP server.
 */
export function remoteRepoContract(title: string, openRemoteRepo: OpenRemote): RemoteRepoContext {
  let remote: Remote;
  const opened: GitRepo[] = [];

  async function open(name: string, extra: { maxAttempts?: number } = {}): Promise<GitRepo> {
    const repo = await openRemoteRepo({ url: remote.url, dir: remote.dir(name), branch: 'main', retryDelayMs: 1, ...extra });
    opened.push(repo);
    return repo;
  }

  function commit(repo: GitRepo, changes: Record<string, string | null>, message: string) {
    return repo.commitAndPush({
      changes: Object.entries(changes).map(([p, content]) => ({ path: p, content })),
      message,
      author: AUTHOR,
    });
  }

  beforeEach(async () => {
    remote = await startRemote({ 'README.md': 'seed\n', 'status/old.yaml': 'old: true\n' });
  });

  afterEach(async () => {
    for (const repo of opened.splice(0)) await repo.close();
    await remote.close();
  });

  describe(title, () => {
    it('clones through the smart-HTTP server into the private directory', async () => {
      const repo = await open('clone');
      expect(repo.dir).toBe(remote.dir('clone'));
      expect(await readFile(path.join(repo.dir, 'README.md'), 'utf8')).toBe('seed\n');
      expect(await repo.head()).toBe(await git(remote.bare, 'rev-parse', 'main'));
    });

    it('reopens an existing clone and fetches what others pushed', async () => {
      const first = await open('reuse');
      await first.close();
      const sha = await remote.pushFrom('other', { 'intents/a.yaml': 'a: 1\n' }, 'other');
      const again = await open('reuse');
      expect(await again.head()).toBe(sha);
      expect(await readFile(path.join(again.dir, 'intents/a.yaml'), 'utf8')).toBe('a: 1\n');
    });

    it('refuses a non-empty directory that is not a clone of the url', async () => {
      const dir = remote.dir('junk');
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'x'), 'x');
      await expect(openRemoteRepo({ url: remote.url, dir, branch: 'main' })).rejects.toMatchObject({
        reason: 'not-a-clone',
      });
    });

    it('reports an unknown repository as not-found', async () => {
      const err = await openRemoteRepo({ url: `${remote.server.url}/missing.git`, dir: remote.dir('x'), branch: 'main' }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(GitError);
      expect((err as GitError).reason).toBe('not-found');
    });

    it('starts the branch on an empty remote and creates it with the first push', async () => {
      const empty = await startRemote({});
      try {
        const repo = await openRemoteRepo({ url: empty.url, dir: empty.dir('c'), branch: 'main' });
        expect(await repo.head()).toBe('');
        const result = await repo.commitAndPush({
          changes: [{ path: 'status/a.yaml', content: 'a\n' }],
          message: 'first',
          author: AUTHOR,
        });
        expect(result.pushed).toBe(true);
        expect(await empty.read('status/a.yaml')).toBe('a\n');
        await repo.close();
      } finally {
        await empty.close();
      }
    });
  });

  describe('commitAndPush', () => {
    it('lands a commit with the given message and author, visible in another clone', async () => {
      const repo = await open('a');
      const result = await commit(repo, { 'status/team-a.yaml': 'phase: Running\n' }, 'Status: team-a Running\n\nFlare-Intent: team-a\n');
      expect(result).toMatchObject({ pushed: true, attempts: 1 });
      expect(result.sha).toMatch(/^[0-9a-f]{40}$/);
      const other = await remote.clone('check');
      expect(await git(other, 'rev-parse', 'HEAD')).toBe(result.sha);
      expect(await git(other, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%B')).toBe(
        'FLARE Bot <flare@example.com>|FLARE Bot <flare@example.com>|Status: team-a Running\n\nFlare-Intent: team-a',
      );
      expect(await readFile(path.join(other, 'status/team-a.yaml'), 'utf8')).toBe('phase: Running\n');
      expect(await repo.head()).toBe(result.sha);
    });

    it('makes no commit when the files already hold the content', async () => {
      const repo = await open('noop');
      const before = await repo.head();
      const result = await commit(repo, { 'status/old.yaml': 'old: true\n' }, 'nothing');
      expect(result).toEqual({ sha: undefined, pushed: false, attempts: 0 });
      expect(await git(remote.bare, 'rev-parse', 'main')).toBe(before);
    });

    it('deletes a file when content is null and ignores deleting an absent file', async () => {
      const repo = await open('del');
      const result = await commit(repo, { 'status/old.yaml': null, 'status/never.yaml': null, 'status/new.yaml': 'n\n' }, 'prune');
      expect(result.pushed).toBe(true);
      expect(await remote.read('status/old.yaml')).toBeUndefined();
      expect(await remote.read('status/new.yaml')).toBe('n\n');
      expect(existsSync(path.join(repo.dir, 'status/old.yaml'))).toBe(false);
    });

    it('commits files a .gitignore would hide', async () => {
      await remote.pushFrom('ign', { '.gitignore': 'status/\n' }, 'ignore status');
      const repo = await open('ign-repo');
      const result = await commit(repo, { 'status/x.yaml': 'x\n' }, 'status');
      expect(result.pushed).toBe(true);
      expect(await remote.read('status/x.yaml')).toBe('x\n');
    });

    it('retries when the remote moved (another file) and loses nothing', async () => {
      const repo = await open('race1');
      const theirs = await remote.pushFrom('human', { 'intents/b.yaml': 'b: 1\n' }, 'human edit');
      const result = await commit(repo, { 'status/b.yaml': 'phase: Pending\n' }, 'flare status');
      expect(result).toMatchObject({ pushed: true, attempts: 2 });
      expect(await git(remote.bare, 'rev-parse', `${result.sha}^`)).toBe(theirs);
      expect(await remote.read('intents/b.yaml')).toBe('b: 1\n');
      expect(await remote.read('status/b.yaml')).toBe('phase: Pending\n');
      expect((await remote.subjects()).slice(0, 2)).toEqual(['flare status', 'human edit']);
    });

    it('retries when the remote moved on the same reconciler-owned file; our content wins', async () => {
      const repo = await open('race2');
      await remote.pushFrom('human', { 'status/old.yaml': 'edited: by-hand\n' }, 'hand edit');
      const result = await commit(repo, { 'status/old.yaml': 'phase: Running\n' }, 'flare status');
      expect(result).toMatchObject({ pushed: true, attempts: 2 });
      expect(await remote.read('status/old.yaml')).toBe('phase: Running\n');
      expect((await remote.subjects()).slice(0, 2)).toEqual(['flare status', 'hand edit']);
    });

    it('retries a push that lost a race inside the server and lands', async () => {
      await installRacingHook(remote.bare, 2);
      const repo = await open('race3');
      const result = await commit(repo, { 'status/c.yaml': 'c\n' }, 'flare status');
      expect(result).toMatchObject({ pushed: true, attempts: 3 });
      expect((await remote.subjects()).slice(0, 3)).toEqual(['flare status', 'racer 1', 'racer 0']);
      expect(await remote.read('status/c.yaml')).toBe('c\n');
    });

    it('gives up with a GitError after maxAttempts when the remote keeps moving', async () => {
      await installRacingHook(remote.bare, 1000);
      const repo = await open('race4', { maxAttempts: 3 });
      const before = await git(remote.bare, 'rev-parse', 'main');
      const err = await commit(repo, { 'status/d.yaml': 'd\n' }, 'flare status').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitError);
      expect((err as GitError).reason).toBe('remote-moved');
      expect(await readFile(path.join(remote.bare, 'race-count'), 'utf8')).toBe('3\n');
      expect(await remote.read('status/d.yaml')).toBeUndefined();
      expect(await git(remote.bare, 'rev-list', '--count', `${before}..main`)).toBe('3');
      // The working copy is back on the remote's history, not at the unpushed commit.
      const head = await repo.head();
      expect(await git(repo.dir, 'log', '-1', '--format=%s', head)).toMatch(/^racer /);
      await git(remote.bare, 'merge-base', '--is-ancestor', head, 'main');
      expect(existsSync(path.join(repo.dir, 'status/d.yaml'))).toBe(false);
    });

    it('a request\'s own maxAttempts (the reconciler\'s push_retries) wins over the repo\'s', async () => {
      await installRacingHook(remote.bare, 1000);
      const repo = await open('race5', { maxAttempts: 5 });
      const err = await repo
        .commitAndPush({ changes: [{ path: 'status/f.yaml', content: 'f\n' }], message: 'flare status', author: AUTHOR, maxAttempts: 2 })
        .catch((e: unknown) => e);
      expect((err as GitError).reason).toBe('remote-moved');
      expect(await readFile(path.join(remote.bare, 'race-count'), 'utf8')).toBe('2\n');
    });

    it('does not retry a push the server refuses for another reason', async () => {
      await writeFile(path.join(remote.bare, 'hooks', 'pre-receive'), '#!/bin/sh\necho protected >&2\nexit 1\n', { mode: 0o755 });
      const repo = await open('refused');
      const err = await commit(repo, { 'status/e.yaml': 'e\n' }, 'flare status').catch((e: unknown) => e);
      expect((err as GitError).reason).toBe('remote-rejected');
    });

    it('lands commits from two private clones racing on one remote', async () => {
      // Each side has 3 commits, so a loser can be beaten at most 3 times: 20 attempts always suffice.
      const a = await open('two-a', { maxAttempts: 20 });
      const b = await open('two-b', { maxAttempts: 20 });
      const results = await Promise.all([
        ...[0, 1, 2].map((i) => commit(a, { [`status/a${i}.yaml`]: `a${i}\n` }, `a${i}`)),
        ...[0, 1, 2].map((i) => commit(b, { [`status/b${i}.yaml`]: `b${i}\n` }, `b${i}`)),
      ]);
      expect(results.every((r) => r.pushed)).toBe(true);
      const subjects = await remote.subjects();
      for (const s of ['a0', 'a1', 'a2', 'b0', 'b1', 'b2']) {
        expect(subjects).toContain(s);
        expect(await remote.read(`status/${s}.yaml`)).toBe(`${s}\n`);
      }
    });

    it('serializes concurrent calls on one instance: ten parallel commits all land', async () => {
      const repo = await open('ten');
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => commit(repo, { [`status/n${i}.yaml`]: `n: ${i}\n` }, `c${i}`)),
      );
      expect(new Set(results.map((r) => r.sha)).size).toBe(10);
      expect(results.every((r) => r.pushed && r.attempts === 1)).toBe(true);
      const checkout = await remote.clone('ten-check');
      const files = (await readdir(path.join(checkout, 'status'))).filter((f) => f.startsWith('n'));
      expect(files.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `n${i}.yaml`).sort());
      // Submission order is commit order.
      expect((await remote.subjects()).slice(0, 10).reverse()).toEqual(Array.from({ length: 10 }, (_, i) => `c${i}`));
    });

    it('rejects paths that escape the working copy before running git', async () => {
      const repo = await open('paths');
      for (const bad of ['../x', '/etc/passwd', '.git/config', 'a//b', 'a/./b', '']) {
        await expect(commit(repo, { [bad]: 'x' }, 'bad')).rejects.toMatchObject({ reason: 'invalid-path' });
      }
      await expect(
        repo.commitAndPush({ changes: [{ path: 'a', content: 'x' }], message: 'm', author: { name: 'x', email: 'a>b' } }),
      ).rejects.toMatchObject({ reason: 'invalid-author' });
    });

    it('does not follow a committed symlink out of the working copy', async () => {
      const outside = remote.dir('outside');
      await mkdir(outside);
      const human = await remote.clone('linker');
      await symlink(outside, path.join(human, 'status-link'));
      await git(human, 'add', '-A');
      await git(human, 'commit', '-q', '-m', 'link');
      await git(human, 'push', '-q', 'origin', 'HEAD:main');
      const repo = await open('sym');
      await expect(commit(repo, { 'status-link/x.yaml': 'x' }, 'm')).rejects.toMatchObject({ reason: 'invalid-path' });
      expect(await readdir(outside)).toEqual([]);
    });
  });

  describe('sync', () => {
    it('discards local junk and unpushed commits, returning the remote head', async () => {
      const repo = await open('junk');
      await writeFile(path.join(repo.dir, 'README.md'), 'scribbled\n');
      await writeFile(path.join(repo.dir, 'stray.txt'), 'stray\n');
      await git(repo.dir, 'commit', '-q', '-am', 'local only');
      const theirs = await remote.pushFrom('human', { 'intents/z.yaml': 'z\n' }, 'z');
      expect(await repo.sync()).toBe(theirs);
      expect(await repo.head()).toBe(theirs);
      expect(await readFile(path.join(repo.dir, 'README.md'), 'utf8')).toBe('seed\n');
      expect(existsSync(path.join(repo.dir, 'stray.txt'))).toBe(false);
      expect(await readFile(path.join(repo.dir, 'intents/z.yaml'), 'utf8')).toBe('z\n');
    });

    it('refuses work after close', async () => {
      const repo = await open('closed');
      await repo.close();
      await expect(repo.sync()).rejects.toMatchObject({ reason: 'closed' });
      await rm(repo.dir, { recursive: true, force: true });
    });
  });

  return {
    get remote() {
      return remote;
    },
    opened,
    open,
  };
}
