import { cp, mkdtemp, rename, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '../../src/git/exec.js';
import { runFlare } from '../support/cli.js';
import { REPO_ROOT } from '../reconcile/harness.js';

let tmp: string | undefined;
afterEach(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

const human = { GIT_AUTHOR_NAME: 'Human', GIT_AUTHOR_EMAIL: 'h@example.com', GIT_COMMITTER_NAME: 'Human', GIT_COMMITTER_EMAIL: 'h@example.com' };

describe('render --check and a committed rendered/ symlink (issue 13 item 9)', () => {
  it('a committed `rendered -> elsewhere` symlink fails render --check on a fresh clone, even when the target holds the right files', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'flare-render-link-'));
    const repo = path.join(tmp, 'repo');
    for (const p of ['flare.yaml', 'tenants', 'intents', 'status']) await cp(path.join(REPO_ROOT, p), path.join(repo, p), { recursive: true });
    expect((await runFlare(['render'], repo)).code).toBe(0);
    // the up-to-date tree moves elsewhere in the repo and rendered/ becomes a link to it
    await rename(path.join(repo, 'rendered'), path.join(repo, 'elsewhere'));
    await symlink('elsewhere', path.join(repo, 'rendered'));
    await runGit(['init', '-q', '-b', 'main'], { cwd: repo });
    await runGit(['add', '-A'], { cwd: repo });
    await runGit(['commit', '-q', '-m', 'link'], { cwd: repo, env: human });
    const clone = path.join(tmp, 'ci');
    await runGit(['clone', '-q', repo, clone], { cwd: tmp });
    const r = await runFlare(['render', '--check'], clone);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/symlink: rendered/);
  });
});
