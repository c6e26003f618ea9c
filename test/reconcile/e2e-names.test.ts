import { afterEach, describe, expect, it } from 'vitest';
import { cycleUntil, serviceIntent, startWorld, TENANT, type World } from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('tenant names cannot collide', () => {
  it('tenant a-b/intent c and tenant a/intent b-c run side by side in distinct namespaces', async () => {
    world = await startWorld({
      'tenants/a-b.yaml': TENANT('a-b'),
      'tenants/a.yaml': TENANT('a'),
      'intents/a-b/c.yaml': serviceIntent('c'),
      'intents/a/b-c.yaml': serviceIntent('b-c'),
    });
    const rec = await world.start();
    const r = await cycleUntil(rec, (x) => x.intents.length === 2 && x.intents.every((i) => i.phase === 'Running'));
    expect(r.intents.map((i) => [i.tenant, i.name, i.id]).sort()).toEqual([
      ['a', 'b-c', 'a-b--c'],
      ['a-b', 'c', 'a-b-c'],
    ]);
    for (const [ns, tenant] of [['flare-a-b-c', 'a-b'], ['flare-a-b--c', 'a']] as const) {
      const o = await world.cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: ns });
      expect(o?.metadata.labels?.['flare.io/tenant']).toBe(tenant);
      const deps = await world.cluster.list('apps/v1', 'Deployment', { namespace: ns });
      expect(deps.map((d) => d.metadata.name)).toEqual([tenant === 'a' ? 'b-c' : 'c']);
    }
    expect(await world.read('status/a/b-c.yaml')).toContain('intent_id: a-b--c');
    expect(await world.read('status/a-b/c.yaml')).toContain('intent_id: a-b-c');
  });
});
