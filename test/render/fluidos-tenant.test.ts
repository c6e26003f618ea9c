import { describe, expect, test } from 'vitest';
import { render } from '../../src/render/render.js';
import { loadTemplates } from '../../src/render/load-templates.js';
import { parseRepo } from '../../src/repo/parse.js';
import { DEFAULT_CONFIG, type Tenant } from '../../src/config/model.js';
import * as h from './helpers.js';

const templates = (await loadTemplates(undefined)).templates;

function regionFilter(r: ReturnType<typeof render>): { regex: string } | undefined {
  const solver = r.objects.find((o) => o.object.kind === 'Solver')!.object;
  const f = (solver.spec.selector.filters.gpuFilters as { field: string; data: { regex: string } }[]).find((x) => x.field === 'region');
  return f?.data;
}

describe('selection: fluidos obeys the tenant', () => {
  const tenant = (over: Partial<Tenant> = {}): Tenant => ({ name: 'team-a', file: 'tenants/team-a.yaml', owners: [], quota: {}, ...over });

  test('an intent without a location gets the tenant allowed locations as the Solver region filter', () => {
    const i = h.intent({ spec: { selection: 'fluidos' } });
    const r = render(h.model([i], { tenants: [tenant({ allowed_locations: ['EU', 'edge'] })] }), templates);
    const f = regionFilter(r);
    expect(f).toBeDefined();
    const re = new RegExp(f!.regex);
    expect(re.test('eu-west-1')).toBe(true);
    expect(re.test('eu-edge-2')).toBe(true);
    expect(re.test('us-east-1')).toBe(false);
    expect(re.test('ap-south-1')).toBe(false);
  });

  test('without allowed locations (or with any) nothing is added', () => {
    const i = h.intent({ spec: { selection: 'fluidos' } });
    expect(regionFilter(render(h.model([i], { tenants: [tenant()] }), templates))).toBeUndefined();
    expect(regionFilter(render(h.model([i], { tenants: [tenant({ allowed_locations: ['any'] })] }), templates))).toBeUndefined();
  });

  test('an intent location stays its own (validate already checked it is allowed)', () => {
    const i = h.intent({ spec: { selection: 'fluidos', constraints: { preemptible: false, location: 'edge' } } });
    const f = regionFilter(render(h.model([i], { tenants: [tenant({ allowed_locations: ['EU', 'edge'] })] }), templates));
    expect(new RegExp(f!.regex).test('eu-west-1')).toBe(false);
  });

  test('flare.yaml selection: fluidos applies too', () => {
    const i = h.intent();
    const config = { ...DEFAULT_CONFIG, selection: 'fluidos' as const };
    const f = regionFilter(render(h.model([i], { config, tenants: [tenant({ allowed_locations: ['US'] })] }), templates));
    expect(new RegExp(f!.regex).test('us-east-1')).toBe(true);
  });
});

describe('selection: fluidos and the money quota', () => {
  const tenantYaml = 'apiVersion: flare.fluidos.eu/v1alpha1\nkind: Tenant\nmetadata: {name: a}\nspec:\n  quota: {max_hourly_cost: 10 EUR}\n';
  const intentYaml = (name: string, extra: string) =>
    `apiVersion: flare.fluidos.eu/v1alpha1\nkind: Intent\nmetadata: {name: ${name}}\nspec:\n  objective: Cost_Minimization\n${extra}  workload: {type: service, image: "nginx:1.27", resources: {gpu: {count: 2}}}\n`;

  test('a fluidos intent without a budget under a money quota is a located error saying why', () => {
    const m = parseRepo([
      { path: 'tenants/a.yaml', text: tenantYaml },
      { path: 'intents/a/f.yaml', text: intentYaml('f', '  selection: fluidos\n') },
      { path: 'intents/a/g.yaml', text: intentYaml('g', '') },
    ]);
    const f = m.diagnostics.filter((d) => d.file === 'intents/a/f.yaml');
    expect(f.map((d) => [d.severity, d.code])).toEqual([['error', 'quota-fluidos-unbounded']]);
    expect(f[0]!.line).toBeGreaterThan(0);
    expect(f[0]!.message).toMatch(/FLUIDOS/);
    expect(f[0]!.hint).toMatch(/max_hourly_cost/);
    // flare selection: the ranker checks the quota, so it stays a warning
    expect(m.diagnostics.filter((d) => d.file === 'intents/a/g.yaml').map((d) => d.severity)).toEqual(['warning']);
    expect(m.intents.map((i) => i.name)).toEqual(['g']);
  });

  test('with a budget the Solver carries the hourly_rate cap', () => {
    const m = parseRepo([
      { path: 'tenants/a.yaml', text: tenantYaml },
      { path: 'intents/a/f.yaml', text: intentYaml('f', '  selection: fluidos\n  constraints: {max_hourly_cost: 4 EUR}\n') },
    ]);
    expect(m.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const r = render(m, templates);
    const solver = r.objects.find((o) => o.object.kind === 'Solver')!.object;
    const rate = (solver.spec.selector.filters.gpuFilters as { field: string; data: { max: number } }[]).find((x) => x.field === 'hourly_rate');
    expect(rate?.data.max).toBe(2);
  });
});

describe('flare explain shows the tenant bound', () => {
  test('a fluidos intent without a location explains the region filter from tenant.allowed_locations', async () => {
    const { explainIntent } = await import('../../src/render/explain.js');
    const i = h.intent({ spec: { selection: 'fluidos' } });
    const report = explainIntent(i, DEFAULT_CONFIG, ['EU']);
    const e = report.fields.find((f) => f.field === 'tenant.allowed_locations');
    expect(e?.becomes.join(' ')).toMatch(/region/);
    expect(explainIntent(h.intent(), DEFAULT_CONFIG, ['EU']).fields.find((f) => f.field === 'tenant.allowed_locations')).toBeUndefined();
  });
});
