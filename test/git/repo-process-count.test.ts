import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRemoteRepo } from '../../src/git/repo.js';
import type { GitRepo } from '../../src/git/types.js';
import { AUTHOR, git, startRemote, type Remote } from './helpers.js';

/**
 * Every git process costs milliseconds of fork and exec on a slow machine, and the reconciler
 * syncs its clone each cycle; these tests count the processes the CLI clone starts (through a
 * `git` first on PATH that logs and hands over to the real one) so an idle cycle stays cheap:
 * over HTTP it asks the remote's ref from this process and starts no git at all.
 */
describe('openRemoteRepo (git CLI): git processes per operation', () => {
  let remote: Remote;
  let shimDir: string;
  let logFile: string;
  let savedPath: string | undefined;
  const opened: GitRepo[] = [];

  beforeEach(async () => {
    remote = await startRemote({ 'README.md': 'seed\n', 'status/a.yaml': 'a: 1\n' });
    shimDir = await mkdtemp(path.join(os.tmpdir(), 'flare-git-shim-'));
    logFile = path.join(shimDir, 'calls.log');
    const realGit = ['/usr/bin/git', '/usr/local/bin/git', '/bin/git'].find((p) => existsSync(p)) ?? 'git';
    await writeFile(path.join(shimDir, 'git'), `#!/bin/sh\nprintf '%s\\t%s\\n' "$PWD" "$1" >> '${logFile}'\nexec '${realGit}' "$@"\n`);
    await chmod(path.join(shimDir, 'git'), 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${shimDir}${path.delimiter}${savedPath ?? ''}`;
  });

  afterEach(async () => {
    process.env.PATH = savedPath;
    for (const r of opened.splice(0)) await r.close();
    await remote.close();
    await rm(shimDir, { recursive: true, force: true });
  });

  /** The subcommands git was started with in `dir` since the last call, in order. */
  async function callsIn(dir: string): Promise<string[]> {
    const text = existsSync(logFile) ? await readFile(logFile, 'utf8') : '';
    await writeFile(logFile, '');
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t'))
      .filter(([cwd]) => cwd === dir)
      .map(([, sub]) => sub!);
  }

  async function open(): Promise<GitRepo> {
    const repo = await openRemoteRepo({ url: remote.url, dir: remote.dir('clone'), branch: 'main', retryDelayMs: 1 });
    opened.push(repo);
    await callsIn(repo.dir);
    return repo;
  }

  it('an idle sync over HTTP starts no git process (the remote is asked from this process) and returns the head', async () => {
    const repo = await open();
    expect(await repo.sync()).toBe(await git(remote.bare, 'rev-parse', 'main'));
    expect(await callsIn(repo.dir)).toEqual([]);
    expect(await repo.head()).toBe(await git(remote.bare, 'rev-parse', 'main'));
    expect(await callsIn(repo.dir)).toEqual([]);
  });

  it('a sync after someone pushed moves the working copy (fetch, checkout, clean) and sees the new files', async () => {
    const repo = await open();
    const sha = await remote.pushFrom('other', { 'intents/x.yaml': 'x: 1\n' }, 'other');
    expect(await repo.sync()).toBe(sha);
    expect(await callsIn(repo.dir)).toEqual(['fetch', 'checkout', 'clean']);
    expect(await readFile(path.join(repo.dir, 'intents/x.yaml'), 'utf8')).toBe('x: 1\n');
  });

  it('a commit right after a sync does not reset first nor diff, and leaves nothing for the next sync to do', async () => {
    const repo = await open();
    await repo.sync();
    await callsIn(repo.dir);
    const res = await repo.commitAndPush({ changes: [{ path: 'status/a.yaml', content: 'a: 2\n' }], message: 'flare: a', author: AUTHOR });
    expect(res.pushed).toBe(true);
    expect(await callsIn(repo.dir)).toEqual(['add', 'commit', 'push']);
    expect(await git(remote.bare, 'rev-parse', 'main')).toBe(res.sha);
    expect(await repo.sync()).toBe(res.sha);
    expect(await callsIn(repo.dir)).toEqual([]);
    expect(await git(repo.dir, 'status', '--porcelain')).toBe('');
  });

  it('a commit of what is already there makes nothing, and the copy stays known clean', async () => {
    const repo = await open();
    await repo.sync();
    await callsIn(repo.dir);
    const res = await repo.commitAndPush({ changes: [{ path: 'status/a.yaml', content: 'a: 1\n' }], message: 'flare: a', author: AUTHOR });
    expect(res).toEqual({ sha: undefined, pushed: false, attempts: 0 });
    expect(await callsIn(repo.dir)).toEqual(['add', 'commit']);
    await repo.sync();
    expect(await callsIn(repo.dir)).toEqual([]);
  });

  it('a file left in the working copy by hand is still cleaned away once the remote moves', async () => {
    const repo = await open();
    await writeFile(path.join(repo.dir, 'stray.txt'), 'junk');
    await remote.pushFrom('other', { 'intents/y.yaml': 'y: 1\n' }, 'other');
    await repo.sync();
    expect(existsSync(path.join(repo.dir, 'stray.txt'))).toBe(false);
  });

  it('after a rejected push the next attempt starts from a reset, and the commit lands on top', async () => {
    const repo = await open();
    await repo.sync();
    const theirs = await remote.pushFrom('other', { 'intents/z.yaml': 'z: 1\n' }, 'other');
    await callsIn(repo.dir);
    const res = await repo.commitAndPush({ changes: [{ path: 'status/a.yaml', content: 'a: 3\n' }], message: 'flare: a', author: AUTHOR });
    expect(res).toMatchObject({ pushed: true, attempts: 2 });
    const calls = await callsIn(repo.dir);
    expect(calls.slice(0, 3)).toEqual(['add', 'commit', 'push']);
    expect(calls.slice(3)).toEqual(['fetch', 'checkout', 'clean', 'add', 'commit', 'push']);
    expect(await git(remote.bare, 'rev-parse', 'main~1')).toBe(theirs);
    expect(await git(remote.bare, 'show', 'main:status/a.yaml')).toBe('a: 3');
  });

  it('with a proxy variable set the remote is asked by git alone (the probe would bypass the proxy)', async () => {
    const repo = await open();
    const saved = process.env.HTTPS_PROXY;
    process.env.HTTPS_PROXY = 'http://127.0.0.1:9'; // git uses it for https only; the probe stands aside for any
    try {
      expect(await repo.sync()).toBe(await git(remote.bare, 'rev-parse', 'main'));
      expect(await callsIn(repo.dir)).toEqual(['fetch']);
    } finally {
      if (saved === undefined) delete process.env.HTTPS_PROXY;
      else process.env.HTTPS_PROXY = saved;
    }
  });

  it('a remote that answers the probe badly is fetched by git, and after three bad answers no longer probed', async () => {
    // a front that passes git through but fails every request of the probe
    let probes = 0;
    const target = new URL(remote.server.url);
    const front = createServer((req, res) => {
      if (req.headers['user-agent'] === 'git/flare-probe') {
        probes++;
        res.writeHead(502).end('bad gateway');
        return;
      }
      const up = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(front.address() as AddressInfo).port}/flare.git`;
      const repo = await openRemoteRepo({ url, dir: remote.dir('fronted'), branch: 'main', retryDelayMs: 1 });
      opened.push(repo);
      await callsIn(repo.dir);
      const head = await git(remote.bare, 'rev-parse', 'main');
      for (let i = 0; i < 5; i++) expect(await repo.sync()).toBe(head);
      expect(await callsIn(repo.dir)).toEqual(['fetch', 'fetch', 'fetch', 'fetch', 'fetch']);
      expect(probes).toBe(3); // open's own sync failed one probe; two more, then git alone
    } finally {
      await new Promise<void>((resolve) => {
        front.close(() => resolve());
        front.closeAllConnections();
      });
    }
  });
});
