import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError, IoError } from '../../../src/errors.js';
import { parseFederation, readFederation } from '../../../src/sandbox/federation/model.js';
import { federationFlavors, federationNodes } from '../../../src/sandbox/federation/flavors.js';
import { defaultFederation } from '../../../src/sandbox/federation/default.js';
import { gpuFromAnnotations } from '../../../src/fluidos/annotations.js';

const YAML = `
providers:
  - name: acme
    domain: acme.fluidos.eu
    nodeID: acme-node
    ip: 10.1.1.1
    liqoClusterId: liqo-acme
    region: eu-west-1
    zone: eu-west-1b
    latency_ms: 12
    bandwidth_gbps: 40
    preemptible: true
    nodes:
      - name: gpu-1
        cpu: 32
        memory: 128Gi
        gpu: {model: nvidia-l40s, vendor: nvidia, count: 2, memory: 48Gi, hourly_rate: 1.25, tier: standard}
      - name: gpu-2
        cpu: "16"
        memory: 64Gi
        pods: 50
        annotations:
          gpu.fluidos.eu/model: nvidia-a10
          gpu.fluidos.eu/count: "1"
          gpu.fluidos.eu/memory-per-gpu: 24Gi
          location.fluidos.eu/region: eu-west-2
      - name: cpu-only
        cpu: 8
        memory: 16Gi
`;

describe('federation file', () => {
  it('parses providers and nodes, expands the compact gpu form, fills provider defaults', () => {
    const f = parseFederation(YAML, 'fed.yaml');
    expect(f.providers).toHaveLength(1);
    const p = f.providers[0]!;
    expect(p).toMatchObject({ name: 'acme', nodeID: 'acme-node', liqoClusterId: 'liqo-acme', latency_ms: 12, preemptible: true });
    const g1 = gpuFromAnnotations(p.nodes[0]!.annotations)!;
    expect(g1).toMatchObject({ model: 'nvidia-l40s', count: 2, memory: '48Gi', hourly_rate: 1.25, region: 'eu-west-1', zone: 'eu-west-1b', network_latency_ms: 12, pre_emptible: true, provider: 'acme' });
    // Explicit annotations win over provider defaults; the fork spelling is accepted.
    const g2 = gpuFromAnnotations(p.nodes[1]!.annotations)!;
    expect(g2).toMatchObject({ model: 'nvidia-a10', memory: '24Gi', region: 'eu-west-2' });
    expect(gpuFromAnnotations(p.nodes[2]!.annotations)).toBeUndefined();
  });

  it('makes one Node per node and one Flavor per GPU node', () => {
    const f = parseFederation(YAML, 'fed.yaml');
    const nodes = federationNodes(f);
    expect(nodes.map((n) => n.metadata.name)).toEqual(['acme-gpu-1', 'acme-gpu-2', 'acme-cpu-only']);
    expect(nodes[0]!.metadata.labels).toMatchObject({ 'node-role.fluidos.eu/resources': 'true', 'node.fluidos.eu/gpu': 'true', 'sandbox.flare.io/provider': 'acme' });
    expect(nodes[2]!.metadata.labels?.['node.fluidos.eu/gpu']).toBeUndefined();
    expect(nodes[0]!.status.capacity['nvidia.com/gpu']).toBe('2');
    const flavors = federationFlavors(f);
    expect(flavors.map((x) => x.metadata.name)).toEqual(['k8slice-acme-gpu-1', 'k8slice-acme-gpu-2']);
    const fl = flavors[0]!;
    expect(fl.metadata.namespace).toBe('fluidos');
    expect(fl.spec.owner).toEqual({ domain: 'acme.fluidos.eu', nodeID: 'acme-node', ip: '10.1.1.1', additionalInformation: { liqoID: 'liqo-acme' } });
    expect(fl.spec.price).toEqual({ amount: '1.25', currency: 'EUR', period: 'hourly' });
    expect(fl.spec.flavorType.typeData.characteristics).toMatchObject({ cpu: '32', memory: '128Gi', pods: '110' });
    expect(fl.spec.flavorType.typeData.policies.partitionability.gpuMin).toBe('1');
    expect(flavors[1]!.spec.flavorType.typeData.characteristics.pods).toBe('50');
  });

  it('reports every problem at once', () => {
    const bad = `
providers:
  - name: Bad_Name
    region: EU West
    nodes:
      - name: n1
        cpu: lots
        memory: 8Gi
        gpu: {model: nvidia-t4, colour: green}
        annotations: {gpu.fluidos.eu/count: "-1"}
  - name: dup
    region: eu-west-1
    nodes: []
    extra: 1
`;
    let err: unknown;
    try {
      parseFederation(bad, 'bad.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const paths = (err as ValidationError).diagnostics.map((d) => d.path).sort();
    expect(paths).toEqual(
      [
        'providers[0].name',
        'providers[0].region',
        'providers[0].nodes[0].cpu',
        'providers[0].nodes[0].gpu.colour',
        'providers[0].nodes[0].annotations.gpu.fluidos.eu/count',
        'providers[0].nodes[0].gpu.count',
        'providers[1].nodes',
        'providers[1].extra',
      ].sort(),
    );
    expect((err as ValidationError).diagnostics.every((d) => d.file === 'bad.yaml' && d.severity === 'error')).toBe(true);
  });

  it('rejects non-YAML and a missing providers list; readFederation reports a missing file as IoError', () => {
    expect(() => parseFederation('providers: [', 'x.yaml')).toThrow(ValidationError);
    expect(() => parseFederation('foo: 1', 'x.yaml')).toThrow(ValidationError);
    expect(() => readFederation('/nonexistent/fed.yaml')).toThrow(IoError);
    const dir = mkdtempSync(path.join(tmpdir(), 'fed-'));
    try {
      writeFileSync(path.join(dir, 'f.yaml'), YAML);
      expect(readFederation(path.join(dir, 'f.yaml')).providers[0]!.name).toBe('acme');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('default federation: per-GPU rates as the seeds price whole nodes, regions from the location catalog', () => {
    const f = defaultFederation();
    const gpuOf = (p: string, n: string) => gpuFromAnnotations(f.providers.find((x) => x.name === p)!.nodes.find((x) => x.name === n)!.annotations)!;
    const h100 = gpuOf('provider-de', 'h100-8x');
    expect(h100.hourly_rate! * h100.count!).toBe(75); // "H100 8x80Gi NVLink - €75/hour - Germany"
    const rtx = gpuOf('provider-fr', 'rtx4090-8x');
    expect(rtx.hourly_rate! * rtx.count!).toBe(4.5);
    expect(gpuOf('provider-ie', 'h100-4x')).toMatchObject({ count: 4, memory: '80Gi', hourly_rate: 2, region: 'eu-west-1' });
    expect(gpuOf('provider-us', 'mi300x-2x')).toMatchObject({ model: 'amd-mi300x', memory: '192Gi', region: 'us-east-1', vendor: 'amd' });
    for (const p of f.providers) expect(p.region).toMatch(/^(eu-|us-east-|ap-)[a-z0-9-]+$/);
    expect(federationNodes(f).find((n) => n.metadata.name === 'provider-us-mi300x-2x')!.status.capacity['amd.com/gpu']).toBe('2');
  });
});
