import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { IntentStatus } from '../../src/status/model.js';
import { cycleUntil, phasesOf, startWorld, TENANT, type World } from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const intent = (name: string, model: string) =>
  [
    'apiVersion: flare.fluidos.eu/v1alpha1',
    'kind: Intent',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  objective: Cost_Minimization',
    '  selection: fluidos',
    '  workload:',
    '    type: service',
    '    image: nginx:1.27',
    '    resources:',
    '      gpu:',
    `        model: ${model}`,
    '        count: 1',
    '',
  ].join('\n');

describe('selection: fluidos obeys the tenant (sandbox)', () => {
  it('an intent without a location under an EU-only tenant is never placed outside the EU', async () => {
    // the only MI300X of the default federation is in us-east-1; the 4090s are in the EU and the US
    world = await startWorld({
      'tenants/team-a.yaml': TENANT('team-a', '  allowed_locations: [EU]\n'),
      'intents/team-a/amd.yaml': intent('amd', 'amd-mi300x'),
      'intents/team-a/web.yaml': intent('web', 'nvidia-rtx-4090'),
    });
    const rec = await world.start();
    const settled = ['Running', 'NoMatch', 'Failed'];
    const r = await cycleUntil(rec, (x) => settled.includes(phasesOf(x)['team-a-amd'] ?? '') && phasesOf(x)['team-a-web'] === 'Running');
    expect(phasesOf(r)['team-a-amd']).toBe('NoMatch');
    const res = await world.cluster.list('reservation.fluidos.eu/v1alpha1', 'Reservation', { namespace: 'fluidos', labelSelector: 'flare.io/intent-id=team-a-amd' });
    expect(res).toEqual([]);
    const web = parse((await world.read('status/team-a/web.yaml'))!).status as IntentStatus;
    expect(web.placements[0]?.chosen?.region ?? '').toMatch(/^eu-/);
  });
});
