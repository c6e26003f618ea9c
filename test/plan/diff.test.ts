import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runGit } from '../../src/git/exec.js';
import { TENANT, allSettled, cycleUntil, serviceIntent, startWorld, type World } from '../reconcile/harness.js';
import { runFlare } from '../support/cli.js';
import type { DiffReport } from '../../src/views/diff.js';

let world: World | undefined;
afterAll(async () => {
  await world?.close();
});

describe('flare diff', () => {
  test('nothing to do after a cycle; a live edit is drift; a deleted intent file is a prune', async () => {
    world = await startWorld({ 'tenants/team.yaml': TENANT('team'), 'intents/team/web.yaml': serviceIntent('web'), 'intents/team/api.yaml': serviceIntent('api') });
    const rec = await world.start();
    await cycleUntil(rec, (r) => allSettled(r) && r.intents.every((i) => i.phase === 'Running'));
    await rec.runOnce();
    const clone = path.join(world.tmp, 'diff');
    await runGit(['clone', '-q', world.url, clone], { cwd: world.tmp, timeoutMs: 30_000 });
    const diff = async (...args: string[]) => {
      const r = await runFlare(['diff', '--repo', clone, '--kubeconfig', world!.sandbox.kubeconfigPath, '-o', 'json', ...args], world!.tmp);
      expect(r.stderr).toBe('');
      return { code: r.code, report: JSON.parse(r.stdout) as DiffReport };
    };
    const clean = await diff('--exit-code');
    expect(clean.report.summary).toEqual({ create: 0, update: 0, prune: 0, drift: 0 });
    expect(clean.report.unchanged).toBeGreaterThan(5);
    expect(clean.code).toBe(0);

    // describe --kubeconfig lists the intent's live objects with their state, none of the other intent's
    const dsc = await runFlare(['describe', 'team-web', '--repo', clone, '--kubeconfig', world.sandbox.kubeconfigPath, '-o', 'json'], world.tmp);
    expect(dsc.stderr).toBe('');
    const objs = (JSON.parse(dsc.stdout) as { objects: { kind: string; namespace?: string; name: string; status: string }[] }).objects;
    const kinds = objs.map((o) => o.kind);
    for (const k of ['Namespace', 'Solver', 'Reservation', 'Allocation', 'NamespaceOffloading', 'Deployment']) expect(kinds).toContain(k);
    expect(objs.find((o) => o.kind === 'Deployment')!.status).toMatch(/^(\d+)\/\1 ready$/);
    expect(objs.every((o) => !o.name.includes('api'))).toBe(true);

    // someone scales the Deployment by hand
    const deps = await world.cluster.list('apps/v1', 'Deployment', { namespace: 'flare-team-web' });
    expect(deps).toHaveLength(1);
    const d = deps[0]!;
    await world.cluster.patch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: d.metadata.namespace!, name: d.metadata.name }, { spec: { replicas: 5 } }, { fieldManager: 'kubectl-edit' });
    const drift = await diff('--exit-code');
    expect(drift.code).toBe(1);
    expect(drift.report.summary).toMatchObject({ update: 1, drift: 1, create: 0, prune: 0 });
    const e = drift.report.entries[0]!;
    expect(e).toMatchObject({ action: 'update', kind: 'Deployment', namespace: 'flare-team-web', intent: 'team-web', drift: true });
    expect(e.changes).toEqual([{ path: 'spec.replicas', live: 5, desired: d.spec.replicas, changedBy: ['kubectl-edit'] }]);

    // the api intent removed in the clone: its objects would be pruned, web's not
    await rm(path.join(clone, 'intents', 'team', 'api.yaml'));
    const pruned = await diff();
    const prunes = pruned.report.entries.filter((x) => x.action === 'prune');
    expect(prunes.length).toBeGreaterThan(3);
    expect(new Set(prunes.map((p) => p.intent))).toEqual(new Set(['team-api']));
    expect(prunes.map((p) => p.kind)).toContain('Deployment');
    const t = await runFlare(['diff', '--repo', clone, '--kubeconfig', world.sandbox.kubeconfigPath], world.tmp);
    expect(t.stdout).toMatch(/^~ Deployment flare-team-web\/\S+ {2}\(drift\)$/m);
    expect(t.stdout).toMatch(/^ {4}spec\.replicas: 5 → \d+ {2}\(changed by kubectl-edit\)$/m);
    expect(t.stdout).toMatch(/^- Deployment flare-team-api\//m);
  }, 60_000);
});
