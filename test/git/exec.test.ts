import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GitError } from '../../src/errors.js';
import { classifyGitFailure, gitEnv, parsePushPorcelain, redactUrls, runGit } from '../../src/git/exec.js';

describe('classifyGitFailure', () => {
  it.each([
    [' ! [rejected]        main -> main (fetch first)', 'fetch-first'],
    [' ! [rejected]        HEAD -> main (non-fast-forward)', 'non-fast-forward'],
    ['!\tHEAD:refs/heads/main\t[remote rejected] (failed to update ref)', 'remote-moved'],
    ["remote: error: cannot lock ref 'refs/heads/main': is at 1 but expected 2", 'remote-moved'],
    ["fatal: cannot lock ref 'refs/heads/main': is at 1 but expected 2", 'remote-moved'],
    ['!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)', 'remote-rejected'],
    ["fatal: Authentication failed for 'https://example.com/r.git/'", 'auth'],
    ["fatal: could not read Username for 'https://example.com': terminal prompts disabled", 'auth'],
    ['fatal: unable to access \'https://x/\': The requested URL returned error: 403', 'auth'],
    ["fatal: repository 'http://127.0.0.1:1/missing.git/' not found", 'not-found'],
    ["fatal: '/nope' does not appear to be a git repository", 'not-found'],
    ["fatal: couldn't find remote ref refs/heads/main", 'missing-ref'],
    ["fatal: unable to access 'http://x/': Failed to connect to x port 1: Connection refused", 'network'],
    ["fatal: Unable to create '/r/.git/index.lock': File exists.", 'locked'],
    ['fatal: something else', 'failed'],
  ])('%s → %s', (stderr, reason) => {
    expect(classifyGitFailure(stderr)).toBe(reason);
  });
});

describe('parsePushPorcelain', () => {
  it('reads per-ref results', () => {
    const out = 'To http://x/r.git\n \tHEAD:refs/heads/main\t1..2\n!\tHEAD:refs/heads/dev\t[rejected] (fetch first)\nDone\n';
    expect(parsePushPorcelain(out)).toEqual([
      { flag: ' ', ref: 'HEAD:refs/heads/main', summary: '1..2' },
      { flag: '!', ref: 'HEAD:refs/heads/dev', summary: '[rejected] (fetch first)' },
    ]);
  });
});

describe('gitEnv', () => {
  it('drops repository-locating variables, isolates config and disables prompts and hooks', () => {
    const env = gitEnv({ PATH: '/bin', GIT_DIR: '/elsewhere', GIT_INDEX_FILE: '/i', GIT_SSH_COMMAND: 'ssh -i k', HOME: '/h' });
    expect(env.GIT_DIR).toBeUndefined();
    expect(env.GIT_INDEX_FILE).toBeUndefined();
    expect(env.GIT_SSH_COMMAND).toBe('ssh -i k');
    expect(env.PATH).toBe('/bin');
    expect(env.GIT_TERMINAL_PROMPT).toBe('0');
    expect(env.GIT_CONFIG_GLOBAL).toBe('/dev/null');
    expect(env.GIT_CONFIG_NOSYSTEM).toBe('1');
    const config = new Map<string, string>();
    for (let i = 0; i < Number(env.GIT_CONFIG_COUNT); i++) config.set(env[`GIT_CONFIG_KEY_${i}`]!, env[`GIT_CONFIG_VALUE_${i}`]!);
    expect(config.get('core.hooksPath')).toBe('/dev/null');
    expect(gitEnv({}, { hooks: true, config: { 'a.b': 'c' } }).GIT_CONFIG_KEY_0).not.toBe('core.hooksPath');
    const withExtra = gitEnv({}, { config: { 'http.extraHeader': 'X: y' }, env: { GIT_DIR: '/d', LC_ALL: undefined } });
    expect(withExtra.GIT_DIR).toBe('/d');
    expect(withExtra.LC_ALL).toBeUndefined();
    expect(Object.values(withExtra)).toContain('X: y');
  });
});

describe('redactUrls', () => {
  it('hides credentials in URLs', () => {
    expect(redactUrls("fatal: unable to access 'https://bot:s3cret@example.com/r.git/'")).toBe(
      "fatal: unable to access 'https://***@example.com/r.git/'",
    );
  });
});

describe('runGit', () => {
  it('ignores a GIT_DIR inherited from the parent and the user’s global config', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flare-exec-'));
    const saved = { GIT_DIR: process.env.GIT_DIR, GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL };
    try {
      await runGit(['init', '-q', '-b', 'main'], { cwd: dir });
      process.env.GIT_DIR = '/nonexistent';
      const { stdout } = await runGit(['rev-parse', '--absolute-git-dir'], { cwd: dir });
      expect(stdout.trim()).toBe(path.join(await import('node:fs/promises').then((f) => f.realpath(dir)), '.git'));
      const name = await runGit(['config', '--get', 'user.name'], { cwd: dir, okCodes: [1] });
      expect(name.code).toBe(1);
    } finally {
      if (saved.GIT_DIR === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved.GIT_DIR;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects with a GitError naming the subcommand and a reason', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flare-exec-'));
    try {
      await runGit(['init', '-q'], { cwd: dir });
      const err = await runGit(['fetch', '/definitely/not/here'], { cwd: dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitError);
      expect((err as GitError).message).toMatch(/^git fetch failed: /);
      expect((err as GitError).reason).toBe('not-found');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('kills a command past its timeout', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flare-exec-'));
    try {
      const err = await runGit(['wait'], { cwd: dir, timeoutMs: 300, config: { 'alias.wait': '!sleep 3' } }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(GitError);
      expect((err as GitError).reason).toBe('timeout');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
