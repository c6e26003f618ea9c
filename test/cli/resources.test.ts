import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { runFlare, type FlareRun } from '../support/cli.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/model.js';
import { gpuFromAnnotations } from '../../src/fluidos/annotations.js';
import { API } from '../../src/fluidos/types.js';
import { regionInLocation, rowsFromCandidates, rowsFromFlavors, selectRows, type ResourceRow } from '../../src/provider/resources.js';
import { startApiServer, writeKubeconfig } from '../../src/sandbox/api/index.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';

let dir: string;
let sb: SandboxHandle;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-resources-'));
  sb = await startSandbox();
});
afterAll(async () => {
  await sb?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function flare(...args: string[]): Promise<FlareRun> {
  return runFlare(args, dir);
}

interface Expected {
  model: string;
  count: number;
  region: string;
  provider: string;
  rate: number | undefined;
}

/** What the default federation offers, from its own data. */
function federationOffers(): Expected[] {
  const out: Expected[] = [];
  for (const p of sb.federation.providers) {
    for (const n of p.nodes) {
      const gpu = gpuFromAnnotations(n.annotations);
      if (!gpu?.model || !gpu.count) continue;
      out.push({ model: gpu.model, count: gpu.count, region: gpu.region ?? p.region, provider: gpu.provider ?? p.name, rate: gpu.hourly_rate });
    }
  }
  return out;
}

async function jsonRows(...args: string[]): Promise<ResourceRow[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = await flare('resources', '--kubeconfig', sb.kubeconfigPath, '--output', 'json', ...args);
    expect(r.code).toBe(0);
    const rows = (JSON.parse(r.stdout) as { resources: ResourceRow[] }).resources;
    // The simulator creates Flavors right after start; wait until they are all there.
    if (args.length > 0 || rows.length >= federationOffers().length || Date.now() > deadline) return rows;
    await new Promise((res) => setTimeout(res, 50));
  }
}

const sig = (x: { model: string; count: number; region: string; provider: string }): string => `${x.provider}|${x.model}|${x.count}|${x.region}`;

describe('flare resources against the sandbox federation', () => {
  it('lists every GPU Flavor of the federation, cheapest first', async () => {
    const rows = await jsonRows();
    const expected = federationOffers();
    expect(expected.length).toBeGreaterThan(3);
    expect(rows.map(sig).sort()).toEqual(expected.map(sig).sort());
    for (const e of expected) {
      const row = rows.find((r) => sig(r) === sig(e))!;
      expect(row.ratePerGpu ?? undefined).toBe(e.rate);
      expect(row.available).toBe(true);
    }
    const rates = rows.map((r) => r.ratePerGpu ?? Infinity);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
  });

  it('filters by model and location, sorts by memory', async () => {
    const all = federationOffers();
    const model = all[0]!.model;
    const byModel = await jsonRows('--model', model);
    expect(byModel.length).toBe(all.filter((e) => e.model === model).length);
    expect(byModel.every((r) => r.model === model)).toBe(true);

    const eu = await jsonRows('--location', 'EU', '--sort', 'memory');
    expect(eu.length).toBe(all.filter((e) => e.region.startsWith('eu-')).length);
    const mem = eu.map((r) => (r as ResourceRow & { memoryGi: number }).memoryGi);
    expect(mem).toEqual([...mem].sort((a, b) => b - a));

    const region = all[all.length - 1]!.region;
    const exact = await jsonRows('--location', region);
    expect(exact.length).toBe(all.filter((e) => e.region === region).length);
  });

  it('prints a table with a header and one line per GPU offer', async () => {
    await jsonRows();
    const r = await flare('resources', '--kubeconfig', sb.kubeconfigPath);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^MODEL\s+COUNT\s+MEMORY\s+REGION\s+PROVIDER\s+EUR\/H PER GPU\s+LATENCY MS\s+AVAILABLE$/);
    expect(lines.length - 1).toBe(federationOffers().length);
  });

  it('uses the location catalog of a flare.yaml in the working directory', async () => {
    await jsonRows();
    const region = federationOffers()[0]!.region;
    await writeFile(join(dir, 'flare.yaml'), `apiVersion: flare.fluidos.eu/v1alpha1\nkind: FlareConfig\nspec:\n  locations:\n    Home: ["${region}"]\n`);
    try {
      const rows = await jsonRows('--location', 'home');
      expect(rows.length).toBe(federationOffers().filter((e) => e.region === region).length);
    } finally {
      await rm(join(dir, 'flare.yaml'));
    }
  });

  it('rejects bad flags', async () => {
    expect((await flare('resources', '--kubeconfig', sb.kubeconfigPath, '--sort', 'speed')).code).toBe(2);
    expect((await flare('resources', '--kubeconfig', sb.kubeconfigPath, '--source', 'nodes')).code).toBe(2);
  });
});

describe('flare resources --source candidates', () => {
  it('lists PeeringCandidates with their availability', async () => {
    const api = await startApiServer();
    try {
      api.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fluidos' } });
      const flavor = (model: string, rate: number, region: string) => ({
        apiVersion: API.nodecore,
        kind: 'Flavor',
        metadata: { name: `f-${model}`, namespace: 'fluidos' },
        spec: { availability: true, owner: { domain: `${region}.example` }, flavorType: { typeData: { characteristics: { gpu: { model, count: 1, memory: '24Gi', region, hourly_rate: rate } } } } },
      });
      api.store.create({ apiVersion: API.advertisement, kind: 'PeeringCandidate', metadata: { name: 'pc-1', namespace: 'fluidos' }, spec: { available: true, flavor: flavor('nvidia-rtx-4090', 0.65, 'eu-west-4') } });
      api.store.create({ apiVersion: API.advertisement, kind: 'PeeringCandidate', metadata: { name: 'pc-2', namespace: 'fluidos' }, spec: { available: false, flavor: flavor('nvidia-t4', 0.2, 'us-east-1') } });
      const kc = join(dir, 'kc-pc');
      await writeKubeconfig(kc, api.url, { token: api.token });
      const r = await flare('resources', '--kubeconfig', kc, '--source', 'candidates', '--output', 'json');
      expect(r.code).toBe(0);
      const rows = (JSON.parse(r.stdout) as { resources: ResourceRow[] }).resources;
      expect(rows.map((x) => [x.model, x.available, x.provider, x.source])).toEqual([
        ['nvidia-t4', false, 'us-east-1.example', 'fluidos/pc-2'],
        ['nvidia-rtx-4090', true, 'eu-west-4.example', 'fluidos/pc-1'],
      ]);
    } finally {
      await api.close();
    }
  });
});

describe('resource rows (pure)', () => {
  it('skips Flavors without GPU traits and matches locations through the catalog', () => {
    expect(rowsFromFlavors([{ apiVersion: API.nodecore, kind: 'Flavor', metadata: { name: 'cpu' }, spec: {} }])).toEqual([]);
    expect(rowsFromCandidates([{ apiVersion: API.advertisement, kind: 'PeeringCandidate', metadata: { name: 'x' }, spec: {} }])).toEqual([]);
    expect(regionInLocation('eu-west-1', 'EU', DEFAULT_CONFIG.locations)).toBe(true);
    expect(regionInLocation('us-east-1', 'EU', DEFAULT_CONFIG.locations)).toBe(false);
    expect(regionInLocation('eu-edge-1', 'edge', DEFAULT_CONFIG.locations)).toBe(true);
    expect(regionInLocation('us-east-1', 'us-east-1', DEFAULT_CONFIG.locations)).toBe(true);
    expect(regionInLocation('us-east-1', 'any', DEFAULT_CONFIG.locations)).toBe(true);
  });

  it('sorts rows without a price or latency last, ties by provider', () => {
    const row = (provider: string, rate?: number, latency?: number): ResourceRow => ({
      source: `ns/${provider}`, provider, model: 'nvidia-t4', count: 1, memory: '16Gi', region: 'eu-west-1', zone: '', ratePerGpu: rate, latencyMs: latency, available: true,
    });
    const rows = [row('c'), row('b', 2, 10), row('a', 2), row('d', 1, 50)];
    expect(selectRows(rows, { sort: 'price' }, {}).map((r) => r.provider)).toEqual(['d', 'a', 'b', 'c']);
    expect(selectRows(rows, { sort: 'latency' }, {}).map((r) => r.provider)).toEqual(['b', 'd', 'a', 'c']);
    expect(selectRows(rows, { model: 't4' }, {}).length).toBe(4);
  });
});

describe('model filter', () => {
  it('accepts catalog aliases and operator product names', () => {
    const row = (model: string): ResourceRow => ({
      source: `ns/${model}`, provider: 'p', model, count: 1, memory: '80Gi', region: 'eu-west-1', zone: '', ratePerGpu: 1, latencyMs: 1, available: true,
    });
    const rows = [row('nvidia-h100'), row('nvidia-h200'), row('nvidia-a100')];
    for (const q of ['h100', 'H100', 'NVIDIA-H100-80GB-HBM3', 'nvidia-h100']) {
      expect(selectRows(rows, { model: q }, {}).map((r) => r.model), q).toEqual(['nvidia-h100']);
    }
    expect(selectRows(rows, { model: 'a10' }, {})).toEqual([]);
  });
});
