import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, test } from 'vitest';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { ApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { runFlare } from '../support/cli.js';
import { executeHealthLua } from './lua-runner.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const customizations = path.join(repoRoot, 'argocd', 'resource_customizations');

async function argocdJson(args: string[] = []): Promise<any[]> {
  const r = await runFlare(['argocd', '--output', 'json', '--repo-url', 'https://bot:s3cret@git.example.com/team/gpus.git', ...args], repoRoot);
  expect(r.code, r.stderr).toBe(0);
  const list = JSON.parse(r.stdout);
  expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List' });
  return list.items;
}

describe('flare argocd', () => {
  test('prints the argocd-cm patch, an Application and an ApplicationSet that validate against the Argo CD and Kubernetes models', async () => {
    const [cm, app, appset, ...rest] = await argocdJson();
    expect(rest).toEqual([]);
    expect(cm.kind).toBe('ConfigMap');
    expect(() => new ConfigMap(cm).validate()).not.toThrow();
    expect(app.kind).toBe('Application');
    expect(() => new Application(app).validate()).not.toThrow();
    expect(appset.kind).toBe('ApplicationSet');
    expect(() => new ApplicationSet(appset).validate()).not.toThrow();
    // the models do check: a broken Application is refused
    expect(() => new Application({ ...app, spec: { ...app.spec, source: { repoURL: 42 } } }).validate()).toThrow();
  });

  test('the argocd-cm patch carries every shipped health.lua under resource.customizations.health.<group>_<Kind>, and they work from there', async () => {
    const [cm] = await argocdJson(['--only', 'health']);
    expect(cm.metadata).toMatchObject({ name: 'argocd-cm', namespace: 'argocd' });
    const expected: Record<string, string> = {};
    for (const group of readdirSync(customizations)) {
      for (const kind of readdirSync(path.join(customizations, group))) {
        const file = path.join(customizations, group, kind, 'health.lua');
        if (existsSync(file)) expected[`resource.customizations.health.${group}_${kind}`] = readFileSync(file, 'utf8');
      }
    }
    expect(Object.keys(expected).length).toBe(8);
    expect(cm.data).toEqual(expected);
    const refused = { apiVersion: 'reservation.fluidos.eu/v1alpha1', kind: 'Reservation', status: { phase: { phase: 'Failed', message: 'seller refused' } } };
    expect(executeHealthLua(refused, cm.data['resource.customizations.health.reservation.fluidos.eu_Reservation'])).toEqual({ status: 'Degraded', message: 'Failed: seller refused' });
  });

  test('Applications follow the repo without credentials, skip dry runs of missing CRDs, and the ApplicationSet makes one Application per tenant folder', async () => {
    const [app, appset] = await argocdJson(['--only', 'application,applicationset', '--revision', 'release']);
    expect(app.spec.source).toEqual({ repoURL: 'https://git.example.com/team/gpus.git', targetRevision: 'release', path: 'rendered' });
    expect(app.spec.syncPolicy.syncOptions).toContain('SkipDryRunOnMissingResource=true');
    expect(appset.spec.template.spec.syncPolicy.syncOptions).toContain('SkipDryRunOnMissingResource=true');
    expect(appset.spec.generators).toEqual([{ git: { repoURL: 'https://git.example.com/team/gpus.git', revision: 'release', directories: [{ path: 'rendered/*' }] } }]);
    expect(appset.spec.template.spec.source.path).toBe('{{.path.path}}');
    expect(appset.spec.template.metadata.name).toBe('flare-{{.path.basename}}');
    // what the generator matches in this repo: exactly the tenant folders, each a kustomization of its own
    const dirs = readdirSync(path.join(repoRoot, 'rendered'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    const tenants = readdirSync(path.join(repoRoot, 'tenants')).map((f) => f.replace(/\.ya?ml$/, '')).sort();
    expect(dirs).toEqual(tenants);
    for (const d of dirs) expect(existsSync(path.join(repoRoot, 'rendered', d, 'kustomization.yaml')), d).toBe(true);
  });

  test('--output yaml prints the same documents; bad --only is a usage error', async () => {
    const json = await argocdJson();
    const r = await runFlare(['argocd', '--repo-url', 'https://git.example.com/team/gpus.git'], repoRoot);
    expect(r.code).toBe(0);
    expect(parseAllDocuments(r.stdout).map((d) => d.toJS())).toEqual(json);
    const bad = await runFlare(['argocd', '--only', 'everything'], repoRoot);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown part "everything"/);
  });
});
