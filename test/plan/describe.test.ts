import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { runFlare } from '../support/cli.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { DescribeReport } from '../../src/views/describe.js';
import { makeRepo, statusYaml } from './fixture.js';

// chat is Running on p-b a100 at 2 EUR/h since 08:00; big (max_hourly_cost 5) is NoMatch
const RUNNING = statusYaml('chat', 'Running', 'h', { candidate: 'pc-k8slice-p-b-a100', provider: 'p-b', model: 'nvidia-a100', rate: 2, count: 1, region: 'eu-central-1' })
  .replace('accrued: 0', 'accrued: 3.5')
  .replace(
    '        breakdown: {cost: 0.5, performance: 0.5, latency: 0.5, energy: 0.5}\n',
    `        breakdown: {cost: 0.5, performance: 0.25, latency: 0, energy: 0.75}
        latency_ms: 50
      runners_up:
        - {candidate: pc-k8slice-p-b-h100, provider: p-b, model: nvidia-h100, score: 0.0455, hourly_cost: 3}
      rejected:
        - {candidate: pc-k8slice-p-c-h100, provider: p-c, model: nvidia-h100, constraint: constraints.location, reason: region us-east-1 not in EU}
      contract: {name: contract-flare-team-chat-a1, liqo_id: liqo-p-b}
      virtual_node: {name: liqo-p-b-chat, ready: true}
`,
  );

const NOMATCH = `apiVersion: flare.fluidos.eu/v1alpha1
kind: IntentStatus
metadata: {name: big, tenant: team}
status:
  intent_id: team-big
  tenant: team
  name: big
  phase: NoMatch
  message: "0/5 offers fit: 2 gpu.model, 2 max_hourly_cost, 1 location"
  selection: flare
  spec_hash: h
  history:
    - {time: "2026-11-28T09:00:00.000Z", phase: Discovering, message: solver created}
    - {time: "2026-11-28T09:00:05.000Z", phase: NoMatch, message: no feasible candidate}
  placements:
    - solver: flare-team-big
      attempt: 1
      rejected:
        - {candidate: pc-k8slice-p-b-h100, provider: p-b, model: nvidia-h100, constraint: constraints.max_hourly_cost, reason: 6.00 EUR/h for 2 GPUs > max 5.00 EUR/h}
  suggestions:
    - alternative: "raise max_hourly_cost to 6 EUR: nvidia-h100 at p-b"
      cost_difference: +20%
      performance_impact: none
      change: {path: constraints.max_hourly_cost, value: 6}
`;

describe('flare describe', () => {
  test('a placed intent: spec, phase, placement, choice with terms and weights, runner-up, rejected, cost', async () => {
    const dir = await makeRepo({ chat: RUNNING, big: NOMATCH });
    const r = await runFlare(['describe', 'team/chat', '-o', 'json'], dir);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as DescribeReport;
    expect(d.phase).toBe('Running');
    expect(d.weights).toEqual({ cost: 1, performance: 0.05, latency: 0.05, energy: 0 });
    expect(d.spec.constraints).toEqual(['location EU', 'max_hourly_cost 3.5 EUR', 'preemptible false']);
    expect(d.placements[0]!.chosen!.breakdown).toEqual({ cost: 0.5, performance: 0.25, latency: 0, energy: 0.75 });
    expect(d.cost.hourly).toBe(2);
    // 3.5 recorded up to 08:00 + 2 EUR/h since then: at least 3.5, and growing with the wall clock
    expect(d.cost.accrued).toBeGreaterThan(3.5);
    const t = await runFlare(['describe', 'team-chat'], dir);
    expect(t.stdout).toMatch(/Objective:\s+Cost_Minimization \(weights cost 1, performance 0.05, latency 0.05, energy 0\)/);
    expect(t.stdout).toMatch(/Provider:\s+p-b \(nvidia-a100 ×4 40Gi, eu-central-1\)/);
    expect(t.stdout).toMatch(/Virtual node:\s+liqo-p-b-chat \(Ready\)/);
    expect(t.stdout).toMatch(/Contract:\s+contract-flare-team-chat-a1 \(liqo liqo-p-b\)/);
    expect(t.stdout).toMatch(/✔\s+pc-k8slice-p-b-a100\s+p-b\s+nvidia-a100\s+2\.00\s+50 ms\s+0\.50\s+0\.25\s+0\.00\s+0\.75\s+0\.50/);
    expect(t.stdout).toMatch(/\n\s+pc-k8slice-p-b-h100\s+p-b\s+nvidia-h100\s+3\.00\s+.*0\.05\n/);
    expect(t.stdout).toMatch(/pc-k8slice-p-c-h100\s+p-c\s+nvidia-h100\s+constraints\.location\s+region us-east-1 not in EU/);
    expect(t.stdout).toMatch(/Budget left:\s+no max_total_cost/);
  });

  test('a NoMatch intent: reason, rejected offers and relaxations, history', async () => {
    const dir = await makeRepo({ chat: RUNNING, big: NOMATCH });
    const t = await runFlare(['describe', 'team-big'], dir);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/Phase:\s+NoMatch/);
    expect(t.stdout).toMatch(/Reason:\s+0\/5 offers fit: 2 gpu.model, 2 max_hourly_cost, 1 location/);
    expect(t.stdout).toMatch(/Provider:\s+<none>/);
    expect(t.stdout).toContain('6.00 EUR/h for 2 GPUs > max 5.00 EUR/h');
    expect(t.stdout).toContain('raise max_hourly_cost to 6 EUR: nvidia-h100 at p-b (+20%; none) → set constraints.max_hourly_cost: 6');
    expect(t.stdout).toMatch(/2026-11-28T09:00:05.000Z\s+NoMatch\s+no feasible candidate/);
    expect(t.stdout).toMatch(/Accrued:\s+0\.00 EUR/);
    expect((await runFlare(['describe', 'team-nothing'], dir)).code).toBe(2);
  });

  test('--kubeconfig adds the events of the intent\'s objects, not those of others', async () => {
    const dir = await makeRepo({ chat: RUNNING });
    const sb = await startSandbox({ federation: path.join(dir, 'federation.yaml'), kubeconfigPath: path.join(dir, 'kubeconfig') });
    try {
      const ev = (ns: string, name: string, kind: string, obj: string, reason: string, message: string) =>
        sb.store.create({ apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: ns }, involvedObject: { kind, name: obj, namespace: ns }, reason, message, type: 'Normal', lastTimestamp: '2026-11-28T10:00:00Z', count: 1 } as never);
      sb.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flare-team-chat' } });
      ev('flare-team-chat', 'e1', 'Pod', 'chat-0', 'Scheduled', 'assigned to liqo-p-b-chat');
      ev('fluidos', 'e2', 'Reservation', 'flare-team-chat-a1', 'Reserved', 'reserved on p-b');
      ev('fluidos', 'e3', 'Reservation', 'flare-team-other-a1', 'Reserved', 'not mine');
      const r = await runFlare(['describe', 'team-chat', '--kubeconfig', 'kubeconfig', '-o', 'json'], dir);
      expect(r.stderr).toBe('');
      const d = JSON.parse(r.stdout) as DescribeReport;
      expect(d.events!.map((e) => `${e.object} ${e.reason}`).sort()).toEqual(['Pod/chat-0 Scheduled', 'Reservation/flare-team-chat-a1 Reserved']);
    } finally {
      await sb.close();
    }
  });
});
