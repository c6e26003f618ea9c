import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { rootProblems } from '../../src/reconcile/roots.js';
import { runFlare } from '../support/cli.js';
import { serviceIntent, TENANT } from './harness.js';

let tmp: string | undefined;
afterEach(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

async function repo(): Promise<string> {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'flare-roots-'));
  const dir = path.join(tmp, 'repo');
  await mkdir(path.join(dir, 'tenants'), { recursive: true });
  await mkdir(path.join(dir, 'intents', 'team-a'), { recursive: true });
  await mkdir(path.join(tmp, 'elsewhere'), { recursive: true });
  await writeFile(path.join(dir, 'tenants', 'team-a.yaml'), TENANT('team-a'));
  await writeFile(path.join(dir, 'intents', 'team-a', 'web.yaml'), serviceIntent('web'));
  return dir;
}

describe('intents/, tenants/ and status/ roots', () => {
  it('a symlinked root is a problem; absent or real folders are not', async () => {
    const dir = await repo();
    expect(await rootProblems(dir)).toEqual([]);
    await symlink(path.join(tmp!, 'elsewhere'), path.join(dir, 'status'));
    expect(await rootProblems(dir)).toEqual([{ root: 'status', message: expect.stringMatching(/status\/ is a symlink/) }]);
  });

  it('flare validate reports a symlinked status/ root as an error', async () => {
    const dir = await repo();
    expect((await runFlare(['validate'], dir)).code).toBe(0);
    await symlink(path.join(tmp!, 'elsewhere'), path.join(dir, 'status'));
    const r = await runFlare(['validate', '-o', 'json'], dir);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { diagnostics: { file: string; code: string; severity: string }[] };
    expect(out.diagnostics).toContainEqual(expect.objectContaining({ file: 'status', code: 'symlinked-root', severity: 'error' }));
  });
});
