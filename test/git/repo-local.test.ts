import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runGit } from '../../src/git/exec.js';
import { openLocalRepo } from '../../src/git/repo.js';
import { AUTHOR, git } from './helpers.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'flare-local-'));
  await git(dir, 'init', '-q', '-b', 'main');
  await writeFile(path.join(dir, 'README.md'), 'hello\n');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'init');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openLocalRepo', () => {
  it('commits on the checked-out branch without sweeping in the user’s staged or unstaged work', async () => {
    await writeFile(path.join(dir, 'staged.txt'), 'staged\n');
    await git(dir, 'add', 'staged.txt');
    await writeFile(path.join(dir, 'README.md'), 'user edit\n');
    const repo = await openLocalRepo({ path: dir, branch: 'main' });
    const before = await repo.sync();
    const result = await repo.commitAndPush({
      changes: [{ path: 'status/a.yaml', content: 'phase: Running\n' }],
      message: 'flare status',
      author: AUTHOR,
    });
    expect(result).toMatchObject({ pushed: false, attempts: 1 });
    expect(await git(dir, 'rev-parse', 'HEAD')).toBe(result.sha);
    expect(await git(dir, 'rev-parse', 'HEAD^')).toBe(before);
    expect(await git(dir, 'show', '--name-only', '--format=', 'HEAD')).toBe('status/a.yaml');
    expect(await git(dir, 'log', '-1', '--format=%an|%s')).toBe('FLARE Bot|flare status');
    // The user's work is untouched: still staged / still modified, and our file is clean.
    expect((await runGit(['status', '--porcelain'], { cwd: dir })).stdout).toBe(' M README.md\nA  staged.txt\n');
    expect(await readFile(path.join(dir, 'README.md'), 'utf8')).toBe('user edit\n');
    expect(await readFile(path.join(dir, 'status/a.yaml'), 'utf8')).toBe('phase: Running\n');
    await repo.close();
  });

  it('is a no-op when the content is already committed, and deletes with null', async () => {
    const repo = await openLocalRepo({ path: dir, branch: 'main' });
    const head = await repo.head();
    expect(
      await repo.commitAndPush({ changes: [{ path: 'README.md', content: 'hello\n' }], message: 'm', author: AUTHOR }),
    ).toEqual({ sha: undefined, pushed: false, attempts: 0 });
    expect(await repo.head()).toBe(head);
    const del = await repo.commitAndPush({ changes: [{ path: 'README.md', content: null }], message: 'rm', author: AUTHOR });
    expect(del.sha).toBeDefined();
    expect(await git(dir, 'ls-tree', '--name-only', 'HEAD')).toBe('');
    expect(await git(dir, 'status', '--porcelain')).toBe('');
    await repo.close();
  });

  it('serializes parallel commits on one instance', async () => {
    const repo = await openLocalRepo({ path: dir, branch: 'main' });
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        repo.commitAndPush({ changes: [{ path: `s/${i}`, content: `${i}\n` }], message: `c${i}`, author: AUTHOR }),
      ),
    );
    expect(await git(dir, 'ls-tree', '-r', '--name-only', 'HEAD', 's')).toBe('s/0\ns/1\ns/2\ns/3\ns/4');
    expect(await git(dir, 'rev-list', '--count', 'HEAD')).toBe('6');
    await repo.close();
  });

  it('refuses when another branch is checked out', async () => {
    await git(dir, 'checkout', '-q', '-b', 'feature');
    await expect(openLocalRepo({ path: dir, branch: 'main' })).rejects.toMatchObject({ reason: 'wrong-branch' });
  });

  it('refuses a directory that is not a repository', async () => {
    const plain = await mkdtemp(path.join(os.tmpdir(), 'flare-plain-'));
    try {
      await expect(openLocalRepo({ path: plain, branch: 'main' })).rejects.toMatchObject({ reason: 'not-found' });
    } finally {
      await rm(plain, { recursive: true, force: true });
    }
  });
});
