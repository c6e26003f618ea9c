import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFlare } from '../support/cli.js';
import { serviceIntent, TENANT } from '../reconcile/harness.js';

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flare-gpu-catalog-'));
  temps.push(dir);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

describe('flare validate: GPU models outside the catalog', () => {
  it('warns on a typo with a did-you-mean from the catalog, located on the model line', async () => {
    const dir = repo({ 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/web.yaml': serviceIntent('web', { model: 'nvidia-h10o' }) });
    const r = await runFlare(['validate', '--repo', dir, '-o', 'json'], dir);
    expect(r.code).toBe(0);
    const diags = JSON.parse(r.stdout).diagnostics as { code: string; file: string; line: number; path: string; severity: string; hint?: string }[];
    const d = diags.find((x) => x.code === 'unknown-gpu-model');
    expect(d, r.stdout).toBeDefined();
    expect(d!.severity).toBe('warning');
    expect(d!.file).toBe('intents/team-a/web.yaml');
    expect(d!.path).toBe('workload.resources.gpu.model');
    // serviceIntent writes `model:` on line 12
    expect(d!.line).toBe(12);
    expect(d!.hint).toBe('did you mean "nvidia-h100"?');
  });

  it('says nothing for catalog models, aliases and any', async () => {
    const dir = repo({
      'tenants/team-a.yaml': TENANT('team-a'),
      'intents/team-a/a.yaml': serviceIntent('a', { model: 'nvidia-a100' }),
      'intents/team-a/b.yaml': serviceIntent('b', { model: 'any' }),
    });
    const r = await runFlare(['validate', '--repo', dir, '-o', 'json'], dir);
    const diags = JSON.parse(r.stdout).diagnostics as { code: string }[];
    expect(diags.filter((x) => x.code === 'unknown-gpu-model')).toEqual([]);
  });
});
