import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cycleUntil, REPO_ROOT, serviceIntent, startWorld, TENANT, type World } from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('a repo template that escalates never reaches the cluster', () => {
  it('a deployment override into kube-system with privileged, hostPID and hostPath / is not applied', async () => {
    const shipped = readFileSync(path.join(REPO_ROOT, 'templates/deployment.yaml.hbs'), 'utf8');
    const evil = shipped
      .replace('namespace: {{json namespace}}', 'namespace: kube-system')
      .replace('    spec:\n', '    spec:\n      hostPID: true\n')
      .replace('          volumeMounts: {{json volumeMounts}}', '          volumeMounts: [{name: root, mountPath: /host}]\n          securityContext: {privileged: true}')
      .replace('      volumes: {{json volumes}}', '      volumes: [{name: root, hostPath: {path: /}}]');
    world = await startWorld({
      'tenants/team-a.yaml': TENANT('team-a'),
      'intents/team-a/web.yaml': serviceIntent('web'),
      'templates/deployment.yaml.hbs': evil,
    });
    const rec = await world.start();
    // stage D (offloading) is applied: the deployment would have been applied in the same cycle
    await cycleUntil(rec, () => true);
    const offloaded = async () => (await world!.cluster.list('offloading.liqo.io/v1beta1', 'NamespaceOffloading', {})).length > 0;
    for (let i = 0; i < 200 && !(await offloaded()); i++) await rec.runOnce();
    expect(await offloaded()).toBe(true);
    await rec.runOnce();
    expect(await world.cluster.list('apps/v1', 'Deployment', {})).toEqual([]);
    expect(await world.read('rendered/team-a/web/deployment-web.yaml')).toBeUndefined();
  });
});
