import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { API } from '../../src/fluidos/types.js';
import { loadRepo } from '../../src/repo/load.js';
import type { IntentStatus } from '../../src/status/model.js';
import { cycleUntil, REPO_ROOT, startWorld } from './harness.js';

const DONE = new Set(['Running', 'Completed', 'Failed', 'NoMatch']);

/**
 * What each objective calls for on the default federation (src/sandbox/federation/default.ts),
 * worked out by hand from its prices (per GPU per hour), latencies and GPU speeds — never from the
 * ranker. One entry per placement (multi-region intents: in constraints.regions order).
 */
const EXPECTED: Record<string, string[]> = {
  // Cost, T4 at the edge within 50 ms: vienna 0.15 EUR beats milan 0.25 EUR
  'edge-iot--edge--inference': ['pc-k8slice-edge-vienna-t4-1x'],
  // Latency, gaming RTX 4080 in the EU within 20 ms: frankfurt 8 ms beats amsterdam 12 ms
  'edge-traffic--video--analytics': ['pc-k8slice-edge-frankfurt-rtx4080-2x'],
  // Cost, any GPU with 24Gi: provider-fr's RTX 4090 at 0.5625 is the cheapest (provider-de 0.60)
  'gpu-pool-batch--processing': ['pc-k8slice-provider-fr-rtx4090-8x'],
  // Performance, one A100: every A100 has the same FP32 speed, so the cheapest wins (provider-se 1.80)
  'gpu-pool-gpu--inference--job': ['pc-k8slice-provider-se-a100-80g-4x'],
  // Latency, one A100: provider-nl is nearest (25 ms) — not the cheapest (provider-se 1.80, 40 ms);
  // of its two A100 nodes the 8x at 3.125 is cheaper than the 2x at 3.25
  'gpu-pool-llm--inference': ['pc-k8slice-provider-nl-a100-8x'],
  // Performance, 4x H100: same speed everywhere; provider-ie 2.00 beats provider-de 9.375 and nl 15
  'gpu-pool-model--training': ['pc-k8slice-provider-ie-h100-4x'],
  // Performance, 2 GPUs with 80Gi in the EU under 10 EUR/h: the H100 (provider-ie, 4.00/h) is faster
  // than the cheaper A100 80GB (provider-se, 3.60/h)
  'ml-platform-deepseek--r1--nvidia': ['pc-k8slice-provider-ie-h100-4x'],
  // Balanced, RTX 4080 per region: frankfurt is best on cost and latency in the EU; provider-us is the
  // only US-East one; in Asia-Pacific provider-jp (0.50, 160 ms) beats provider-sg (0.55, 180 ms)
  'ml-platform-global--ml--inference': [
    'pc-k8slice-edge-frankfurt-rtx4080-2x',
    'pc-k8slice-provider-us-rtx4080-1x',
    'pc-k8slice-provider-jp-rtx4080-1x',
  ],
  // Cost, T4 in the EU with 8 CPUs: edge-vienna has only 4 CPUs; provider-de 0.20 beats milan 0.25
  'ml-platform-llama2--inference': ['pc-k8slice-provider-de-t4-4x'],
  // Balanced (0.4 cost, 0.3 performance, 0.2 latency, 0.1 energy), 2x RTX 4090 in the EU: provider-fr
  // is cheapest (0.5625) and nearer (35 ms) than provider-de (0.60, 45 ms); speed and energy tie
  'ml-platform-mistral--chat': ['pc-k8slice-provider-fr-rtx4090-8x'],
  // Performance, 8x RTX 4090 NVLink: same speed; provider-fr 4.50/h beats provider-pl 5.60/h
  'research-bert--large--training': ['pc-k8slice-provider-fr-rtx4090-8x'],
  // Cost, 4x RTX 4080, preemptible allowed: provider-de's spot node 1.40/h beats provider-pl 2.00/h
  'research-data--processing--batch': ['pc-k8slice-provider-de-rtx4080-4x-spot'],
  // Performance, 2x H100 under 12 EUR/h: provider-de (18.75/h) and provider-nl (30/h) are over budget
  'research-h100--capacity': ['pc-k8slice-provider-ie-h100-4x'],
  // Cost, one RTX 4080 (tenant limited to the EU): frankfurt 0.45 beats provider-pl 0.50
  'research-llama7b--lora--finetuning': ['pc-k8slice-edge-frankfurt-rtx4080-2x'],
  // Performance, 8x A100 NVLink: same speed; provider-nl 25/h beats provider-de 85/h
  'research-molecular--dynamics--simulation': ['pc-k8slice-provider-nl-a100-8x'],
  // Balanced, 2x RTX 4090: the same arithmetic as mistral-chat
  'tenant-a-tenant--a--ml--service': ['pc-k8slice-provider-fr-rtx4090-8x'],
  // fluidos selection: FLUIDOS reserves the first available candidate (name order), whatever FLARE
  // would rank best — here the Amsterdam edge (0.75/h), where FLARE's Cost ranking would not go
  // (provider-pl's Arc A770 at 0.10/h fits this intent's 16Gi, any-model request)
  'research-nightly--eval': ['pc-k8slice-edge-amsterdam-rtx4080-2x'],
};

// read at collection time: one test per example, so a failure names its intent
const model = await loadRepo(REPO_ROOT);
const flare = await readFile(path.join(REPO_ROOT, 'flare.yaml'), 'utf8');

// Each world is its own sandbox, git remote and reconciler, so the examples may run side by side:
// as many at once as vitest.config.ts's maxConcurrency allows (the spare cores: a world's cost
// is mostly git subprocesses, so on two cores more at once only thrash).
describe.concurrent('the repo’s example intents on the default sandbox federation', () => {
  it('every example has its expected choice written down, and every choice an example', () => {
    expect(model.intents.length).toBeGreaterThan(0);
    expect(model.intents.map((i) => i.id).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(model.intents.map((i) => [i.id, i] as const))('%s, alone on the federation, reaches Running or Completed on the candidate its objective calls for', async (_id, intent) => {
    const tenantFile = `tenants/${intent.tenant}.yaml`;
    const world = await startWorld({
      'flare.yaml': flare,
      [tenantFile]: await readFile(path.join(REPO_ROOT, tenantFile), 'utf8'),
      [intent.file]: await readFile(path.join(REPO_ROOT, intent.file), 'utf8'),
    });
    try {
      const rec = await world.start();
      const r = await cycleUntil(rec, (x) => x.intents.every((i) => DONE.has(i.phase)) && x.commit === undefined, { timeoutMs: 90_000, pauseMs: 50 });
      const status = parse((await world.read(`status/${intent.tenant}/${intent.name}.yaml`))!).status as IntentStatus;
      const want = intent.spec.workload?.type === 'batch' ? 'Completed' : 'Running';
      expect(r.intents[0]!.phase, r.intents[0]!.message).toBe(want);
      expect(status.placements.map((p) => p.chosen?.candidate)).toEqual(EXPECTED[intent.id]);
      if (status.selection === 'fluidos') {
        // FLUIDOS's own Reservation is what the choice was read from (it is released once the job completes)
        for (const p of status.placements) expect(p.chosen && p.reservation?.name, 'FLUIDOS reservation recorded').toBeTruthy();
      }
      for (const p of status.placements) if (p.chosen) expect(p.remote_cluster_id).toBe(`liqo-${p.chosen.provider}`);
    } finally {
      await world.close();
    }
  }, 120_000);
});
