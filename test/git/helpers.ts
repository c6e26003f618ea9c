import { mkdtemp, rm, writeFile, chmod, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runGit } from '../../src/git/exec.js';
import { createBareRepo, startGitHttpServer } from '../../src/git/http-server.js';
import type { GitHttpServer } from '../../src/git/http-server.js';

export const AUTHOR = { name: 'FLARE Bot', email: 'flare@example.com' };

const identity = {
  GIT_AUTHOR_NAME: 'Human',
  GIT_AUTHOR_EMAIL: 'human@example.com',
  GIT_COMMITTER_NAME: 'Human',
  GIT_COMMITTER_EMAIL: 'human@example.com',
};

/** Runs git as a human collaborator would (never through the code under test's repo object). */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await runGit(args, { cwd, env: identity })).stdout.trim();
}

export interface Remote {
  tmp: string;
  server: GitHttpServer;
  bare: string;
  url: string;
  /** A fresh directory path under the temp root (not created). */
  dir(name: string): string;
  /** Clones the remote as a collaborator. */
  clone(name: string): Promise<string>;
  /** Clones, writes files, commits and pushes as a collaborator; returns the new sha. */
  pushFrom(name: string, files: Record<string, string>, message: string): Promise<string>;
  /** Files and subjects on the remote branch, read through a fresh clone. */
  read(file: string): Promise<string | undefined>;
  subjects(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startRemote(seed: Record<string, string> = { 'README.md': 'seed\n' }): Promise<Remote> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'flare-git-test-'));
  const seedDir = path.join(tmp, 'seed');
  for (const [file, content] of Object.entries(seed)) {
    await mkdir(path.dirname(path.join(seedDir, file)), { recursive: true });
    await writeFile(path.join(seedDir, file), content);
  }
  const root = path.join(tmp, 'srv');
  const bare = await createBareRepo(root, 'flare', {
    branch: 'main',
    ...(Object.keys(seed).length > 0 ? { seedFrom: seedDir } : {}),
  });
  const server = await startGitHttpServer({ root });
  const url = `${server.url}/flare.git`;
  let n = 0;
  const remote: Remote = {
    tmp,
    server,
    bare,
    url,
    dir: (name) => path.join(tmp, name),
    async clone(name) {
      const dir = path.join(tmp, `${name}-${n++}`);
      await runGit(['clone', '-q', '-b', 'main', url, dir], { cwd: tmp });
      return dir;
    },
    async pushFrom(name, files, message) {
      const dir = await remote.clone(name);
      for (const [file, content] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
        await writeFile(path.join(dir, file), content);
      }
      await git(dir, 'add', '-A');
      await git(dir, 'commit', '-q', '-m', message);
      await git(dir, 'push', '-q', 'origin', 'HEAD:main');
      return git(dir, 'rev-parse', 'HEAD');
    },
    async read(file) {
      const dir = await remote.clone('reader');
      try {
        return (await runGit(['show', `HEAD:${file}`], { cwd: dir })).stdout;
      } catch {
        return undefined;
      }
    },
    async subjects() {
      const out = await git(bare, 'log', '--format=%s', 'main');
      return out.split('\n');
    },
    async close() {
      await server.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
  return remote;
}

/**
 * A server-side pre-receive hook that moves the branch under the push being received, the first
 * `times` pushes: a real "remote moved while we pushed" race. The count lands in `race-count`.
 */
export async function installRacingHook(bare: string, times: number): Promise<void> {
  const hook = `#!/bin/sh
unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
export GIT_AUTHOR_NAME=racer GIT_AUTHOR_EMAIL=racer@example.com GIT_COMMITTER_NAME=racer GIT_COMMITTER_EMAIL=racer@example.com
n=$(cat race-count 2>/dev/null || echo 0)
echo $((n+1)) > race-count
if [ "$n" -lt ${times} ]; then
  tree=$(git rev-parse refs/heads/main^{tree})
  new=$(echo "racer $n" | git commit-tree "$tree" -p refs/heads/main)
  git update-ref refs/heads/main "$new"
fi
exit 0
`;
  const file = path.join(bare, 'hooks', 'pre-receive');
  await writeFile(file, hook);
  await chmod(file, 0o755);
}
