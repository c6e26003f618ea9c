import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runGit } from '../../src/git/exec.js';
import { createBareRepo, startGitHttpServer } from '../../src/git/http-server.js';
import { startReconciler, type Reconciler, type ReconcilerOptions } from '../../src/reconcile/reconciler.js';
import { FAST, type World } from './harness.js';

const human = { GIT_AUTHOR_NAME: 'Human', GIT_AUTHOR_EMAIL: 'h@example.com', GIT_COMMITTER_NAME: 'Human', GIT_COMMITTER_EMAIL: 'h@example.com' };

/** A second FLARE repo (own git remote, own reconciler) on the world's cluster. */
export interface Repo {
  url: string;
  /** Commits files (content null deletes; `{ symlink: target }` makes a symlink) and pushes. */
  push(files: Record<string, string | null | { symlink: string }>, message: string): Promise<void>;
  read(file: string): Promise<string | undefined>;
  start(opts?: Partial<ReconcilerOptions>): Promise<Reconciler>;
  close(): Promise<void>;
}

let n = 0;

export async function openRepo(world: World, files: Record<string, string>, name = `repo${n++}`): Promise<Repo> {
  const tmp = await mkdtemp(path.join(world.tmp, `${name}-`));
  const seed = path.join(tmp, 'seed');
  for (const [f, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(seed, f)), { recursive: true });
    await writeFile(path.join(seed, f), text);
  }
  const root = path.join(tmp, 'srv');
  const bare = await createBareRepo(root, name, { branch: 'main', seedFrom: seed });
  const server = await startGitHttpServer({ root });
  const url = `${server.url}/${name}.git`;
  const work = path.join(tmp, 'human');
  await runGit(['clone', '-q', '-b', 'main', url, work], { cwd: tmp, timeoutMs: 30_000 });
  const recs: Reconciler[] = [];
  return {
    url,
    async push(changes, message) {
      await runGit(['pull', '-q', '--ff-only', 'origin', 'main'], { cwd: work, env: human, timeoutMs: 30_000 });
      for (const [f, v] of Object.entries(changes)) {
        const abs = path.join(work, f);
        await rm(abs, { force: true, recursive: true });
        if (v === null) continue;
        await mkdir(path.dirname(abs), { recursive: true });
        if (typeof v === 'string') await writeFile(abs, v);
        else await symlink(v.symlink, abs);
      }
      await runGit(['add', '-A'], { cwd: work, env: human });
      await runGit(['commit', '-q', '-m', message], { cwd: work, env: human });
      await runGit(['push', '-q', 'origin', 'HEAD:main'], { cwd: work, env: human, timeoutMs: 30_000 });
    },
    async read(file) {
      // read from the remote's repository itself, as World.read does
      const r = await runGit(['show', `main:${file}`], { cwd: bare, okCodes: [128] });
      return r.code === 0 ? r.stdout : undefined;
    },
    async start(opts = {}) {
      const rec = await startReconciler({
        repo: { url, dir: path.join(tmp, `clone-${recs.length}`) },
        cluster: world.cluster,
        mode: 'apply',
        overrides: FAST,
        autoStart: false,
        ...opts,
      });
      recs.push(rec);
      return rec;
    },
    async close() {
      for (const r of recs) await r.stop().catch(() => undefined);
      await server.close();
    },
  };
}
