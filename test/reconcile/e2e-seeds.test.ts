import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { API } from '../../src/fluidos/types.js';
import type { KubeObject } from '../../src/k8s/object.js';
import { loadRepo } from '../../src/repo/load.js';
import { rank } from '../../src/select/rank.js';
import type { IntentStatus } from '../../src/status/model.js';
import { cycleUntil, REPO_ROOT, startWorld } from './harness.js';

const DONE = new Set(['Running', 'Completed', 'Failed', 'NoMatch']);

/** The PeeringCandidate FLUIDOS discovery makes of a Flavor (name `pc-<flavor>`). */
function asCandidate(flavor: KubeObject): KubeObject {
  return {
    apiVersion: API.advertisement,
    kind: 'PeeringCandidate',
    metadata: { name: `pc-${flavor.metadata.name}`, namespace: 'fluidos' },
    spec: { interestedSolverIDs: [], flavor, available: flavor.spec?.availability === true },
  };
}

describe('the repo’s example intents on the default sandbox federation', () => {
  it('each example, alone on the federation, reaches Running or Completed on the candidate the ranker calls for', async () => {
    const model = await loadRepo(REPO_ROOT);
    expect(model.intents.length).toBeGreaterThan(0);
    const flare = await readFile(path.join(REPO_ROOT, 'flare.yaml'), 'utf8');
    const problems: string[] = [];
    for (const intent of model.intents) {
      const tenantFile = `tenants/${intent.tenant}.yaml`;
      const world = await startWorld({
        'flare.yaml': flare,
        [tenantFile]: await readFile(path.join(REPO_ROOT, tenantFile), 'utf8'),
        [intent.file]: await readFile(path.join(REPO_ROOT, intent.file), 'utf8'),
      });
      try {
        // what the ranker makes of the whole federation before anything is reserved
        const flavors = world.sandbox.store.list(API.nodecore, 'Flavor', { namespace: 'fluidos' }).items;
        const tenant = model.tenants.find((t) => t.name === intent.tenant);
        const locations = intent.spec.constraints.regions ?? [undefined];
        const expected = locations.map((location) => {
          const input: Parameters<typeof rank>[0] = { intent, config: model.config, candidates: flavors.map(asCandidate) };
          if (tenant) input.tenant = tenant;
          if (location) input.location = location;
          return rank(input).chosen?.candidate;
        });
        const rec = await world.start();
        const r = await cycleUntil(rec, (x) => x.intents.every((i) => DONE.has(i.phase)) && x.commit === undefined, { timeoutMs: 30_000, pauseMs: 50 });
        const status = parse((await world.read(`status/${intent.tenant}/${intent.name}.yaml`))!).status as IntentStatus;
        const want = intent.spec.workload?.type === 'batch' ? 'Completed' : 'Running';
        if (r.intents[0]!.phase !== want) problems.push(`${intent.id}: ${r.intents[0]!.phase} ${r.intents[0]!.message ?? ''}`);
        if (status.selection === 'flare') {
          const got = status.placements.map((p) => p.chosen?.candidate);
          if (JSON.stringify(got) !== JSON.stringify(expected)) problems.push(`${intent.id}: chose ${got.join(',')}, ranker calls for ${expected.join(',')}`);
        } else {
          // fluidos selection: FLUIDOS's first match is recorded, whatever FLARE would rank
          if (!status.placements.every((p) => p.chosen && p.reservation)) problems.push(`${intent.id}: FLUIDOS choice not recorded`);
        }
        for (const p of status.placements) {
          if (p.chosen && p.remote_cluster_id !== `liqo-${p.chosen.provider}`) problems.push(`${intent.id}: remote ${p.remote_cluster_id} for ${p.chosen.provider}`);
        }
      } finally {
        await world.close();
      }
    }
    expect(problems).toEqual([]);
  }, 600_000);
});
