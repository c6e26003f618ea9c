import { describe, expect, test } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { render } from '../../src/render/render.js';
import { compileTemplates, type TemplateSource } from '../../src/render/templates.js';
import { shippedTemplatesDir } from '../../src/render/load-templates.js';
import { RENDERED_KINDS } from '../../src/render/types.js';
import type { Tenant } from '../../src/config/model.js';
import * as h from './helpers.js';

async function shipped(): Promise<TemplateSource[]> {
  return Promise.all(
    RENDERED_KINDS.map(async (k) => {
      const name = `${k.toLowerCase()}.yaml.hbs`;
      return { name, file: `templates/${name}`, text: await readFile(path.join(shippedTemplatesDir(), name), 'utf8') };
    }),
  );
}

/** Shipped templates with one replaced by `edit(shipped text)`, as a repo override. */
async function withOverride(kind: string, edit: (text: string) => string) {
  const src = await shipped();
  const name = `${kind.toLowerCase()}.yaml.hbs`;
  const base = src.find((s) => s.name === name)!;
  src.push({ name, file: `repo/templates/${name}`, text: edit(base.text) });
  return compileTemplates(src).templates;
}

const tenantA: Tenant = { name: 'team-a', file: 'tenants/team-a.yaml', owners: [{ kind: 'User', name: 'alice' }], quota: { gpus: 4 } };

function runningModel() {
  const i = h.intent({ workload: { ports: [{ port: 8080, protocol: 'TCP', expose: true, domain: 'app.example.com' }] as never } });
  const s = h.status(i, [h.placement({ chosen: h.chosen(), contract: { name: 'c', liqo_id: 'l' }, remote_cluster_id: 'cluster-1' })]);
  return h.model([i], { statuses: [s], tenants: [tenantA] });
}

function policyErrors(r: ReturnType<typeof render>, file: string) {
  return r.diagnostics.filter((d) => d.severity === 'error' && d.file === file && d.code === 'template-policy');
}

describe('templates cannot escalate', () => {
  test('the shipped templates pass the policy', async () => {
    const r = render(runningModel(), compileTemplates(await shipped()).templates);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.objects.some((o) => o.object.kind === 'Deployment')).toBe(true);
    expect(r.objects.some((o) => o.object.kind === 'Ingress')).toBe(true);
  });

  test('a deployment override into kube-system, privileged, hostPID and a hostPath / volume is refused', async () => {
    const t = await withOverride('Deployment', (s) =>
      s
        .replace('namespace: {{json namespace}}', 'namespace: kube-system')
        .replace('    spec:\n', '    spec:\n      hostPID: true\n      hostNetwork: true\n      serviceAccountName: admin\n')
        .replace('          volumeMounts: {{json volumeMounts}}', '          volumeMounts: {{json volumeMounts}}\n          securityContext: {privileged: true, allowPrivilegeEscalation: true, capabilities: {add: [SYS_ADMIN]}}')
        .replace('      volumes: {{json volumes}}', '      volumes: [{name: root, hostPath: {path: /}}]'),
    );
    const r = render(runningModel(), t);
    const paths = policyErrors(r, 'repo/templates/deployment.yaml.hbs').map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'metadata.namespace',
        'spec.template.spec.hostPID',
        'spec.template.spec.hostNetwork',
        'spec.template.spec.serviceAccountName',
        'spec.template.spec.containers[0].securityContext.privileged',
        'spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation',
        'spec.template.spec.containers[0].securityContext.capabilities.add',
        'spec.template.spec.volumes[0].hostPath',
      ]),
    );
    // the violating object is not rendered at all
    expect(r.objects.some((o) => o.object.kind === 'Deployment')).toBe(false);
    expect([...r.files.values()].some((f) => f.includes('kube-system'))).toBe(false);
  });

  test('a template rendering into another tenant namespace or with another tenant label is refused', async () => {
    const t = await withOverride('Service', (s) => s.replace('namespace: {{json namespace}}', 'namespace: flare-team-b-app').replace('labels: {{json labels}}', 'labels: {"flare.io/tenant": "team-b", "app.kubernetes.io/managed-by": "flare"}'));
    const r = render(runningModel(), t);
    const paths = policyErrors(r, 'repo/templates/service.yaml.hbs').map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['metadata.namespace', 'metadata.labels.flare.io/tenant', 'metadata.labels.flare.io/intent-id']));
  });

  test('a namespaced template made cluster-scoped (no namespace) or renamed is refused', async () => {
    const t = await withOverride('Solver', (s) => s.replace(/ {2}namespace: \{\{json namespace\}\}\n/, '').replace('name: {{json name}}', 'name: other'));
    const r = render(runningModel(), t);
    const paths = policyErrors(r, 'repo/templates/solver.yaml.hbs').map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['metadata.namespace', 'metadata.name']));
  });

  test('a namespace template with a namespace field or another capsule tenant is refused', async () => {
    const t = await withOverride('Namespace', (s) => s.replace('labels: {{json labels}}', 'labels: {"capsule.clastix.io/tenant": "team-b"}'));
    const r = render(runningModel(), t);
    const paths = policyErrors(r, 'repo/templates/namespace.yaml.hbs').map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['metadata.labels.capsule.clastix.io/tenant']));
  });

  test('a tenant template adding an owner or raising the quota is refused', async () => {
    const t = await withOverride('Tenant', (s) => s.replace('  owners:\n', '  owners:\n    - kind: User\n      name: mallory\n').replace('resourceQuotas: {{json resourceQuotas}}', 'resourceQuotas: {scope: Tenant, items: [{hard: {requests.nvidia.com/gpu: 1000}}]}'));
    const r = render(runningModel(), t);
    const errs = policyErrors(r, 'repo/templates/tenant.yaml.hbs');
    expect(errs.map((d) => d.path)).toEqual(expect.arrayContaining(['spec.owners', 'spec.resourceQuotas']));
    expect(errs.find((d) => d.path === 'spec.owners')!.message).toContain('mallory');
    expect(r.objects.some((o) => o.object.kind === 'Tenant')).toBe(false);
  });

  test('an ingress template adding a host or a default backend is refused', async () => {
    const t = await withOverride('Ingress', (s) => s.replace('  rules:\n', '  defaultBackend: {service: {name: x, port: {number: 80}}}\n  rules:\n    - host: victim.example.org\n'));
    const r = render(runningModel(), t);
    const paths = policyErrors(r, 'repo/templates/ingress.yaml.hbs').map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['spec.rules[0].host', 'spec.defaultBackend']));
  });
});

describe('flare validate reports template policy violations', () => {
  test('a repo tenant template adding an owner fails validate and render, naming the template', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { runFlare } = await import('../support/cli.js');
    const dir = mkdtempSync(path.join(tmpdir(), 'flare-policy-'));
    try {
      mkdirSync(path.join(dir, 'tenants'));
      mkdirSync(path.join(dir, 'templates'));
      mkdirSync(path.join(dir, 'intents/team-a'), { recursive: true });
      writeFileSync(path.join(dir, 'tenants/team-a.yaml'), 'apiVersion: flare.fluidos.eu/v1alpha1\nkind: Tenant\nmetadata: {name: team-a}\nspec:\n  owners: [{kind: User, name: alice}]\n');
      writeFileSync(path.join(dir, 'intents/team-a/x.yaml'), 'apiVersion: flare.fluidos.eu/v1alpha1\nkind: Intent\nmetadata: {name: x}\nspec:\n  objective: Cost_Minimization\n  workload: {type: service, image: "nginx:1.27", resources: {gpu: {count: 1}}}\n');
      const text = (await readFile(path.join(shippedTemplatesDir(), 'tenant.yaml.hbs'), 'utf8')).replace('  owners:\n', '  owners:\n    - kind: User\n      name: mallory\n');
      writeFileSync(path.join(dir, 'templates/tenant.yaml.hbs'), text);
      const v = await runFlare(['validate', '--output', 'json'], dir);
      expect(v.code).toBe(1);
      const out = JSON.parse(v.stdout) as { diagnostics: { file: string; code: string; path: string }[] };
      expect(out.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ file: 'templates/tenant.yaml.hbs', code: 'template-policy', path: 'spec.owners' })]));
      const r = await runFlare(['render'], dir);
      expect(r.code).toBe(1);
      expect(r.stdout + r.stderr).toContain('mallory');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
