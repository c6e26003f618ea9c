import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packedRef, parseRefFile, readAllRefsFromFiles, readRefFromFiles } from '../../src/git/ref-files.js';
import { git } from './helpers.js';

const A = 'a'.repeat(40);
const B = '0123456789abcdef0123456789abcdef01234567';

describe('ref files', () => {
  it('finds a ref in packed-refs text, skipping peeled lines and refs that only share a prefix', () => {
    const text = `# pack-refs with: peeled fully-peeled sorted \n${A} refs/heads/main-old\n${B} refs/heads/main\n^${A}\n`;
    expect(packedRef(text, 'refs/heads/main')).toBe(B);
    expect(packedRef(text, 'refs/heads/mai')).toBe('');
    expect(packedRef(text, 'refs/tags/v1')).toBe('');
  });

  it('reads a loose ref as a sha or a symref and refuses anything else', () => {
    expect(parseRefFile(`${B}\n`)).toEqual({ sha: B });
    expect(parseRefFile('ref: refs/heads/main\n')).toEqual({ symref: 'refs/heads/main' });
    expect(parseRefFile('ref: ../../etc/passwd\n')).toBeUndefined();
    expect(parseRefFile('garbage')).toBeUndefined();
  });

  it('agrees with git rev-parse on a real repository: loose, packed, unborn and missing refs', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flare-ref-files-'));
    try {
      await git(dir, 'init', '-q', '-b', 'main');
      const gitDir = path.join(dir, '.git');
      expect(await readRefFromFiles(gitDir, 'HEAD')).toBe('');
      await git(dir, 'commit', '-q', '--allow-empty', '-m', 'one');
      const one = await git(dir, 'rev-parse', 'HEAD');
      expect(await readRefFromFiles(gitDir, 'HEAD')).toBe(one);
      await git(dir, 'update-ref', 'refs/remotes/origin/main', one);
      await git(dir, 'pack-refs', '--all');
      expect(await readRefFromFiles(gitDir, 'refs/remotes/origin/main')).toBe(one);
      await git(dir, 'commit', '-q', '--allow-empty', '-m', 'two');
      expect(await readRefFromFiles(gitDir, 'HEAD')).toBe(await git(dir, 'rev-parse', 'HEAD'));
      expect(await readRefFromFiles(gitDir, 'refs/heads/nope')).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a sha256 repository is never read as having no ref: the files decline and git answers', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flare-ref-files-256-'));
    try {
      await git(dir, 'init', '-q', '-b', 'main', '--object-format=sha256');
      await git(dir, 'commit', '-q', '--allow-empty', '-m', 'one');
      const gitDir = path.join(dir, '.git');
      await git(dir, 'update-ref', 'refs/remotes/origin/main', 'HEAD');
      await git(dir, 'pack-refs', '--all');
      expect(await readRefFromFiles(gitDir, 'refs/remotes/origin/main')).toBeUndefined();
      expect(await readRefFromFiles(gitDir, 'HEAD')).toBeUndefined();
      expect(await readAllRefsFromFiles(gitDir)).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists no ref git would not list: a dotfile, a bad name or a symlink below refs/ makes the files decline', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flare-ref-files-odd-'));
    try {
      await git(dir, 'init', '-q', '-b', 'main');
      await git(dir, 'commit', '-q', '--allow-empty', '-m', 'one');
      const gitDir = path.join(dir, '.git');
      const sha = await git(dir, 'rev-parse', 'HEAD');
      expect((await readAllRefsFromFiles(gitDir))?.refs).toEqual([{ name: 'refs/heads/main', sha }]);
      for (const odd of ['refs/heads/.hidden', 'refs/heads/a..b', 'refs/heads/x.lock/y']) {
        await mkdir(path.dirname(path.join(gitDir, odd)), { recursive: true });
        await writeFile(path.join(gitDir, odd), `${sha}\n`);
        expect(await readAllRefsFromFiles(gitDir), odd).toBeUndefined();
        await rm(path.join(gitDir, odd.split('/').slice(0, 3).join('/')), { recursive: true });
        expect(await readAllRefsFromFiles(gitDir), `${odd} removed`).toBeDefined();
      }
      await symlink(path.join(gitDir, 'refs', 'heads'), path.join(gitDir, 'refs', 'linked'));
      expect(await readAllRefsFromFiles(gitDir)).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

