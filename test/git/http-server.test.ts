import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
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

/**
 * Ref listings (a v2 ls-refs, a push's advertisement) are answered from the ref files; these
 * tests hold that answer to the one git http-backend gives over the same repository, and count
 * the http-backend processes (through a logging `git` first on PATH) an idle fetch costs.
 */
describe('git smart-HTTP server: ref listings without a process', () => {
  let tmp: string;
  let root: string;
  let bare: string;
  let inProcess: GitHttpServer;
  let allCgi: GitHttpServer;
  let logFile: string;
  let savedPath: string | undefined;

  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'flare-http-refs-'));
    root = path.join(tmp, 'srv');
    const seed = path.join(tmp, 'seed');
    await mkdir(seed, { recursive: true });
    await writeFile(path.join(seed, 'a.txt'), 'a\n');
    bare = await createBareRepo(root, 'r', { branch: 'main', seedFrom: seed });
    inProcess = await startGitHttpServer({ root });
    allCgi = await startGitHttpServer({ root, refsInProcess: false });
    const shim = path.join(tmp, 'shim');
    await mkdir(shim);
    logFile = path.join(shim, 'calls.log');
    const realGit = ['/usr/bin/git', '/usr/local/bin/git', '/bin/git'].find((p) => existsSync(p)) ?? 'git';
    await writeFile(path.join(shim, 'git'), `#!/bin/sh\necho "$1" >> '${logFile}'\nexec '${realGit}' "$@"\n`);
    await chmod(path.join(shim, 'git'), 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${shim}${path.delimiter}${savedPath ?? ''}`;
  });
  afterEach(async () => {
    process.env.PATH = savedPath;
    await inProcess.close();
    await allCgi.close();
    await rm(tmp, { recursive: true, force: true });
  });

  /** How many `git http-backend` processes started since the last call. */
  async function backends(): Promise<number> {
    const text = existsSync(logFile) ? await readFile(logFile, 'utf8') : '';
    await writeFile(logFile, '');
    return text.split('\n').filter((l) => l === 'http-backend').length;
  }

  const lsRefs =
    '0014command=ls-refs\n0015agent=git/2.39.5\n0017object-format=sha1\n0001000csymrefs\n000bunborn\n0014ref-prefix HEAD\n001fref-prefix refs/heads/main\n0000';

  async function answers(server: GitHttpServer): Promise<string[]> {
    const v2 = { 'Git-Protocol': 'version=2' };
    const out: string[] = [];
    const add = async (res: Response) => out.push(`${res.status} ${res.headers.get('content-type')}\n${await res.text()}`);
    await add(await fetch(`${server.url}/r.git/info/refs?service=git-upload-pack`, { headers: v2 }));
    await add(
      await fetch(`${server.url}/r.git/git-upload-pack`, {
        method: 'POST',
        headers: { ...v2, 'Content-Type': 'application/x-git-upload-pack-request' },
        body: lsRefs,
      }),
    );
    await add(await fetch(`${server.url}/r.git/info/refs?service=git-receive-pack`));
    await add(await fetch(`${server.url}/r.git/info/refs?service=git-upload-pack`)); // v0, as isomorphic-git asks
    return out;
  }

  it('answers exactly what git http-backend answers, and starts no process once it knows the repository', async () => {
    const truth = await answers(allCgi);
    expect(await backends()).toBe(4);
    expect(truth[1]).toMatch(/symref-target:refs\/heads\/main/);
    expect(await answers(inProcess)).toEqual(truth); // first time: git answers, and is remembered
    await backends();
    expect(await answers(inProcess)).toEqual(truth);
    expect(await backends()).toBe(0);

    // a push moves main: the listings follow it, still without a process
    const clone = path.join(tmp, 'c');
    await runGit(['clone', '-q', `${inProcess.url}/r.git`, clone], { cwd: tmp });
    await git(clone, 'commit', '-q', '--allow-empty', '-m', 'next');
    await git(clone, 'push', '-q', 'origin', 'HEAD:main');
    const moved = await answers(allCgi);
    expect(moved[1]).toContain(await git(bare, 'rev-parse', 'main'));
    await backends();
    expect(await answers(inProcess)).toEqual(moved);
    expect(await backends()).toBe(0);
  });

  it('an idle git fetch starts no http-backend; the all-CGI server starts two', async () => {
    const clone = path.join(tmp, 'c');
    await runGit(['clone', '-q', `${inProcess.url}/r.git`, clone], { cwd: tmp });
    await git(clone, 'fetch', '-q', 'origin');
    await backends();
    await git(clone, 'fetch', '-q', 'origin');
    expect(await backends()).toBe(0);
    await git(clone, 'fetch', '-q', `${allCgi.url}/r.git`, 'main');
    expect(await backends()).toBe(2);
  });

  it('leaves the listing to git when the config hides refs, from the moment the config changes', async () => {
    await answers(inProcess);
    await git(bare, 'update-ref', 'refs/heads/secret', 'main');
    const ls = async () => (await runGit(['ls-remote', `${inProcess.url}/r.git`], { cwd: tmp })).stdout;
    expect(await ls()).toContain('refs/heads/secret');
    await git(bare, 'config', 'uploadpack.hideRefs', 'refs/heads/secret');
    const hidden = await ls();
    expect(hidden).toContain('refs/heads/main');
    expect(hidden).not.toContain('refs/heads/secret');
  });
});

