import { describe, expect, test } from 'vitest';
import { runFlare } from '../support/cli.js';
import { loadRepo } from '../../src/repo/load.js';
import { costReport, renderCostMetrics, type CostReport } from '../../src/status/cost.js';
import { makeRepo, statusYaml } from './fixture.js';

const onB = { candidate: 'pc-k8slice-p-b-a100', provider: 'p-b', model: 'nvidia-a100', rate: 2, count: 1, region: 'eu-central-1' };
const h100 = { candidate: 'pc-k8slice-p-b-h100', provider: 'p-b', model: 'nvidia-h100', rate: 3, count: 2, region: 'eu-central-1' };
const l4 = { candidate: 'pc-k8slice-p-a-l4', provider: 'p-a', model: 'nvidia-l4', rate: 1, count: 1, region: 'eu-west-1' };

/*
 * chat: Running since 08:00 at 2 EUR/h with 3.5 accrued before → at 10:00: 3.5 + 2 × 2 = 7.5, burn 2
 * train: Completed, 12 accrued (final), max_total_cost 30 → 18 left, burn 0
 * edge: Failed, 1.25 accrued, burn 0
 * team: burn 2, accrued 20.75, quota 20 EUR/h − 2 held = 18, 1 GPU held (chat), quota 16
 */
async function repo(): Promise<string> {
  return makeRepo({
    chat: statusYaml('chat', 'Running', 'h', onB).replace('accrued: 0', 'accrued: 3.5'),
    train: statusYaml('train', 'Completed', 'h', h100).replace('accrued: 0', 'accrued: 12'),
    edge: statusYaml('edge', 'Failed', 'h', l4).replace('accrued: 0', 'accrued: 1.25'),
  });
}

describe('flare cost', () => {
  test('per intent and tenant: accrued, burn, budget left, quota left; finished intents included', async () => {
    const dir = await repo();
    const r = await runFlare(['cost', '--at', '2026-11-28T10:00:00Z', '-o', 'json'], dir);
    expect(r.stderr).toBe('');
    const rep = JSON.parse(r.stdout) as CostReport;
    const by = (n: string) => rep.intents.find((i) => i.name === n)!;
    expect(by('chat')).toMatchObject({ phase: 'Running', provider: 'p-b', hourly: 2, burn: 2, accrued: 7.5 });
    expect(by('train')).toMatchObject({ phase: 'Completed', hourly: 6, burn: 0, accrued: 12, max_total_cost: 30, budget_left: 18 });
    expect(by('edge')).toMatchObject({ phase: 'Failed', burn: 0, accrued: 1.25 });
    expect(by('big')).toMatchObject({ phase: 'Unknown', burn: 0, accrued: 0 });
    expect(rep.tenants).toEqual([
      { tenant: 'team', intents: 4, burn: 2, accrued: 20.75, gpus_in_use: 1, held_hourly: 2, quota_max_hourly_cost: 20, quota_left: 18, quota_gpus: 16 },
    ]);
    expect(rep.total).toEqual({ burn: 2, accrued: 20.75 });
    const t = await runFlare(['cost', '--at', '2026-11-28T10:00:00Z'], dir);
    expect(t.stdout).toMatch(/team\s+chat\s+Running\s+p-b\s+2\.00\s+2026-11-28T08:00:00.000Z\s+7\.50/);
    expect(t.stdout).toMatch(/team\s+train\s+Completed\s+p-b\s+6\.00\s+\S+\s+12\.00\s+30\.00\s+18\.00/);
    expect(t.stdout).toMatch(/team\s+4\s+2\.00\s+20\.75\s+20\.00\s+18\.00\s+1\/16/);
  });

  test('--since keeps intents active since then; --tenant filters; unknown tenant is a usage error', async () => {
    const dir = await repo();
    const s = JSON.parse((await runFlare(['cost', '--since', '2026-11-28T09:30:00Z', '-o', 'json'], dir)).stdout) as CostReport;
    expect(s.intents.map((i) => i.name)).toEqual(['chat']);
    expect((await runFlare(['cost', '--tenant', 'nobody'], dir)).code).toBe(2);
    const t = JSON.parse((await runFlare(['cost', '--tenant', 'team', '-o', 'json'], dir)).stdout) as CostReport;
    expect(t.intents).toHaveLength(4);
  });

  test('the same figures as Prometheus gauges', async () => {
    const dir = await repo();
    const m = await loadRepo(dir);
    const lines = renderCostMetrics(costReport({ intents: m.intents, statuses: m.statuses, tenants: m.tenants, config: m.config, now: new Date('2026-11-28T10:00:00Z') }));
    expect(lines).toContain('flare_intent_accrued_cost{tenant="team",intent="chat",currency="EUR"} 7.5');
    expect(lines).toContain('flare_intent_hourly_cost{tenant="team",intent="chat",currency="EUR"} 2');
    expect(lines).toContain('flare_intent_hourly_cost{tenant="team",intent="train",currency="EUR"} 0');
    expect(lines).toContain('flare_intent_budget_left{tenant="team",intent="train",currency="EUR"} 18');
    expect(lines).toContain('flare_tenant_accrued_cost{tenant="team",currency="EUR"} 20.75');
    expect(lines).toContain('flare_tenant_quota_left{tenant="team",currency="EUR"} 18');
    expect(lines).toContain('flare_tenant_gpus_in_use{tenant="team"} 1');
  });
});
