import { afterEach, describe, expect, it } from 'vitest';
import { cycleUntil, phasesOf, serviceIntent, startWorld, TENANT, type World } from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('hostile input stays local to its file', () => {
  it('prototype-key locations and a 3,000-level file do not stop the other intents', async () => {
    const deep = `apiVersion: flare.fluidos.eu/v1alpha1\nkind: Intent\nmetadata: {name: deep}\nspec: ${'['.repeat(3000)}${']'.repeat(3000)}\n`;
    world = await startWorld({
      'tenants/team-a.yaml': TENANT('team-a'),
      'tenants/team-b.yaml': TENANT('team-b', '  allowed_locations: [EU]\n'),
      'intents/team-a/web.yaml': serviceIntent('web'),
      'intents/team-a/ctor.yaml': serviceIntent('ctor', { location: 'constructor' }),
      'intents/team-a/deep.yaml': deep,
      'intents/team-b/web.yaml': serviceIntent('web'),
      'intents/team-b/ctor.yaml': serviceIntent('ctor', { location: 'constructor' }),
      'status/team-a/web2.yaml': `x: ${'{a: '.repeat(2000)}1${'}'.repeat(2000)}\n`,
    });
    const rec = await world.start();
    const r = await cycleUntil(rec, (x) => phasesOf(x)['team-a-web'] === 'Running' && phasesOf(x)['team-b-web'] === 'Running');
    // the prototype-named location matches no region: that intent is not placed anywhere
    expect(phasesOf(r)['team-a-ctor']).not.toBe('Running');
    // not allowed by its tenant: a located validation error, so the intent is Invalid (and placed nowhere)
    expect(phasesOf(r)['team-b-ctor']).toBe('Invalid');
  });
});
