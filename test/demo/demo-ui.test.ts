import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { sink } from '../support/cli.js';
import { serviceIntent, TENANT } from '../reconcile/harness.js';

let tmp: string | undefined;
afterEach(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('flare demo --ui', () => {
  it('prints the results, then serves the dashboard with a read-only token in the URL fragment until stopped', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'flare-demo-ui-'));
    const files: Record<string, string> = {
      'tenants/team-a.yaml': TENANT('team-a'),
      'tenants/team-b.yaml': TENANT('team-b'),
      'intents/team-a/web.yaml': serviceIntent('web'),
      'intents/team-b/cheap.yaml': serviceIntent('cheap', { maxHourly: '0.01 EUR' }),
    };
    for (const [f, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(tmp, f)), { recursive: true });
      await writeFile(path.join(tmp, f), text);
    }
    const out = sink();
    const err = sink();
    const stop = new AbortController();
    const run = main(['node', 'flare', 'demo', '--repo', tmp, '--timeout', '60s', '--output', 'json', '--ui'], {
      stdout: out.stream,
      stderr: err.stream,
      cwd: tmp,
      env: {},
      signal: stop.signal,
    });
    let code: number | undefined;
    void run.then((c) => (code = c));
    const url = await until('the dashboard URL on stderr', () => /dashboard on (\S+)/.exec(err.text())?.[1] ?? (code !== undefined ? `exited ${code}` : undefined));
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=flr_/);
    // stdout holds the demo's results only, complete before the dashboard starts
    const results = JSON.parse(out.text()) as { intents: { id: string; phase: string }[] };
    expect(results.intents.map((i) => [i.id, i.phase])).toEqual([
      ['team-a-web', 'Running'],
      ['team-b-cheap', 'NoMatch'],
    ]);
    expect(out.text()).not.toContain('flr_');
    const origin = url.split('/#')[0]!;
    const token = decodeURIComponent(url.split('#token=')[1]!);
    const auth = { authorization: `Bearer ${token}` };
    const page = await fetch(`${origin}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/ui/app.js">');
    // one token sees every tenant, and only reads
    const list = (await (await fetch(`${origin}/api/v1/intents`, { headers: auth })).json()) as { intents: { intent_id: string; phase: string }[] };
    expect(list.intents.map((i) => [i.intent_id, i.phase])).toEqual([
      ['team-a-web', 'Running'],
      ['team-b-cheap', 'NoMatch'],
    ]);
    expect((await fetch(`${origin}/api/v1/resources`, { headers: auth })).status).toBe(200);
    const write = await fetch(`${origin}/api/v1/intents/team-a-web`, { method: 'DELETE', headers: auth });
    expect(write.status).toBe(403);
    expect((await fetch(`${origin}/api/v1/intents`)).status).toBe(401);
    stop.abort();
    expect(await run).toBe(0);
    expect(err.text()).toMatch(/demo: stopping/);
    await expect(fetch(`${origin}/healthz`)).rejects.toThrow();
  }, 120_000);
});
