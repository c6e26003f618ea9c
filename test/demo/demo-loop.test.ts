import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runFlare } from '../support/cli.js';
import { serviceIntent, TENANT } from '../reconcile/harness.js';

let tmp: string | undefined;
afterEach(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

async function repoWith(files: Record<string, string>): Promise<string> {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'flare-demo-test-'));
  for (const [f, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(tmp, f)), { recursive: true });
    await writeFile(path.join(tmp, f), text);
  }
  return tmp;
}

describe('flare demo (issue 8 items 4 and 10)', () => {
  it('reports an invalid intent with its located error and exits non-zero; the valid one still runs', async () => {
    const repo = await repoWith({
      'tenants/team-a.yaml': TENANT('team-a'),
      'intents/team-a/web.yaml': serviceIntent('web'),
      'intents/team-a/typo.yaml': serviceIntent('typo').replace('count: 1', 'count: one'),
    });
    const r = await runFlare(['demo', '--repo', repo, '--timeout', '60s', '--output', 'json'], repo);
    const out = JSON.parse(r.stdout) as { intents: { id: string; phase: string; message?: string }[]; timedOut: boolean };
    expect(out.timedOut).toBe(false);
    expect(out.intents.find((i) => i.id === 'team-a-web')?.phase).toBe('Running');
    const bad = out.intents.find((i) => i.id === 'team-a-typo');
    expect(bad?.phase).toBe('Invalid');
    expect(bad?.message).toMatch(/intents\/team-a\/typo\.yaml:\d+:\d+: .*gpu\.count/);
    expect(r.code).not.toBe(0);
  }, 90_000);

  it('a repo with no intents: says there is nothing to run and exits at once', async () => {
    const repo = await repoWith({ 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/.keep': '' });
    const r = await runFlare(['demo', '--repo', repo, '--timeout', '60s'], repo);
    expect(r.stderr).toMatch(/nothing to run: no intents/i);
    expect(r.code).toBe(0);
    // it returned before starting anything to wait on
    expect(r.stderr).not.toMatch(/sandbox cluster|git remote/);
    expect(r.stderr).not.toMatch(/timed out/);
  }, 90_000);
});
