import { afterEach, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/types.js';
import { ClusterError } from '../../src/errors.js';
import { solverName } from '../../src/k8s/names.js';
import { allSettled, cycleUntil, serviceIntent, startWorld, TENANT, type World } from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The cluster, except that the first `n` applies of one Solver fail: its discovery starts late. */
function lateSolver(cluster: Cluster, solver: string, n: number): Cluster {
  let left = n;
  return {
    ...cluster,
    apply: (obj, opts) => {
      if (obj.kind === 'Solver' && obj.metadata.name === solver && left > 0) {
        left--;
        return Promise.reject(new ClusterError(`test: ${solver} delayed`, 400, 'BadRequest'));
      }
      return cluster.apply(obj, opts);
    },
  };
}

const files = {
  'tenants/team-a.yaml': TENANT('team-a'),
  // both want the 4 cheap H100s of provider-ie; only one gets them
  'intents/team-a/alpha.yaml': serviceIntent('alpha', { model: 'nvidia-h100', count: 4 }),
  'intents/team-a/beta.yaml': serviceIntent('beta', { model: 'nvidia-h100', count: 4 }),
};

/** One demo-like run from a fresh sandbox and remote; `late` discovers last. Returns id → provider. */
async function run(late: string): Promise<Record<string, string | undefined>> {
  world = await startWorld(files);
  const rec = await world.start({ cluster: lateSolver(world.cluster, solverName(late), 3) });
  const r = await cycleUntil(rec, (x) => allSettled(x) && x.intents.length === 2, { timeoutMs: 40_000 });
  const out: Record<string, string | undefined> = {};
  for (const i of r.intents) out[i.id] = i.provider;
  await world.close();
  world = undefined;
  return out;
}

describe('identical repo and federation give identical choices (issue 8 item 8)', () => {
  it('intents compete in a fixed order, whatever order their discoveries finish in', async () => {
    const first = await run('team-a-beta');
    const second = await run('team-a-alpha');
    expect(first['team-a-alpha']).toBeDefined();
    expect(first['team-a-beta']).toBeDefined();
    expect(first['team-a-alpha']).not.toBe(first['team-a-beta']);
    expect(second).toEqual(first);
  }, 120_000);
});
