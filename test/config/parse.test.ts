import { describe, expect, it } from 'vitest';
import { parseConfig, parseTenant } from '../../src/config/parse.js';
import { DEFAULT_CONFIG } from '../../src/config/model.js';

describe('parseConfig', () => {
  it('merges over DEFAULT_CONFIG; durations become seconds; locations merge per name', () => {
    const r = parseConfig(
      `apiVersion: flare.fluidos.eu/v1alpha1
kind: FlareConfig
spec:
  consumer: {domain: c.example, nodeID: n1, ip: 10.0.0.1}
  selection: fluidos
  default_runtime: 4h
  locations:
    Nordics: [eu-north-*]
  weights:
    Cost_Minimization: {latency: 0.5}
  reconciler: {interval: 1m, max_backoff: 1h}
`,
      'flare.yaml',
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.config.consumer).toEqual({ domain: 'c.example', nodeID: 'n1', ip: '10.0.0.1' });
    expect(r.config.selection).toBe('fluidos');
    expect(r.config.default_runtime_seconds).toBe(14400);
    expect(r.config.locations['Nordics']).toEqual(['eu-north-*']);
    expect(r.config.locations['EU']).toEqual(['eu-*']);
    expect(r.config.weights.Cost_Minimization).toEqual({ ...DEFAULT_CONFIG.weights.Cost_Minimization, latency: 0.5 });
    expect(r.config.reconciler.interval_seconds).toBe(60);
    expect(r.config.reconciler.max_backoff_seconds).toBe(3600);
    expect(r.config.currency).toBe('EUR');
    // the default is not mutated
    expect(DEFAULT_CONFIG.locations['Nordics']).toBeUndefined();
  });

  it('reports bad values with positions and falls back to the defaults', () => {
    const r = parseConfig('apiVersion: flare.fluidos.eu/v1alpha1\nkind: FlareConfig\nspec:\n  selection: first\n  reconciler: {intervall: 1m}\n', 'flare.yaml');
    expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.path} ${d.code} ${d.hint ?? ''}`)).toEqual([
      '4:14 spec.selection bad-enum ',
      '5:16 spec.reconciler.intervall unknown-field did you mean "interval"?',
    ]);
    expect(r.config).toEqual(DEFAULT_CONFIG);
  });
});

describe('parseTenant', () => {
  const text = (name: string, extra = '') => `apiVersion: flare.fluidos.eu/v1alpha1
kind: Tenant
metadata:
  name: ${name}
spec:
  owners: [{kind: User, name: alice}]
  quota: {gpus: 8, max_hourly_cost: 20 EUR}
  allowed_locations: [eu, edge]
${extra}`;

  it('reads owners, quotas and allowed locations (catalog spelling)', () => {
    const r = parseTenant(text('team-a'), 'tenants/team-a.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.tenant).toEqual({
      name: 'team-a',
      file: 'tenants/team-a.yaml',
      owners: [{ kind: 'User', name: 'alice' }],
      quota: { gpus: 8, max_hourly_cost: 20 },
      allowed_locations: ['EU', 'edge'],
    });
    expect(r.quotaPositions?.gpus).toEqual({ line: 7, column: 17 });
  });

  it('metadata.name must equal the file base name', () => {
    const r = parseTenant(text('team-b'), 'tenants/team-a.yaml');
    expect(r.tenant).toBeUndefined();
    expect(r.diagnostics[0]).toMatchObject({ code: 'name-mismatch', line: 4, column: 9 });
  });

  it('checks the money quota currency against flare.yaml', () => {
    const r = parseTenant(text('team-a'), 'tenants/team-a.yaml', { config: { ...DEFAULT_CONFIG, currency: 'CHF' } });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['currency-mismatch']);
    expect(r.diagnostics[0]!.message).toContain('expected CHF');
  });
});
