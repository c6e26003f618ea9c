import path from 'node:path';
import { runFlare, type FlareRun } from '../support/cli.js';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { ExplainReport } from '../../src/render/explain.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function run(args: string[], cwd = repoRoot): Promise<FlareRun> {
  return runFlare(args, cwd);
}

describe('flare explain', () => {
  test('text output maps fields to Solver filters, manifest fields, and lists what is not enforced', async () => {
    const r = await run(['explain', 'ml-platform-mistral--chat']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('workload.resources.gpu.memory_min = "24Gi"');
    expect(r.stdout).toContain('Solver flare-ml-platform-mistral--chat gpuFilters[field=memory] ResourceRangeSelector min 24Gi');
    expect(r.stdout).toContain('Deployment.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]');
    expect(r.stdout).toContain('gpuFilters[field=region] StringRangeSelector regex ^eu-[a-z0-9-]*$');
    expect(r.stdout).toMatch(/recorded, not enforced:\n(.*\n)*\s+sla.availability = "99.5%"/);
    expect(r.stdout).toMatch(/workload.scaling.target_gpu_percent = 75/);
  });

  test('accepts <tenant>/<name> and a file path; json output is machine-readable', async () => {
    const a = await run(['explain', 'ml-platform/mistral-chat', '--output', 'json']);
    const b = await run(['explain', 'intents/ml-platform/mistral-chat.yaml', '--output', 'json']);
    const c = await run(['explain', 'mistral-chat.yaml', '--repo', '../..', '--output', 'json'], path.join(repoRoot, 'intents', 'ml-platform'));
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(c.code).toBe(0);
    expect(c.stdout).toBe(a.stdout);
    const report = JSON.parse(a.stdout) as ExplainReport;
    expect(report.intent).toBe('ml-platform-mistral--chat');
    expect(report.solvers).toEqual(['flare-ml-platform-mistral--chat']);
    const hr = report.fields.find((f) => f.field === 'constraints.max_hourly_cost'); // 4 EUR/h over 1 GPU per replica × up to 4 replicas
    expect(hr?.becomes[0]).toBe('Solver flare-ml-platform-mistral--chat gpuFilters[field=hourly_rate] NumberRangeFilter max 1');
  });

  test('multi-region: one Solver per region; cost ÷ GPU count', async () => {
    const r = await run(['explain', 'ml-platform-global--ml--inference', '--output', 'json']);
    const report = JSON.parse(r.stdout) as ExplainReport;
    expect(report.solvers).toEqual([
      'flare-ml-platform-global--ml--inference-eu',
      'flare-ml-platform-global--ml--inference-us-east',
      'flare-ml-platform-global--ml--inference-asia-pacific',
    ]);
    expect(report.fields.find((f) => f.field === 'constraints.regions[1]')?.becomes[0]).toContain('regex ^us-east-[a-z0-9-]*$');
    expect(report.notEnforced.map((f) => f.field)).toContain('constraints.max_latency_between_regions');
  });

  test('unknown intent is a usage error (exit 2); bad --output too', async () => {
    const r = await run(['explain', 'nope-nothing']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no intent "nope-nothing"/);
    expect((await run(['explain', 'ml-platform-mistral--chat', '--output', 'xml'])).code).toBe(2);
  });
});
