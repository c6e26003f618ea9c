import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat, writeFile, mkdir, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gitCredentials, refuseUrlCredentials } from '../../src/git/credentials.js';
import { UsageError } from '../../src/errors.js';
import { openRemoteRepo } from '../../src/git/repo.js';
import { createBareRepo, startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import { repoSource } from '../../src/cli/reconcile.js';
import { runFlare } from '../support/cli.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function tmp(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'flare-cred-'));
  cleanup.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

describe('git credentials', () => {
  it('come from FLARE_GIT_USERNAME/FLARE_GIT_PASSWORD, FLARE_GIT_TOKEN or a credentials file', async () => {
    expect(await gitCredentials({})).toBeUndefined();
    expect(await gitCredentials({ FLARE_GIT_USERNAME: 'bot', FLARE_GIT_PASSWORD: 'pw' })).toEqual({ username: 'bot', password: 'pw' });
    expect(await gitCredentials({ FLARE_GIT_TOKEN: 'ghp_x' })).toEqual({ username: 'x-access-token', password: 'ghp_x' });
    expect(await gitCredentials({ FLARE_GIT_TOKEN: 'glpat', FLARE_GIT_USERNAME: 'oauth2' })).toEqual({ username: 'oauth2', password: 'glpat' });
    const d = await tmp();
    const f = path.join(d, 'cred');
    await writeFile(f, 'bot:s3cr:et\n', { mode: 0o600 });
    expect(await gitCredentials({ FLARE_GIT_CREDENTIALS_FILE: f })).toEqual({ username: 'bot', password: 's3cr:et' });
    await writeFile(f, 'just-a-token\n');
    expect(await gitCredentials({}, f)).toEqual({ username: 'x-access-token', password: 'just-a-token' });
    await expect(gitCredentials({}, path.join(d, 'missing'))).rejects.toBeInstanceOf(UsageError);
    await expect(gitCredentials({ FLARE_GIT_USERNAME: 'bot' })).rejects.toThrow(/FLARE_GIT_PASSWORD/);
  });

  it('a URL with credentials is refused with a message saying what to use instead', () => {
    for (const url of ['https://bot:pw@git.example.com/r.git', 'https://ghp_token@github.com/o/r.git', 'http://u:p@127.0.0.1:8080/x.git']) {
      expect(() => refuseUrlCredentials(url)).toThrow(UsageError);
      try {
        refuseUrlCredentials(url);
      } catch (err) {
        const msg = (err as Error).message;
        expect(msg).toContain('FLARE_GIT_USERNAME');
        expect(msg).toContain('--git-credentials-file');
        expect(msg).not.toContain('pw');
      }
    }
    for (const url of ['https://git.example.com/r.git', 'git@github.com:o/r.git', 'ssh://git@host/r.git', '/srv/r.git']) expect(() => refuseUrlCredentials(url)).not.toThrow();
  });

  it('flare reconcile refuses a URL with credentials before doing anything (exit 2)', async () => {
    const d = await tmp();
    const r = await runFlare(['reconcile', '--repo', 'https://bot:hunter2@127.0.0.1:9/x.git', '--once', '--workdir', path.join(d, 'w')], d);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('FLARE_GIT_USERNAME');
    expect(r.stderr).not.toContain('hunter2');
  });

  it('the default private clone folder is per user under the temp dir', () => {
    const s = repoSource('https://git.example.com/r.git', '/', 'main') as { dir: string };
    expect(path.basename(s.dir)).toContain(String(process.getuid?.() ?? ''));
  });
});

describe('private clone with credentials from the environment', () => {
  let server: GitHttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('clones a remote that needs auth; nothing secret is written to disk; the clone folder is 0700', async () => {
    const root = await tmp();
    const seed = await tmp();
    await writeFile(path.join(seed, 'README.md'), 'seed\n');
    await createBareRepo(root, 'r', { branch: 'main', seedFrom: seed });
    server = await startGitHttpServer({ root, auth: { username: 'bot', password: 'hunter2' } });
    const url = `${server.url}/r.git`;
    const basic = Buffer.from('bot:hunter2').toString('base64');

    const base = await tmp();
    // without credentials the clone fails
    await expect(openRemoteRepo({ url, dir: path.join(base, 'anon'), branch: 'main', retryDelayMs: 1, maxAttempts: 1 })).rejects.toThrow();
    // a pre-existing, world-readable folder is made private
    const dir = path.join(base, 'clone');
    await mkdir(dir);
    await chmod(dir, 0o755);
    const auth = await gitCredentials({ FLARE_GIT_USERNAME: 'bot', FLARE_GIT_PASSWORD: 'hunter2' });
    const repo = await openRemoteRepo({ url, dir, branch: 'main', retryDelayMs: 1, auth: auth! });
    cleanup.push(() => repo.close());
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const config = await readFile(path.join(dir, '.git/config'), 'utf8');
    expect(config).not.toContain('hunter2');
    expect(config).not.toContain(basic);
    expect(config).not.toMatch(/extraHeader/i);
  });
});
