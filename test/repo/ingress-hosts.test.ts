import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseRepo } from '../../src/repo/parse.js';
import { render } from '../../src/render/render.js';
import { loadTemplates } from '../../src/render/load-templates.js';
import { specHash } from '../../src/intent/spec-hash.js';
import type { SourceFile } from '../../src/doc/source-file.js';

const tenant = (name: string, extra = '') => `apiVersion: flare.fluidos.eu/v1alpha1\nkind: Tenant\nmetadata: {name: ${name}}\nspec:\n  quota: {gpus: 8}\n${extra}`;
const intent = (name: string, ports: string) => `apiVersion: flare.fluidos.eu/v1alpha1
kind: Intent
metadata:
  name: ${name}
spec:
  objective: Cost_Minimization
  workload:
    type: service
    image: nginx:1.27
    ports:
${ports}    resources:
      gpu: {count: 1}
`;
const port = (domain: string, extra = '') => `      - {port: 8080, expose: true, domain: "${domain}"${extra}}\n`;

function errors(files: SourceFile[]) {
  return parseRepo(files).diagnostics.filter((d) => d.severity === 'error');
}

describe('ingress hosts belong to one intent', () => {
  it('a host claimed by two intents (two tenants) is an error on both files, naming the other', () => {
    const e = errors([
      { path: 'tenants/a.yaml', text: tenant('a') },
      { path: 'tenants/b.yaml', text: tenant('b') },
      { path: 'intents/a/web.yaml', text: intent('web', port('shop.example.com')) },
      { path: 'intents/b/evil.yaml', text: intent('evil', port('shop.example.com')) },
    ]);
    expect(e.map((d) => [d.file, d.code])).toEqual([
      ['intents/a/web.yaml', 'duplicate-host'],
      ['intents/b/evil.yaml', 'duplicate-host'],
    ]);
    expect(e[0]!.message).toContain('intents/b/evil.yaml');
    expect(e[1]!.message).toContain('intents/a/web.yaml');
    // located at the domain
    expect(e[1]!.line).toBe(11);
  });

  it('the same host twice in one intent is fine; different hosts are fine', () => {
    expect(
      errors([
        { path: 'tenants/a.yaml', text: tenant('a') },
        { path: 'intents/a/web.yaml', text: intent('web', port('shop.example.com') + '      - {port: 9090, expose: true, domain: "shop.example.com"}\n') },
        { path: 'intents/a/api.yaml', text: intent('api', port('api.example.com')) },
      ]),
    ).toEqual([]);
  });

  it('a wildcard host needs the tenant to allow it, and then covers the other intents hosts', () => {
    const e = errors([
      { path: 'tenants/a.yaml', text: tenant('a') },
      { path: 'intents/a/web.yaml', text: intent('web', port('*.example.com')) },
    ]);
    expect(e.map((d) => d.code)).toEqual(['wildcard-host']);
    expect(e[0]!.hint).toContain('allowed_wildcard_hosts');

    const ok = errors([
      { path: 'tenants/a.yaml', text: tenant('a', '  allowed_wildcard_hosts: ["*.example.com"]\n') },
      { path: 'intents/a/web.yaml', text: intent('web', port('*.example.com')) },
    ]);
    expect(ok).toEqual([]);

    const overlap = errors([
      { path: 'tenants/a.yaml', text: tenant('a', '  allowed_wildcard_hosts: ["*.example.com"]\n') },
      { path: 'tenants/b.yaml', text: tenant('b') },
      { path: 'intents/a/web.yaml', text: intent('web', port('*.example.com')) },
      { path: 'intents/b/shop.yaml', text: intent('shop', port('shop.example.com')) },
    ]);
    expect(overlap.map((d) => [d.file, d.code])).toEqual([
      ['intents/a/web.yaml', 'duplicate-host'],
      ['intents/b/shop.yaml', 'duplicate-host'],
    ]);
  });

  it('a tenant allowed_wildcard_hosts entry must be a wildcard host', () => {
    const e = errors([{ path: 'tenants/a.yaml', text: tenant('a', '  allowed_wildcard_hosts: ["example.com"]\n') }]);
    expect(e.map((d) => d.path)).toEqual(['spec.allowed_wildcard_hosts[0]']);
  });

  it('the tenant schema documents allowed_wildcard_hosts; the intent schema documents ports[].tls', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const tenantSchema = JSON.parse(readFileSync(path.join(root, 'schemas/tenant.json'), 'utf8'));
    const intentSchema = JSON.parse(readFileSync(path.join(root, 'schemas/intent.json'), 'utf8'));
    const Ajv = createRequire(import.meta.url)('ajv') as typeof import('ajv').default;
    const ajv = new Ajv({ strict: false });
    const v = ajv.compile(tenantSchema);
    expect(v(parse(tenant('a', '  allowed_wildcard_hosts: ["*.example.com"]\n')))).toBe(true);
    expect(JSON.stringify(intentSchema)).toContain('"tls"');
  });
});

describe('TLS when the intent asks for it', () => {
  it('ports with tls: true get an Ingress tls section; others do not', async () => {
    const files: SourceFile[] = [
      { path: 'tenants/a.yaml', text: tenant('a') },
      { path: 'intents/a/web.yaml', text: intent('web', port('shop.example.com', ', tls: true') + '      - {port: 9090, expose: true, domain: "plain.example.com"}\n') },
    ];
    const m = parseRepo(files);
    expect(m.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const i = m.intents[0]!;
    expect(i.spec.workload!.ports.map((p) => p.tls ?? false)).toEqual([true, false]);
    const s = {
      intent_id: i.id,
      tenant: 'a',
      name: 'web',
      phase: 'Running' as const,
      selection: 'flare' as const,
      spec_hash: specHash(i, m.config),
      placements: [{ solver: 'flare-a-web', attempt: 1, chosen: { candidate: 'pc', flavor: 'f', provider: 'p', owner: { domain: 'd', nodeID: 'n', ip: '1.2.3.4' }, model: 'nvidia-h100', count: 1, memory: '80Gi', region: 'eu-west-1', hourly_rate: 1, hourly_cost: 1, score: 1, breakdown: { cost: 1, performance: 0, latency: 0, energy: 0 } }, contract: { name: 'c', liqo_id: 'l' }, remote_cluster_id: 'cluster-1' }],
      history: [],
    };
    const r = render({ ...m, statuses: new Map([[i.id, s as never]]) }, (await loadTemplates(undefined)).templates);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const ing = r.objects.find((o) => o.object.kind === 'Ingress')!.object;
    expect(ing.spec.tls).toEqual([{ hosts: ['shop.example.com'], secretName: 'web-tls' }]);
    expect(ing.spec.rules.map((x: { host: string }) => x.host)).toEqual(['shop.example.com', 'plain.example.com']);
  });

  it('without tls nothing changes (no tls section, same spec hash as before the field existed)', () => {
    const m = parseRepo([
      { path: 'tenants/a.yaml', text: tenant('a') },
      { path: 'intents/a/web.yaml', text: intent('web', port('shop.example.com')) },
    ]);
    expect(m.intents[0]!.spec.workload!.ports[0]).toEqual({ port: 8080, protocol: 'TCP', expose: true, domain: 'shop.example.com' });
  });
});
