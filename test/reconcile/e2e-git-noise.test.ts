import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { IntentStatus } from '../../src/status/model.js';
import { cycleUntil, phasesOf, serviceIntent, startWorld, TENANT, type World } from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('git noise (issue 8 item 9)', () => {
  it('NoMatch retries commit nothing; subjects name intent, phase, provider and EUR/h; every bot commit has trailers and [skip ci]', async () => {
    world = await startWorld({
      'tenants/team-a.yaml': TENANT('team-a'),
      'intents/team-a/web.yaml': serviceIntent('web'),
      // nothing in the federation is this cheap: NoMatch, retried with backoff (1 s, 2 s)
      'intents/team-a/cheap.yaml': serviceIntent('cheap', { model: 'nvidia-h100', maxHourly: '0.01' }),
    });
    const rec = await world.start();
    await cycleUntil(rec, (x) => phasesOf(x)['team-a-web'] === 'Running' && phasesOf(x)['team-a-cheap'] === 'NoMatch');
    await cycleUntil(rec, (x) => x.commit === undefined);
    const before = (await world.subjects()).length;
    // several retries happen (each deletes and recreates the Solver) ...
    const r = await cycleUntil(rec, (x) => /retry [2-9]/.test(x.intents.find((i) => i.id === 'team-a-cheap')?.message ?? ''), { timeoutMs: 30_000 });
    expect(r.intents.find((i) => i.id === 'team-a-cheap')?.phase).toBe('NoMatch');
    // ... and none of them is a commit
    expect((await world.subjects()).length).toBe(before);
    const text = (await world.read('status/team-a/cheap.yaml'))!;
    const st = parse(text).status as IntentStatus;
    expect(st.phase).toBe('NoMatch');
    expect(st.retries).toBeUndefined();
    expect(st.next_retry_at).toBeUndefined();
    expect(st.message).not.toMatch(/retry \d/);

    const msgs = await world.messages();
    const running = msgs.find((m) => /team-a\/web Running/.test(m))!;
    expect(running.split('\n')[0]).toMatch(/^flare: .*team-a\/web Running on provider-[a-z]+ \(\d+\.\d\d EUR\/h\).* \[skip ci\]$/);
    for (const m of msgs.filter((x) => x.startsWith('flare:'))) {
      expect(m.split('\n')[0]).toContain('[skip ci]');
      expect(m).toMatch(/^Flare-Base: /m);
    }

    // a rendered-only commit (a hand-deleted rendered file put back) carries trailers too
    await world.push({ 'rendered/team-a/web/deployment-web.yaml': null }, 'oops');
    const fix = await cycleUntil(rec, (x) => x.commit !== undefined);
    expect(fix.changed).toEqual([]);
    const last = (await world.messages())[0]!;
    expect(last.split('\n')[0]).toMatch(/^flare: re-rendered 1 file\(s\) \[skip ci\]$/);
    expect(last).toMatch(/^Flare-Rendered: 1 file\(s\)$/m);
  }, 60_000);
});
