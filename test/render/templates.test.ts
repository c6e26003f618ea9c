import { describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { compileTemplates, jsonLiteral, renderObject, renderObjectByText, type TemplateSource } from '../../src/render/templates.js';
import { intentPlans, tenantPlan } from '../../src/render/stages.js';
import { richModel } from './rich.js';
import { loadTemplates } from '../../src/render/load-templates.js';
import { render } from '../../src/render/render.js';
import { RENDERED_KINDS } from '../../src/render/types.js';
import * as h from './helpers.js';

const NASTY = [
  'line1\nline2',
  '---',
  'a\n---\nkind: Secret\nmetadata: {name: x}',
  '{{json name}}',
  '{{{x}}}',
  '"quoted" \'single\'',
  'key: value',
  '# not a comment',
  'x #y',
  '&anchor *alias !!binary',
  '[1, 2]',
  '{a: 1}',
  '|\n  block',
  '\t\r\u0000\u2028\u0085é😀',
  'yes',
  '0x10',
  '~',
];

function one(src: Partial<TemplateSource> & { text: string }) {
  return compileTemplates([{ name: 'x.yaml.hbs', file: 'templates/x.yaml.hbs', ...src }]);
}

describe('json helper', () => {
  test('every nasty string round-trips through YAML as the same literal string', () => {
    for (const s of NASTY) {
      const doc = `a: ${jsonLiteral(s)}\nb: 1\n`;
      const docs = parseAllDocuments(doc);
      expect(Array.isArray(docs) && docs.length).toBe(1);
      expect(parse(doc)).toEqual({ a: s, b: 1 });
    }
  });
  test('objects and arrays keep their shape', () => {
    const v = { 'k: v': ['---', { '#': '\n' }], n: 1.5, t: true };
    expect(parse(`x: ${jsonLiteral(v)}`)).toEqual({ x: v });
  });
});

describe('template safety', () => {
  test('a mustache without the json helper is rejected at compile time', () => {
    const r = one({ text: '# kind: Namespace\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{name}}\n' });
    expect(r.templates.has('Namespace')).toBe(false);
    expect(r.diagnostics.some((d) => d.code === 'template-unsafe' && d.file === 'templates/x.yaml.hbs')).toBe(true);
  });
  test('triple-stash, other helpers and partials are rejected', () => {
    for (const bad of ['{{{name}}}', '{{lookup . "name"}}', '{{> p}}', '{{#custom}}x{{/custom}}', '{{json a b}}']) {
      const r = one({ text: `# kind: Namespace\nx: ${bad}\n` });
      expect(r.diagnostics.filter((d) => d.code === 'template-unsafe').length, bad).toBeGreaterThan(0);
    }
  });
  test('a template must declare a known kind', () => {
    const r = one({ name: 'foo.yaml.hbs', text: 'apiVersion: v1\n' });
    expect(r.diagnostics.some((d) => d.code === 'template-kind')).toBe(true);
    const byName = compileTemplates([{ name: 'namespace.yaml.hbs', file: 'f', text: 'a: {{json x}}\n' }]);
    expect(byName.templates.has('Namespace')).toBe(true);
  });
  test('output that is not exactly one object of the declared kind is an error', () => {
    const twoDocs = one({ text: '# kind: Namespace\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n' });
    expect(renderObject(twoDocs.templates.get('Namespace')!, {}).error).toMatch(/2 YAML documents/);
    const wrongKind = one({ text: '# kind: Namespace\napiVersion: v1\nkind: Secret\nmetadata: {name: a}\n' });
    expect(renderObject(wrongKind.templates.get('Namespace')!, {}).error).toMatch(/kind "Secret"/);
    const noName = one({ text: '# kind: Namespace\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{json name}}\n' });
    expect(renderObject(noName.templates.get('Namespace')!, {}).error).toMatch(/metadata.name/);
    const broken = one({ text: '# kind: Namespace\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: "a{{json name}}"\n' });
    expect(renderObject(broken.templates.get('Namespace')!, { name: 'x' }).error).toBeDefined();
  });
  test('null values are dropped, so optional fields need no {{#if}}', () => {
    const t = one({ text: '# kind: Namespace\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{json name}}\n  labels: {{json labels}}\n' });
    expect(renderObject(t.templates.get('Namespace')!, { name: 'a' }).object).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
  });
  test('the shipped templates cover every kind and compile cleanly', async () => {
    const { templates, diagnostics } = await loadTemplates();
    expect(diagnostics).toEqual([]);
    expect([...templates.keys()].sort()).toEqual([...RENDERED_KINDS].sort());
  });
});

describe('injection through intent values', () => {
  test('hostile values stay literal strings and add no keys, objects or documents', async () => {
    const { templates } = await loadTemplates();
    const inj = 'x\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: pwned\n';
    const i = h.intent({
      workload: {
        containers: [{ name: 'app', image: 'img:1\nkind: Secret', command: ['sh', '-c', '{{json x}} #c: d'], args: ["'\"", ': ']}],
        env: NASTY.map((v, n) => ({ name: `V${n}`, value: v })),
        ports: [{ port: 443, protocol: 'TCP', expose: true, domain: 'a.example.com\n---\nkind: X' }],
      },
      spec: { constraints: { preemptible: false, availability_zone: inj, providers: [inj, '}}{{'] } },
    });
    const s = h.status(i, [h.placement({ chosen: h.chosen({ candidate: inj, owner: { domain: inj, nodeID: '#', ip: ': ' } }), contract: { name: '---', liqo_id: 'l' }, remote_cluster_id: 'id\nkind: Secret' })]);
    const r = render(h.model([i], { statuses: [s] }), templates);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    for (const [path, text] of r.files) {
      const docs = parseAllDocuments(text);
      expect(Array.isArray(docs) ? docs.length : 0, path).toBe(1);
    }
    const kinds = r.objects.map((o) => o.object.kind);
    expect(kinds).not.toContain('Secret');
    const dep = r.objects.find((o) => o.object.kind === 'Deployment')!.object;
    const c = dep.spec.template.spec.containers[0];
    expect(c.image).toBe('img:1\nkind: Secret');
    expect(c.command).toEqual(['sh', '-c', '{{json x}} #c: d']);
    expect(c.env.slice(0, NASTY.length).map((e: { value: string }) => e.value)).toEqual(NASTY);
    expect(dep.spec.template.spec.nodeSelector).toEqual({ 'liqo.io/remote-cluster-id': 'id\nkind: Secret' });
    const res = r.objects.find((o) => o.object.kind === 'Reservation')!.object;
    expect(res.spec.peeringCandidate.name).toBe(inj);
    expect(res.spec.seller).toEqual({ domain: inj, nodeID: '#', ip: ': ' });
    expect(Object.keys(res.spec).sort()).toEqual(['buyer', 'configuration', 'peeringCandidate', 'purchase', 'reserve', 'seller', 'solverID']);
    const solver = r.objects.find((o) => o.object.kind === 'Solver')!.object;
    const zone = solver.spec.selector.filters.gpuFilters.find((f: { field: string }) => f.field === 'zone');
    expect(zone.data.value).toBe(inj);
    // the provider regex escapes the names, so braces and newlines stay inert
    const prov = solver.spec.selector.filters.gpuFilters.find((f: { field: string }) => f.field === 'provider');
    expect(new RegExp(prov.data.regex).test('}}{{')).toBe(true);
  });
});

describe('cached skeletons', () => {
  test('give exactly what parsing the full text gives, for every object of the rich model and hostile values', async () => {
    const { templates } = await loadTemplates();
    const m = richModel([h.intent({ name: 'evil', workload: { env: NASTY.map((v, n) => ({ name: `V${n}`, value: v })) }, spec: { constraints: { preemptible: false, providers: NASTY } } })]);
    const plans = [tenantPlan('team-a', m.tenants[0], m.intents), ...m.intents.flatMap((i) => intentPlans(i, m.config, m.statuses.get(i.id)).plans)];
    expect(plans.length).toBeGreaterThan(30);
    for (const p of plans) {
      const t = templates.get(p.kind)!;
      const fast = renderObject(t, p.context);
      expect(fast.error).toBeUndefined();
      expect(fast).toEqual(renderObjectByText(t, p.context));
    }
    // the returned objects never share structure with the context (or with each other)
    const p = plans.find((x) => x.kind === 'Namespace')!;
    const a = renderObject(templates.get('Namespace')!, p.context).object!;
    const b = renderObject(templates.get('Namespace')!, p.context).object!;
    a.metadata.labels!['x'] = 'y';
    expect(b.metadata.labels!['x']).toBeUndefined();
    expect((p.context.labels as Record<string, string>)['x']).toBeUndefined();
  });
  test('a value inside a larger scalar falls back to the full parse', () => {
    const t = one({ text: '# kind: Namespace\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{json name}}\n  labels:\n    a: x-{{json name}}\n' }).templates.get('Namespace')!;
    const r = renderObject(t, { name: 'n' });
    expect(r).toEqual(renderObjectByText(t, { name: 'n' }));
    expect(r.object?.metadata.labels).toEqual({ a: 'x-"n"' });
  });
});
