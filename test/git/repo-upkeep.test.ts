import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runGit } from '../../src/git/exec.js';
import { openRemoteRepo } from '../../src/git/repo.js';
import type { GitRepo } from '../../src/git/types.js';
import { AUTHOR, startRemote, type Remote } from './helpers.js';

let remote: Remote;
let repo: GitRepo | undefined;
beforeEach(async () => {
  remote = await startRemote({ 'README.md': 'seed\n' });
});
afterEach(async () => {
  await repo?.close();
  repo = undefined;
  await remote.close();
});

async function loose(dir: string): Promise<number> {
  const out = (await runGit(['count-objects', '-v'], { cwd: dir })).stdout;
  return Number(/^count: (\d+)$/m.exec(out)![1]);
}

describe('private clone maintenance (issue 14 item 4)', () => {
  it('packs loose objects every few commits, so status commits do not fill the disk', async () => {
    repo = await openRemoteRepo({ url: remote.url, dir: remote.dir('gc'), branch: 'main', maintenanceEveryCommits: 3 });
    for (let i = 0; i < 6; i++) {
      await repo.commitAndPush({ changes: [{ path: `status/s${i}.yaml`, content: `n: ${i}\n` }], message: `c${i}`, author: AUTHOR });
    }
    await repo.sync();
    // every commit leaves a blob, a tree or two and a commit loose; maintenance packed them
    expect(await loose(repo.dir)).toBe(0);
    expect((await runGit(['fsck', '--no-progress'], { cwd: repo.dir })).code).toBe(0);
    expect(await remote.read('status/s5.yaml')).toBe('n: 5\n');
  });
});
