import { execFileSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { runFlare } from '../support/cli.js';
import type { HistoryRow } from '../../src/views/history.js';
import { makeRepo, statusYaml } from './fixture.js';

function git(dir: string, date: string, ...args: string[]): void {
  execFileSync('git', args, {
    cwd: dir,
    env: { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' },
    stdio: 'ignore',
  });
}

const onB = { candidate: 'pc-k8slice-p-b-a100', provider: 'p-b', model: 'nvidia-a100', rate: 2, count: 1, region: 'eu-central-1' };
const onA = { candidate: 'pc-k8slice-p-a-l4', provider: 'p-a', model: 'nvidia-l4', rate: 1, count: 1, region: 'eu-west-1' };
const withMessage = (text: string, message: string): string => text.replace('  selection: flare\n', `  selection: flare\n  message: ${message}\n`);

describe('flare history', () => {
  test('one row per status commit that changed the file: phase, provider, EUR/h, reason; deletion included', async () => {
    const dir = await makeRepo();
    const file = path.join(dir, 'status', 'team', 'chat.yaml');
    git(dir, '2026-11-28T07:00:00Z', 'init', '-q', '-b', 'main');
    git(dir, '2026-11-28T07:00:00Z', 'add', '-A');
    git(dir, '2026-11-28T07:00:00Z', 'commit', '-qm', 'intents');
    await writeFile(file, withMessage(statusYaml('chat', 'Reserving', 'h', onB), 'reserving pc-k8slice-p-b-a100'));
    git(dir, '2026-11-28T08:00:00Z', 'add', '-A');
    git(dir, '2026-11-28T08:00:00Z', 'commit', '-qm', 'flare: team-chat Reserving');
    // a commit that does not touch the status file is not part of its history
    await writeFile(path.join(dir, 'README.md'), 'x\n');
    git(dir, '2026-11-28T08:01:00Z', 'add', '-A');
    git(dir, '2026-11-28T08:01:00Z', 'commit', '-qm', 'docs');
    await writeFile(file, withMessage(statusYaml('chat', 'Running', 'h', onB), '1/1 replicas ready'));
    git(dir, '2026-11-28T08:05:00Z', 'commit', '-qam', 'flare: team-chat Running on p-b (2.00 EUR/h)');
    await writeFile(file, withMessage(statusYaml('chat', 'Running', 'h', onA), 'failed over to p-a'));
    git(dir, '2026-11-28T09:00:00Z', 'commit', '-qam', 'flare: team-chat Running on p-a (1.00 EUR/h)');
    await rm(file);
    git(dir, '2026-11-28T10:00:00Z', 'commit', '-qam', 'flare: team-chat deleted');

    const r = await runFlare(['history', 'team/chat', '-o', 'json'], dir);
    expect(r.stderr).toBe('');
    const rows = (JSON.parse(r.stdout) as { entries: HistoryRow[] }).entries;
    expect(rows.map((x) => [x.time, x.phase, x.provider, x.hourly_cost, x.reason])).toEqual([
      ['2026-11-28T08:00:00.000Z', 'Reserving', 'p-b', 2, 'reserving pc-k8slice-p-b-a100'],
      ['2026-11-28T08:05:00.000Z', 'Running', 'p-b', 2, '1/1 replicas ready'],
      ['2026-11-28T09:00:00.000Z', 'Running', 'p-a', 1, 'failed over to p-a'],
      ['2026-11-28T10:00:00.000Z', 'deleted', '-', 0, 'status file removed'],
    ]);
    expect(rows[1]!.subject).toBe('flare: team-chat Running on p-b (2.00 EUR/h)');
    expect(rows.every((x) => /^[0-9a-f]{7}$/.test(x.commit))).toBe(true);

    const since = await runFlare(['history', 'team-chat', '--since', '2026-11-28T08:30:00Z', '-o', 'json'], dir);
    expect((JSON.parse(since.stdout) as { entries: HistoryRow[] }).entries.map((x) => x.provider)).toEqual(['p-a', '-']);
    // a linked worktree (`.git` is a file) reads the same history from the common git dir
    const wt = `${dir}-wt`;
    git(dir, '2026-11-28T10:00:00Z', 'worktree', 'add', '-q', '-b', 'side', wt);
    const w = await runFlare(['history', 'team/chat', '--repo', wt, '-o', 'json'], dir);
    expect(w.stderr).toBe('');
    expect((JSON.parse(w.stdout) as { entries: HistoryRow[] }).entries).toEqual(rows);
    const t = await runFlare(['history', 'team-chat'], dir);
    expect(t.stdout).toMatch(/[0-9a-f]{7}\s+2026-11-28T09:00:00.000Z\s+Running\s+p-a\s+1\.00\s+failed over to p-a/);
  });
});
