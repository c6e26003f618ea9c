import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runGit } from '../git/exec.js';
import { createBareRepo, startGitHttpServer } from '../git/http-server.js';
import { openIsoRemoteRepo } from '../git/iso-repo.js';
import { openRemoteRepo } from '../git/repo.js';
import type { GitRepo } from '../git/types.js';

const AUTHOR = { name: 'flare-bench', email: 'bench@flare.invalid' };

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function status(i: number, owner: string) {
  return {
    changes: [{ path: `status/${owner}-${i % 5}.yaml`, content: `phase: Running\nobservedGeneration: ${i}\n` }],
    message: `flare: status ${owner} ${i} [skip ci]\n\nFlare-Intent: ${owner}-${i % 5}\n`,
    author: AUTHOR,
  };
}

/**
 * Time from commitAndPush() to a pushed commit on the local smart-HTTP remote (git http-backend),
 * uncontended, and under contention from a second private clone pushing at the same time.
 */
export async function benchGit(log: (line: string) => void): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'flare-bench-git-'));
  const server = await startGitHttpServer({ root: path.join(tmp, 'srv') });
  const repos: GitRepo[] = [];
  try {
    const seed = path.join(tmp, 'seed');
    await mkdir(path.join(seed, 'intents'), { recursive: true });
    for (let i = 0; i < 20; i++) await writeFile(path.join(seed, 'intents', `i${i}.yaml`), `name: i${i}\n`);
    await createBareRepo(path.join(tmp, 'srv'), 'bench', { branch: 'main', seedFrom: seed });
    const url = `${server.url}/bench.git`;

    const t0 = performance.now();
    const a = await openRemoteRepo({ url, dir: path.join(tmp, 'a'), branch: 'main' });
    repos.push(a);
    log(`git: clone over smart HTTP ${(performance.now() - t0).toFixed(0)} ms`);

    await a.commitAndPush(status(-1, 'warm'));
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const start = performance.now();
      const result = await a.commitAndPush(status(i, 'a'));
      times.push(performance.now() - start);
      if (!result.pushed) throw new Error('bench commit did not push');
    }
    times.sort((x, y) => x - y);
    log(`git: commitAndPush → pushed, uncontended: median ${quantile(times, 0.5).toFixed(0)} ms, p95 ${quantile(times, 0.95).toFixed(0)} ms (n=20)`);

    const b = await openRemoteRepo({ url, dir: path.join(tmp, 'b'), branch: 'main' });
    repos.push(b);
    // Two writers on one remote: `pauseMs` is each writer's think time between commits (a
    // reconciler cycle or a human edit); 0 is a competitor pushing back-to-back.
    const race = async (pauseMs: number, round: string) => {
      const times: number[] = [];
      const attempts: number[] = [];
      let failed = 0;
      const loop = async (repo: GitRepo, owner: string) => {
        for (let i = 0; i < 10; i++) {
          const start = performance.now();
          try {
            const result = await repo.commitAndPush(status(i, `${owner}${round}`));
            times.push(performance.now() - start);
            attempts.push(result.attempts);
          } catch {
            failed++;
          }
          if (pauseMs > 0) await new Promise((r) => setTimeout(r, Math.random() * pauseMs));
        }
      };
      await Promise.all([loop(a, 'a'), loop(b, 'b')]);
      times.sort((x, y) => x - y);
      const retried = attempts.filter((n) => n > 1).length;
      log(
        `git: two clones racing, pause 0–${pauseMs} ms: median ${quantile(times, 0.5).toFixed(0)} ms, ` +
          `p95 ${quantile(times, 0.95).toFixed(0)} ms; ${retried}/${attempts.length} landed after a retry ` +
          `(max ${Math.max(0, ...attempts)} attempts), ${failed}/20 gave up after 5 attempts`,
      );
    };
    await race(500, 'slow');
    await race(0, 'tight');

    await compareImpls(tmp, server.url, log);
    await compareServers(tmp, url, log);
  } finally {
    for (const repo of repos) await repo.close();
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

type Opener = (o: { url: string; dir: string; branch: string }) => Promise<GitRepo>;

/**
 * isomorphic-git vs the git CLI on the same remote: commit+push of 1 file, of 4,000 files, and a
 * fetch (sync) of a commit another clone pushed. Each side gets its own fresh bare repository.
 */
async function compareImpls(tmp: string, serverUrl: string, log: (line: string) => void): Promise<void> {
  const impls: Array<[string, Opener]> = [
    ['cli', openRemoteRepo],
    ['iso', openIsoRemoteRepo],
  ];
  const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
  for (const [name, opener] of impls) {
    const repoName = `cmp-${name}`;
    const seed = path.join(tmp, `${repoName}-seed`);
    await mkdir(seed, { recursive: true });
    await writeFile(path.join(seed, 'README.md'), 'bench\n');
    await createBareRepo(path.join(tmp, 'srv'), repoName, { branch: 'main', seedFrom: seed });
    const url = `${serverUrl}/${repoName}.git`;
    const t0 = performance.now();
    const repo = await opener({ url, dir: path.join(tmp, `${repoName}-w`), branch: 'main' });
    const other = await openRemoteRepo({ url, dir: path.join(tmp, `${repoName}-o`), branch: 'main' });
    try {
      const cloneMs = performance.now() - t0;
      const one: number[] = [];
      for (let i = 0; i < 10; i++) {
        const start = performance.now();
        const r = await repo.commitAndPush(status(i, name));
        if (!r.pushed) throw new Error('bench commit did not push');
        one.push(performance.now() - start);
      }
      const many: number[] = [];
      for (let round = 0; round < 2; round++) {
        const changes = Array.from({ length: 4000 }, (_, i) => ({
          path: `intents/t${i % 40}/i${i}.yaml`,
          content: `name: i${i}\nround: ${round}\n`,
        }));
        const start = performance.now();
        const r = await repo.commitAndPush({ changes, message: `bulk ${round}`, author: AUTHOR });
        if (!r.pushed) throw new Error('bench bulk commit did not push');
        many.push(performance.now() - start);
      }
      const fetches: number[] = [];
      for (let i = 0; i < 10; i++) {
        await other.commitAndPush(status(i, `other-${name}`));
        const start = performance.now();
        await repo.sync();
        fetches.push(performance.now() - start);
      }
      // a reconciler's most common sync: nothing new on the remote
      const idle: number[] = [];
      for (let i = 0; i < 10; i++) {
        const start = performance.now();
        await repo.sync();
        idle.push(performance.now() - start);
      }
      log(
        `git ${name}: clone ${cloneMs.toFixed(0)} ms; commit+push 1 file median ${median(one).toFixed(0)} ms; ` +
          `commit+push 4,000 files median ${median(many).toFixed(0)} ms; fetch+reset (4,000-file tree) median ${median(fetches).toFixed(0)} ms; ` +
          `idle sync median ${median(idle).toFixed(0)} ms`,
      );
    } finally {
      await repo.close();
      await other.close();
    }
  }
}

/**
 * The remote's two ways to answer a ref listing, side by side on one repository: from the ref
 * files (the default) and through git http-backend for every request. Timed: a plain idle
 * `git fetch` (what any git client pays) and the CLI clone's idle sync (its in-process probe).
 */
async function compareServers(tmp: string, inProcessUrl: string, log: (line: string) => void): Promise<void> {
  const allCgi = await startGitHttpServer({ root: path.join(tmp, 'srv'), refsInProcess: false });
  const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
  try {
    const cgiUrl = `${allCgi.url}/bench.git`;
    for (const [name, url] of [
      ['refs from files', inProcessUrl],
      ['all git http-backend', cgiUrl],
    ] as const) {
      const dir = path.join(tmp, `srv-cmp-${name.replace(/\W+/g, '-')}`);
      const repo = await openRemoteRepo({ url, dir, branch: 'main' });
      try {
        const fetches: number[] = [];
        const syncs: number[] = [];
        for (let i = 0; i < 12; i++) {
          let start = performance.now();
          await runGit(['fetch', '--quiet', 'origin'], { cwd: dir });
          fetches.push(performance.now() - start);
          start = performance.now();
          await repo.sync();
          syncs.push(performance.now() - start);
        }
        log(`git server (${name}): idle git fetch median ${median(fetches).toFixed(0)} ms; CLI clone idle sync median ${median(syncs).toFixed(0)} ms`);
      } finally {
        await repo.close();
      }
    }
  } finally {
    await allCgi.close();
  }
}

