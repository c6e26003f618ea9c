import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runGit } from '../../src/git/exec.js';
import { REPO_ROOT } from '../reconcile/harness.js';
import { runFlare } from '../support/cli.js';

const human = { GIT_AUTHOR_NAME: 'Human', GIT_AUTHOR_EMAIL: 'h@example.com', GIT_COMMITTER_NAME: 'Human', GIT_COMMITTER_EMAIL: 'h@example.com' };
const bot = { GIT_AUTHOR_NAME: 'flare-bot', GIT_AUTHOR_EMAIL: 'flare-bot@users.noreply.local', GIT_COMMITTER_NAME: 'flare-bot', GIT_COMMITTER_EMAIL: 'flare-bot@users.noreply.local' };

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'flare-guard-'));
  for (const p of ['flare.yaml', 'tenants', 'intents', 'status', 'rendered']) await cp(path.join(REPO_ROOT, p), path.join(dir, p), { recursive: true });
  await runGit(['init', '-q', '-b', 'main'], { cwd: dir });
  await commit('base', human);
  await runGit(['tag', 'base'], { cwd: dir });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function commit(message: string, who: Record<string, string>): Promise<void> {
  await runGit(['add', '-A'], { cwd: dir });
  await runGit(['commit', '-q', '--allow-empty', '-m', message], { cwd: dir, env: who });
}

async function edit(file: string, f: (s: string) => string): Promise<void> {
  const p = path.join(dir, file);
  const before = await readFile(p, 'utf8');
  const after = f(before);
  expect(after).not.toBe(before);
  await writeFile(p, after);
}

const guard = () => runFlare(['validate', '--base', 'base', '--output', 'json', '--quiet'], dir);
const errorFiles = (stdout: string): string[] =>
  (JSON.parse(stdout) as { diagnostics: { severity: string; file: string; code: string }[] }).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.file}`);

describe('flare validate --base (the pull-request guard)', () => {
  it('passes a commit that only edits intents', async () => {
    await edit('intents/research/nightly-eval.yaml', (s) => `${s}# reviewed\n`);
    await commit('tweak intent', human);
    const r = await guard();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(errorFiles(r.stdout)).toEqual([]);
  });

  it('fails a commit that edits a status file, naming it', async () => {
    await edit('status/ml-platform/mistral-chat.yaml', (s) => s.replace(/hourly_cost: [0-9.]+/, 'hourly_cost: 0.2'));
    await commit('cheaper', human);
    const r = await guard();
    expect(r.code).toBe(1);
    expect(errorFiles(r.stdout)).toEqual(['status-changed status/ml-platform/mistral-chat.yaml']);
    const text = await runFlare(['validate', '--base', 'base', '--quiet'], dir);
    expect(text.stdout).toMatch(/^status\/ml-platform\/mistral-chat\.yaml\s+status\/ is written by the reconciler only.*\(by commit [0-9a-f]{12}\)/m);
  });

  it('fails a new status file and an uncommitted one', async () => {
    await writeFile(path.join(dir, 'status/research/nightly-eval.yaml'), 'x: 1\n');
    const r = await guard();
    expect(r.code).toBe(1);
    expect(errorFiles(r.stdout)).toContain('status-changed status/research/nightly-eval.yaml');
  });

  it('fails a hand edit of a rendered file, committed or not, and passes output of flare render', async () => {
    const f = 'rendered/ml-platform/mistral-chat/solver-flare-ml-platform-mistral--chat.yaml';
    await edit(f, (s) => s.replace(/findCandidate: true/, 'findCandidate: false'));
    const r = await guard();
    expect(r.code).toBe(1);
    expect(errorFiles(r.stdout)).toEqual([`rendered-changed ${f}`]);
    await commit('hand edit', human);
    expect(errorFiles((await guard()).stdout)).toEqual([`rendered-changed ${f}`]);
    // an extra file render would not produce, and a deleted one it does
    await writeFile(path.join(dir, 'rendered/ml-platform/extra.yaml'), 'kind: ConfigMap\n');
    await rm(path.join(dir, 'rendered/kustomization.yaml'));
    expect(errorFiles((await guard()).stdout).sort()).toEqual([`rendered-changed ${f}`, 'rendered-changed rendered/kustomization.yaml', 'rendered-changed rendered/ml-platform/extra.yaml'].sort());
    // what flare render writes is accepted
    await rm(path.join(dir, 'rendered/ml-platform/extra.yaml'));
    expect((await runFlare(['render'], dir)).code).toBe(0);
    await commit('re-render', human);
    const ok = await guard();
    expect(ok.code, ok.stdout).toBe(0);
  });

  it('an intent edit with its re-rendered files passes', async () => {
    await edit('intents/research/nightly-eval.yaml', (s) => s.replace(/count: (\d+)/, (_m, n: string) => `count: ${Number(n) === 1 ? 2 : 1}`));
    expect((await runFlare(['render'], dir)).code).toBe(0);
    await commit('more GPUs', human);
    const r = await guard();
    expect(r.code, r.stdout).toBe(0);
  });

  it("does not flag the reconciler's own commits (author and trailers), but does flag its author without trailers", async () => {
    await edit('status/ml-platform/mistral-chat.yaml', (s) => s.replace(/hourly_cost: [0-9.]+/, 'hourly_cost: 1.3'));
    await commit('flare: ml-platform-mistral--chat Running\n\nFlare-Intent: ml-platform-mistral--chat\nFlare-Phase: ml-platform-mistral--chat=Running', bot);
    const r = await guard();
    expect(r.code, r.stdout).toBe(0);
    expect(r.stderr).toMatch(/1 reconciler commit/);
    await edit('status/research/bert-large-training.yaml', (s) => `${s}\n`);
    await commit('flare: looks official', bot);
    expect(errorFiles((await guard()).stdout)).toEqual(['status-changed status/research/bert-large-training.yaml']);
  });

  it('exits 2 for a ref that does not exist', async () => {
    const r = await runFlare(['validate', '--base', 'no-such-ref'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no-such-ref/);
  });
});
