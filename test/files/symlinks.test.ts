import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, serviceIntent } from '../reconcile/harness.js';
import { runFlare } from '../support/cli.js';

let dir = '';
let outside = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'flare-links-'));
  outside = await mkdtemp(path.join(os.tmpdir(), 'flare-outside-'));
  for (const p of ['flare.yaml', 'tenants', 'intents', 'status']) await cp(path.join(REPO_ROOT, p), path.join(dir, p), { recursive: true });
  // a valid intent outside the repo: if anything read through a link, it would show up as an intent
  await writeFile(path.join(outside, 'stolen.yaml'), serviceIntent('stolen'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const errorsOf = (stdout: string) =>
  (JSON.parse(stdout) as { diagnostics: { severity: string; code: string; file: string }[] }).diagnostics.filter((d) => d.code === 'symlink').map((d) => d.file);

describe('symbolic links in a FLARE repo are refused', () => {
  it('validate: a located error per link under intents/, tenants/, status/, templates/ and flare.yaml; nothing read through them', async () => {
    await symlink(path.join(outside, 'stolen.yaml'), path.join(dir, 'intents/research/stolen.yaml'));
    await symlink(path.join(dir, 'tenants/research.yaml'), path.join(dir, 'tenants/copy.yaml'));
    await symlink(path.join(dir, 'status/research/bert-large-training.yaml'), path.join(dir, 'status/research/nightly-eval.yaml'));
    await mkdir(path.join(dir, 'templates'));
    await symlink('/etc/passwd', path.join(dir, 'templates/deployment.yaml.hbs'));
    await symlink(outside, path.join(dir, 'intents/edge-linked'));
    const r = await runFlare(['validate', '--output', 'json'], dir);
    expect(r.code).toBe(1);
    expect(errorsOf(r.stdout).sort()).toEqual(['intents/edge-linked', 'intents/research/stolen.yaml', 'status/research/nightly-eval.yaml', 'templates/deployment.yaml.hbs', 'tenants/copy.yaml']);
    const ids = (JSON.parse(r.stdout) as { intents: { id: string }[] }).intents.map((i) => i.id);
    expect(ids.some((i) => i.includes('stolen'))).toBe(false);
    const text = await runFlare(['validate'], dir);
    expect(text.stdout).toMatch(/^intents\/research\/stolen\.yaml\s+is a symbolic link/m);
  });

  it('a linked root folder or flare.yaml is refused, not followed', async () => {
    await rm(path.join(dir, 'flare.yaml'));
    await symlink(path.join(REPO_ROOT, 'flare.yaml'), path.join(dir, 'flare.yaml'));
    await rm(path.join(dir, 'status'), { recursive: true });
    await symlink(path.join(REPO_ROOT, 'status'), path.join(dir, 'status'));
    const r = await runFlare(['validate', '--output', 'json'], dir);
    expect(r.code).toBe(1);
    expect(errorsOf(r.stdout).sort()).toEqual(['flare.yaml', 'status']);
  });

  it('render: exit 1, the link named, nothing written', async () => {
    await symlink(path.join(outside, 'stolen.yaml'), path.join(dir, 'intents/research/stolen.yaml'));
    await mkdir(path.join(dir, 'templates'));
    await symlink('/etc/passwd', path.join(dir, 'templates/namespace.yaml.hbs'));
    const r = await runFlare(['render', '--out', path.join(dir, 'out')], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/intents\/research\/stolen\.yaml.*symbolic link/);
    expect(r.stderr).toMatch(/templates\/namespace\.yaml\.hbs.*symbolic link/);
    expect(await readdir(dir)).not.toContain('out');
  });
});
