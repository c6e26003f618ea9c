import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { IntentStatus } from '../../src/status/model.js';
import { cycleUntil, FAST, phasesOf, serviceIntent, startWorld, TENANT, type World } from './harness.js';

/*
 * Issue 8 item 3: Deploying never hangs silently. The status carries the cluster's reason, and
 * past `deploy_timeout` a placement problem fails over while a workload problem ends Failed.
 */

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const ID = 'team-a-web';
const base = (intent: string) => ({ 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/web.yaml': intent });
const withTimeout = (seconds: number) => ({ overrides: { reconciler: { ...FAST.reconciler, deploy_timeout_seconds: seconds } } });

/**
 * The reconciler's clock, moved forward by hand: the deploy timeout passes only after the test has
 * seen the reason while Deploying, however slow the machine's cycles are (on a loaded machine a
 * real 2 s passed before any cycle reported Deploying, and the intent failed over unseen).
 */
function steppedClock(): { now: () => Date; advance: (seconds: number) => void } {
  let offsetMs = 0;
  return { now: () => new Date(Date.now() + offsetMs), advance: (seconds) => (offsetMs += seconds * 1000) };
}

async function statusOf(w: World): Promise<IntentStatus> {
  return parse((await w.read('status/team-a/web.yaml'))!).status as IntentStatus;
}

const messageOf = (x: { intents: { id: string; message?: string }[] }) => x.intents.find((i) => i.id === ID)?.message ?? '';

const batchIntent = (image: string) =>
  [
    'apiVersion: flare.fluidos.eu/v1alpha1',
    'kind: Intent',
    'metadata:',
    '  name: web',
    'spec:',
    '  objective: Cost_Minimization',
    '  workload:',
    '    type: batch',
    `    image: ${image}`,
    '    resources:',
    '      gpu:',
    '        model: nvidia-rtx-4090',
    '        count: 1',
    '    batch:',
    '      timeout: 1h',
    '  constraints:',
    '    location: EU',
    '',
  ].join('\n');

describe('Deploying never hangs silently (sandbox + git http-backend)', () => {
  it('an image that cannot be pulled: the reason shows while Deploying, then Failed past deploy_timeout (workload problem)', async () => {
    world = await startWorld(base(serviceIntent('web').replace('nginx:1.27', 'registry.invalid/team-a/web:1')));
    const clock = steppedClock();
    const rec = await world.start({ ...withTimeout(60), now: clock.now });
    const deploying = await cycleUntil(rec, (x) => phasesOf(x)[ID] === 'Deploying' && /ImagePullBackOff/.test(messageOf(x)), { timeoutMs: 20_000 });
    expect(messageOf(deploying)).toMatch(/registry\.invalid/);
    clock.advance(61);
    await cycleUntil(rec, (x) => phasesOf(x)[ID] === 'Failed', { timeoutMs: 20_000 });
    const s = await statusOf(world);
    expect(s.message).toMatch(/deploy timeout/);
    expect(s.message).toMatch(/ImagePullBackOff/);
    expect(s.message).toMatch(/workload problem/);
    expect(s.history.some((h) => h.phase === 'Failed' && /ImagePullBackOff/.test(h.message))).toBe(true);
    // the same provider was kept: a workload problem is not the provider's fault
    expect(s.placements[0]!.excluded_providers).toBeUndefined();
  });

  it('pods that cannot be scheduled: the reason shows, then the intent fails over past deploy_timeout (placement problem)', async () => {
    world = await startWorld(base(serviceIntent('web')));
    // the cheapest EU RTX 4090 is provider-fr's; its capacity is taken by someone else
    world.sandbox.faults.providerFull('provider-fr');
    const clock = steppedClock();
    const rec = await world.start({ ...withTimeout(60), now: clock.now });
    await cycleUntil(rec, (x) => phasesOf(x)[ID] === 'Deploying' && /Insufficient/.test(messageOf(x)), { timeoutMs: 20_000 });
    const before = await statusOf(world);
    expect(before.placements[0]!.chosen!.provider).toBe('provider-fr');
    clock.advance(61);
    await cycleUntil(rec, (x) => phasesOf(x)[ID] === 'Running', { timeoutMs: 30_000 });
    const s = await statusOf(world);
    expect(s.placements[0]!.chosen!.provider).not.toBe('provider-fr');
    expect(s.placements[0]!.excluded_providers).toEqual(['provider-fr']);
    expect(s.history.some((h) => /deploy timeout/.test(h.message) && /placement problem/.test(h.message) && /Insufficient/.test(h.message))).toBe(true);
  });

  it('a job whose container fails ends Failed with the failure in status', async () => {
    world = await startWorld(base(batchIntent('busybox:crash')));
    const rec = await world.start(withTimeout(60));
    await cycleUntil(rec, (x) => phasesOf(x)[ID] === 'Failed', { timeoutMs: 20_000 });
    const s = await statusOf(world);
    expect(s.message).toMatch(/exited with code 1/);
  });
});
