import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { openIsoRemoteRepo as openRemoteRepo } from '../../src/git/iso-repo.js';
import type { GitRepo } from '../../src/git/types.js';
import { AUTHOR, git } from './helpers.js';
import { remoteRepoContract } from './remote-repo-contract.js';

// every case the git CLI implementation passes, against isomorphic-git
const ctx = remoteRepoContract('openIsoRemoteRepo (isomorphic-git)', openRemoteRepo);

function commit(repo: GitRepo, changes: Record<string, string | null>, message: string) {
  return repo.commitAndPush({
    changes: Object.entries(changes).map(([p, content]) => ({ path: p, content })),
    message,
    author: AUTHOR,
  });
}

describe('isomorphic-git specifics', () => {
  it('writes trees git itself accepts: nested paths, git sort order, fsck --strict clean', async () => {
    const repo = await ctx.open('fsck');
    const result = await commit(
      repo,
      { 'x.yaml': '1\n', 'x/a.yaml': '2\n', 'x-y/b.yaml': '3\n', 'x/deep/c.yaml': '4\n', 'status/old.yaml': null },
      'nested',
    );
    expect(result.pushed).toBe(true);
    await git(ctx.remote.bare, 'fsck', '--strict', '--no-dangling');
    const checkout = await ctx.remote.clone('fsck-check');
    expect(await git(checkout, 'ls-files')).toBe('README.md\nx-y/b.yaml\nx.yaml\nx/a.yaml\nx/deep/c.yaml');
    expect(await git(checkout, 'status', '--porcelain')).toBe('');
    // The working copy follows the pushed commit and is clean by git's own reckoning.
    expect(await readFile(path.join(repo.dir, 'x/deep/c.yaml'), 'utf8')).toBe('4\n');
    expect(await git(repo.dir, 'status', '--porcelain')).toBe('');
  });

  it('refuses ssh and file remotes and bad branch names', async () => {
    await expect(openRemoteRepo({ url: 'git@example.com:x/y.git', dir: ctx.remote.dir('s'), branch: 'main' })).rejects.toMatchObject({
      reason: 'invalid-url',
    });
    await expect(openRemoteRepo({ url: ctx.remote.url, dir: ctx.remote.dir('b'), branch: 'a..b' })).rejects.toMatchObject({
      reason: 'invalid-branch',
    });
  });
});

describe('commitAndPushBatch and openGitRepo', () => {
  it('lands one commit per request, in order, with each author, in one push; unchanged requests make none', async () => {
    const { openIsoRemoteRepo } = await import('../../src/git/iso-repo.js');
    const repo = await openIsoRemoteRepo({ url: ctx.remote.url, dir: ctx.remote.dir('batch'), branch: 'main', retryDelayMs: 1 });
    ctx.opened.push(repo);
    await ctx.remote.pushFrom('human', { 'intents/h.yaml': 'h\n' }, 'moved meanwhile');
    const results = await repo.commitAndPushBatch([
      { changes: [{ path: 'intents/a.yaml', content: 'a\n' }], message: 'add a', author: { name: 'Alice', email: 'alice@example.com' } },
      { changes: [{ path: 'status/old.yaml', content: 'old: true\n' }], message: 'noop', author: AUTHOR },
      { changes: [{ path: 'intents/b.yaml', content: 'b\n' }], message: 'add b', author: { name: 'Bob', email: 'bob@example.com' } },
    ]);
    expect(results.map((r) => r.pushed)).toEqual([true, false, true]);
    expect(results[0]!.attempts).toBe(2); // rebuilt on the moved remote head
    expect((await ctx.remote.subjects()).slice(0, 3)).toEqual(['add b', 'add a', 'moved meanwhile']);
    expect(await git(ctx.remote.bare, 'log', '-2', '--format=%an', 'main')).toBe('Bob\nAlice');
    expect(await git(ctx.remote.bare, 'rev-parse', `${results[2]!.sha}^`)).toBe(results[0]!.sha);
  });

  it('auto picks isomorphic-git for http(s) and the CLI otherwise; iso refuses a local tree', async () => {
    const { openGitRepo, parseGitImpl } = await import('../../src/git/open.js');
    const iso = await openGitRepo({ url: ctx.remote.url, dir: ctx.remote.dir('auto-iso') }, 'auto');
    ctx.opened.push(iso);
    expect(typeof (iso as { commitAndPushBatch?: unknown }).commitAndPushBatch).toBe('function');
    const cli = await openGitRepo({ url: ctx.remote.url, dir: ctx.remote.dir('auto-cli') }, 'cli');
    ctx.opened.push(cli);
    expect((cli as { commitAndPushBatch?: unknown }).commitAndPushBatch).toBeUndefined();
    await expect(openGitRepo({ path: ctx.remote.bare }, 'iso')).rejects.toMatchObject({ reason: 'invalid-option' });
    expect(() => parseGitImpl('jgit')).toThrow(/--git must be one of/);
  });
});

describe('working copy after a push', () => {
  it('is clean by git reckoning after small commits: deleted folders go, executables stay executable', async () => {
    await ctx.remote.pushFrom('exec', { 'bin/run.sh': '#!/bin/sh\n' }, 'script');
    const human = await ctx.remote.clone('chmod');
    await git(human, 'update-index', '--chmod=+x', 'bin/run.sh');
    await git(human, 'commit', '-q', '-m', 'exec');
    await git(human, 'push', '-q', 'origin', 'HEAD:main');
    const repo = await ctx.open('wt');
    await commit(repo, { 'bin/run.sh': '#!/bin/sh\necho hi\n', 'status/old.yaml': null, 'a/b/c.yaml': 'c\n' }, 'edit');
    expect(await git(repo.dir, 'status', '--porcelain')).toBe('');
    expect(existsSync(path.join(repo.dir, 'status'))).toBe(false);
    expect(await git(ctx.remote.bare, 'ls-tree', 'main', 'bin/run.sh')).toMatch(/^100755 /);
    await commit(repo, { 'a/b/c.yaml': null }, 'drop');
    expect(existsSync(path.join(repo.dir, 'a'))).toBe(false);
    expect(await git(repo.dir, 'status', '--porcelain')).toBe('');
  });

  it('sync after a small remote change rewrites just those paths and leaves the copy clean', async () => {
    const repo = await ctx.open('inc');
    await ctx.remote.pushFrom('other', { 'intents/t/x.yaml': 'x\n', 'README.md': 'changed\n' }, 'other');
    const human = await ctx.remote.clone('rm');
    await git(human, 'rm', '-q', 'status/old.yaml');
    await git(human, 'commit', '-q', '-m', 'rm');
    await git(human, 'push', '-q', 'origin', 'HEAD:main');
    const head = await repo.sync();
    expect(head).toBe(await git(ctx.remote.bare, 'rev-parse', 'main'));
    expect(await readFile(path.join(repo.dir, 'README.md'), 'utf8')).toBe('changed\n');
    expect(await readFile(path.join(repo.dir, 'intents/t/x.yaml'), 'utf8')).toBe('x\n');
    expect(existsSync(path.join(repo.dir, 'status'))).toBe(false);
    expect(await git(repo.dir, 'status', '--porcelain')).toBe('');
  });
});
