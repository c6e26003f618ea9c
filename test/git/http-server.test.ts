import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runGit } from '../../src/git/exec.js';
import { createBareRepo, parseCgiHead, startGitHttpServer } from '../../src/git/http-server.js';
import type { GitHttpServer } from '../../src/git/http-server.js';
import { git } from './helpers.js';

describe('parseCgiHead', () => {
  it('waits for the blank line, reads Status and keeps the body', () => {
    expect(parseCgiHead(Buffer.from('Content-Type: text/plain\r\n'))).toBeUndefined();
    const parsed = parseCgiHead(Buffer.from('Status: 404 Not Found\r\nContent-Type: text/plain\r\nExpires: 0\r\n\r\nbody\n\nmore'));
    expect(parsed?.status).toBe(404);
    expect(parsed?.headers).toEqual([
      ['Content-Type', 'text/plain'],
      ['Expires', '0'],
    ]);
    expect(parsed?.body.toString()).toBe('body\n\nmore');
    expect(parseCgiHead(Buffer.from('Content-Type: x\n\nB'))).toMatchObject({ status: 200 });
  });
});

describe('git smart-HTTP server', () => {
  let tmp: string;
  let server: GitHttpServer;

  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'flare-http-'));
    server = await startGitHttpServer({ root: path.join(tmp, 'srv') });
  });
  afterEach(async () => {
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('serves a seeded bare repo for clone and accepts pushes (chunked request bodies included)', async () => {
    const seed = path.join(tmp, 'seed');
    await mkdir(path.join(seed, 'intents'), { recursive: true });
    await writeFile(path.join(seed, 'intents', 'a.yaml'), 'kind: GpuIntent\n');
    await writeFile(path.join(seed, '.gitignore'), 'node_modules/\n');
    await mkdir(path.join(seed, 'node_modules'));
    await writeFile(path.join(seed, 'node_modules', 'junk.js'), 'x');
    const bare = await createBareRepo(path.join(tmp, 'srv'), 'demo', { branch: 'main', seedFrom: seed });
    expect(bare).toBe(path.join(tmp, 'srv', 'demo.git'));
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const clone = path.join(tmp, 'clone');
    await runGit(['clone', '-q', `${server.url}/demo.git`, clone], { cwd: tmp });
    expect(await readFile(path.join(clone, 'intents', 'a.yaml'), 'utf8')).toBe('kind: GpuIntent\n');
    expect(await git(clone, 'ls-files')).toBe('.gitignore\nintents/a.yaml');

    // ~2 MB of incompressible data over a 64 KiB postBuffer makes git send a chunked request.
    const big = Buffer.alloc(2_000_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    await writeFile(path.join(clone, 'big.bin'), big);
    await git(clone, 'add', '-A');
    await git(clone, 'commit', '-q', '-m', 'big');
    await runGit(['push', '-q', 'origin', 'HEAD:main'], {
      cwd: clone,
      config: { 'http.postBuffer': '65536' },
      env: { GIT_COMMITTER_NAME: 'h', GIT_COMMITTER_EMAIL: 'h@x' },
    });
    expect(await git(bare, 'log', '-1', '--format=%s', 'main')).toBe('big');
    expect(await git(bare, 'cat-file', '-s', 'main:big.bin')).toBe('2000000');
  });

  it('accepts a gzip-encoded fetch request (many refs wanted at once)', async () => {
    const bare = await createBareRepo(path.join(tmp, 'srv'), 'neg', { branch: 'main' });
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    await runGit(['clone', '-q', `${server.url}/neg.git`, a], { cwd: tmp });
    await git(a, 'commit', '-q', '--allow-empty', '-m', 'base');
    await git(a, 'push', '-q', 'origin', 'HEAD:main');
    await runGit(['clone', '-q', `${server.url}/neg.git`, b], { cwd: tmp });
    for (let i = 0; i < 30; i++) {
      await git(a, 'commit', '-q', '--allow-empty', '-m', `br${i}`);
      await git(a, 'branch', `br${i}`);
    }
    await git(a, 'push', '-q', 'origin', 'refs/heads/*:refs/heads/*');
    // 30 "want" lines exceed 1 KiB, which git sends with Content-Encoding: gzip.
    await runGit(['fetch', '-q', 'origin'], { cwd: b, config: { 'protocol.version': '0' } });
    expect(await git(b, 'rev-parse', 'origin/br29')).toBe(await git(bare, 'rev-parse', 'br29'));
  });

  it('answers 404 for unknown repositories and path traversal', async () => {
    const unknown = await fetch(`${server.url}/nope.git/info/refs?service=git-upload-pack`);
    expect(unknown.status).toBe(404);
    const traversal = await fetch(`${server.url}/%2e%2e/etc/info/refs?service=git-upload-pack`);
    expect(traversal.status).toBe(404);
  });

  it('answers 400 to a malformed percent-encoded path and keeps serving', async () => {
    const bad = await fetch(`${server.url}/%E0%A4%A/info/refs?service=git-upload-pack`);
    expect(bad.status).toBe(400);
    const after = await fetch(`${server.url}/nope.git/info/refs?service=git-upload-pack`);
    expect(after.status).toBe(404);
  });

  it('rejects unsafe repository names', async () => {
    await expect(createBareRepo(tmp, '../x', { branch: 'main' })).rejects.toMatchObject({ reason: 'invalid-name' });
  });
});
