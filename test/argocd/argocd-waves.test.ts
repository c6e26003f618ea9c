/**
 * Argo CD mode end to end on the sandbox: the reconciler only observes, decides and commits
 * (--no-apply) while a stand-in for Argo CD syncs rendered/ wave by wave, waiting on the Lua
 * health checks. It must reach the end state the reconciler's own apply order reaches, and a
 * Reservation that FLUIDOS refuses must read Degraded and hold back the later waves.
 */
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { keyOf } from '../../src/k8s/object.js';
import { listManaged } from '../../src/reconcile/apply.js';
import type { Reconciler } from '../../src/reconcile/reconciler.js';
import { cycleUntil, phasesOf, serviceIntent, sleep, startWorld, TENANT, type World } from '../reconcile/harness.js';
import { argoSync, renderedAtHead, type SyncResult } from './argo-sync.js';

const FILES = {
  'tenants/team-a.yaml': TENANT('team-a'),
  'intents/team-a/web.yaml': serviceIntent('web', { model: 'nvidia-rtx-4090', count: 1 }),
};
const ID = 'team-a-web';

let worlds: World[] = [];
afterEach(async () => {
  for (const w of worlds) await w.close();
  worlds = [];
});

/** Reconciler cycles (observe mode) and Argo-style syncs until the intent is Running. */
async function runArgoMode(world: World, rec: Reconciler, onSync: (s: SyncResult) => Promise<void> = async () => {}) {
  const clone = path.join(world.tmp, 'argocd-clone');
  const until = Date.now() + 60_000;
  for (;;) {
    const r = await rec.runOnce();
    const sync = await argoSync(world.cluster, await renderedAtHead(world.url, clone), { capsule: true });
    await onSync(sync);
    if (r && phasesOf(r)[ID] === 'Running' && sync.degraded === undefined && sync.waiting === undefined) return r;
    if (Date.now() > until) throw new Error(`not Running; last phases ${JSON.stringify(r?.intents.map((i) => [i.id, i.phase, i.message]))}, sync ${JSON.stringify(sync)}`);
    await sleep(50);
  }
}

async function managedKeys(world: World): Promise<string[]> {
  return (await listManaged(world.cluster, undefined)).map((o) => keyOf(o)).sort();
}

describe('Argo CD mode: wave-by-wave sync gated by the health checks', () => {
  test('reaches the same end state as the reconciler applying in its own order', { timeout: 150_000 }, async () => {
    const applyWorld = await startWorld(FILES);
    worlds.push(applyWorld);
    const applied = await cycleUntil(await applyWorld.start(), (x) => phasesOf(x)[ID] === 'Running', { timeoutMs: 60_000 });

    const argoWorld = await startWorld(FILES);
    worlds.push(argoWorld);
    const seenWaves = new Set<number>();
    const synced = await runArgoMode(argoWorld, await argoWorld.start({ mode: 'observe' }), async (s) => s.waves.forEach((w) => seenWaves.add(w)));

    expect([...seenWaves].sort((a, b) => a - b)).toEqual([-1, 0, 1, 2, 3, 4]);
    const a = applied.intents.find((i) => i.id === ID)!;
    const b = synced.intents.find((i) => i.id === ID)!;
    expect({ phase: b.phase, provider: b.provider }).toEqual({ phase: a.phase, provider: a.provider });
    expect(await managedKeys(argoWorld)).toEqual(await managedKeys(applyWorld));
    expect(await argoWorld.read(`status/team-a/web.yaml`)).toBeDefined();
  });

  test('a Reservation FLUIDOS refuses reads Degraded and holds back the Allocation and workload waves; the next candidate then runs', { timeout: 150_000 }, async () => {
    const world = await startWorld(FILES);
    worlds.push(world);
    world.sandbox.simulator.refuseReservations(1);
    const held: { health: string; message: string; later: string[] }[] = [];
    await runArgoMode(world, await world.start({ mode: 'observe' }), async (s) => {
      for (const d of s.degraded ?? []) {
        if (!d.key.includes('/Reservation/')) continue;
        const later = (await listManaged(world.cluster, undefined)).filter((o) => ['Allocation', 'NamespaceOffloading', 'Deployment'].includes(o.kind)).map((o) => keyOf(o));
        held.push({ health: d.health.status, message: d.health.message, later });
      }
    });
    expect(held.length).toBeGreaterThan(0);
    expect(held[0]!.health).toBe('Degraded');
    expect(held[0]!.message).toMatch(/^Failed: .*refused/);
    expect(held[0]!.later).toEqual([]);
    // the refused Reservation was pruned once the reconciler moved to another candidate
    const reservations = (await listManaged(world.cluster, undefined)).filter((o) => o.kind === 'Reservation');
    expect(reservations.length).toBe(1);
    expect(reservations[0]!.status?.phase?.phase).toBe('Solved');
  });
});
