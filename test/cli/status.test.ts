import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { runFlare } from '../support/cli.js';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/model.js';
import { solverName } from '../../src/k8s/names.js';
import { statusFileText } from '../../src/reconcile/cycle.js';
import { indexObjects } from '../../src/reconcile/observe.js';
import { advance } from '../../src/reconcile/state-machine.js';
import { formatAge, formatStatusTable, statusRows } from '../../src/reconcile/status-table.js';
import { rank } from '../../src/select/rank.js';
import { makeIntent, peeringCandidate, solver } from '../reconcile/fixtures.js';

async function run(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const r = await runFlare(args, cwd);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

const INTENT = (name: string) =>
  `apiVersion: flare.fluidos.eu/v1alpha1\nkind: Intent\nmetadata:\n  name: ${name}\nspec:\n  objective: Cost_Minimization\n  workload:\n    type: service\n    image: nginx:1.27\n    resources:\n      gpu:\n        model: nvidia-a100\n        count: 2\n`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'flare-status-'));
  await mkdir(path.join(dir, 'tenants'), { recursive: true });
  await mkdir(path.join(dir, 'intents/team-a'), { recursive: true });
  await mkdir(path.join(dir, 'status/team-a'), { recursive: true });
  await writeFile(path.join(dir, 'tenants/team-a.yaml'), 'apiVersion: flare.fluidos.eu/v1alpha1\nkind: Tenant\nmetadata:\n  name: team-a\nspec:\n  owners:\n    - kind: User\n      name: alice\n');
  await writeFile(path.join(dir, 'intents/team-a/train.yaml'), INTENT('train'));
  await writeFile(path.join(dir, 'intents/team-a/serve.yaml'), INTENT('serve'));
  // a status the reconciler would write: train chose the cheaper of two A100 offers
  const intent = makeIntent('team-a', 'train', { resources: { gpu: { model: 'nvidia-a100', count: 2, shared: false, interruptible: false, multi_instance: false, dedicated: false } } });
  const sv = solverName(intent.id);
  const observed = indexObjects([solver(sv), peeringCandidate('pc-a', [sv], { provider: 'p-a', rate: 1.5 }), peeringCandidate('pc-b', [sv], { provider: 'p-b', rate: 3 })]);
  const s = advance({ intent, observed, now: new Date(Date.now() - 90_000), config: DEFAULT_CONFIG, rank }).status;
  await writeFile(path.join(dir, 'status/team-a/train.yaml'), statusFileText(s));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('flare status', () => {
  it('prints a table of every intent from the status files', async () => {
    const r = await run(['status', '--repo', dir], dir);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^TENANT\s+INTENT\s+PHASE\s+PROVIDER\s+GPU\s+EUR\/H\s+AGE$/);
    expect(lines[1]).toMatch(/^team-a\s+serve\s+Unknown\s+-\s+2x nvidia-a100\s+-\s+-$/);
    expect(lines[2]).toMatch(/^team-a\s+train\s+Reserving\s+p-a\s+2x nvidia-a100\s+3\.00\s+(8\d|9\d)s$/);
  });

  it('selects one intent and shows its message; json output carries the status', async () => {
    const one = await run(['status', 'team-a/train', '--repo', dir], dir);
    expect(one.out).toContain('reserving pc-a from p-a');
    const js = await run(['status', 'train', '--repo', dir, '-o', 'json'], dir);
    const rows = JSON.parse(js.out);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: 'team-a-train', phase: 'Reserving', provider: 'p-a', hourly_cost: 3, gpu: '2x nvidia-a100' });
    expect(rows[0].status.placements[0].chosen.candidate).toBe('pc-a');
  });

  it('an unknown intent is a usage error', async () => {
    const r = await run(['status', 'nope', '--repo', dir], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no intent "nope"');
  });

  it('formats ages like kubectl and accrues cost while running', () => {
    expect([formatAge(5), formatAge(150), formatAge(7300), formatAge(200000), formatAge(undefined)]).toEqual(['5s', '2m', '2h', '2d', '-']);
    const intent = makeIntent('t', 'x');
    const now = new Date('2030-01-01T02:00:00Z');
    const rows = statusRows(
      [intent],
      new Map([[intent.id, { intent_id: intent.id, tenant: 't', name: 'x', phase: 'Running', selection: 'flare', spec_hash: 'h', placements: [], history: [], cost: { hourly: 2, currency: 'EUR', accrued: 1, since: '2030-01-01T00:00:00Z' } }]]),
      now,
    );
    expect(rows[0]!.accrued).toBe(5);
    expect(formatStatusTable(rows)).toContain('Running');
  });
});
