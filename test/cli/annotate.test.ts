import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { runFlare, type FlareRun } from '../support/cli.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API } from '../../src/fluidos/types.js';
import type { KubeObject } from '../../src/k8s/object.js';
import { startApiServer, writeKubeconfig } from '../../src/sandbox/api/index.js';
import { startSandbox } from '../../src/sandbox/index.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flare-annotate-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function flare(...args: string[]): Promise<FlareRun> {
  return runFlare(args, dir);
}

const A6000_NODE = `apiVersion: v1
kind: Node
metadata:
  name: gpu-a6000
  labels:
    nvidia.com/gpu.product: NVIDIA-RTX-A6000
    nvidia.com/gpu.count: "2"
    nvidia.com/gpu.memory: "49140"
    nvidia.com/gpu.compute.major: "8"
    nvidia.com/gpu.compute.minor: "6"
  annotations:
    gpu.fluidos.eu/count: "1"
    gpu.fluidos.eu/memory-per-gpu: 48Gi
---
apiVersion: v1
kind: Node
metadata:
  name: cpu-only
  labels: {kubernetes.io/os: linux}
`;

const MI300X_LIST = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata:
    name: gpu-mi300x
    labels:
      amd.com/gpu.product: AMD-Instinct-MI300X
      amd.com/gpu.count: "8"
      amd.com/gpu.memory: "192000"
`;

describe('flare annotate --from', () => {
  it('prints the diff per node and warnings on stderr', async () => {
    await writeFile(join(dir, 'nodes.yaml'), A6000_NODE);
    await writeFile(join(dir, 'amd.yaml'), MI300X_LIST);
    const r = await flare('annotate', '--from', 'nodes.yaml', 'amd.yaml', '--region', 'eu-west-1', '--rate', '1.2', '--provider', 'acme');
    expect(r.stderr).toContain('warning: node cpu-only: no NVIDIA or AMD GPU operator product label');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('node gpu-a6000 (nvidia-rtx-a6000 x2):');
    expect(lines).toContain('  + gpu.fluidos.eu/model=nvidia-rtx-a6000');
    expect(lines).toContain('  + gpu.fluidos.eu/memory=48Gi');
    expect(lines).toContain('  + gpu.fluidos.eu/compute_capability=8.6');
    expect(lines).toContain('  ~ gpu.fluidos.eu/count: 1 -> 2');
    expect(lines).toContain('  - gpu.fluidos.eu/memory-per-gpu=48Gi (fork spelling of gpu.fluidos.eu/memory)');
    expect(lines).toContain('  + cost.fluidos.eu/hourly-rate=1.2');
    expect(lines).toContain('  + label node.fluidos.eu/gpu=true');
    expect(lines).toContain('  + label node-role.fluidos.eu/resources=true');
    expect(lines).toContain('node cpu-only: no GPU operator labels, skipped');
    expect(lines).toContain('node gpu-mi300x (amd-mi300x x8):');
    expect(lines).toContain('  + gpu.fluidos.eu/memory=192Gi');
    expect(lines).toContain('  + gpu.fluidos.eu/interconnect=infinity-fabric');
  });

  it('uses an admin values file, with flags winning, and writes JSON', async () => {
    await writeFile(join(dir, 'admin.yaml'), 'defaults:\n  region: eu-west-1\n  hourlyRate: 2\nnodes:\n  gpu-mi300x:\n    region: us-east-1\n    provider: big-iron\n');
    const r = await flare('annotate', '--from', 'nodes.yaml', 'amd.yaml', '--admin-values', 'admin.yaml', '--rate', '3', '--output', 'json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { nodes: { node: string; gpu: boolean; annotations: Record<string, string>; applied: boolean }[] };
    const mi = doc.nodes.find((n) => n.node === 'gpu-mi300x')!;
    expect(mi.annotations['location.fluidos.eu/region']).toBe('us-east-1');
    expect(mi.annotations['provider.fluidos.eu/name']).toBe('big-iron');
    expect(mi.annotations['cost.fluidos.eu/hourly-rate']).toBe('3');
    expect(mi.applied).toBe(false);
    const a6000 = doc.nodes.find((n) => n.node === 'gpu-a6000')!;
    expect(a6000.annotations['location.fluidos.eu/region']).toBe('eu-west-1');
    expect(doc.nodes.find((n) => n.node === 'cpu-only')!.gpu).toBe(false);
  });

  it('takes --preemptible / --no-preemptible as a tri-state', async () => {
    const pre = (r: { stdout: string }) =>
      (JSON.parse(r.stdout) as { nodes: { annotations: Record<string, string> }[] }).nodes[0]!.annotations['provider.fluidos.eu/preemptible'];
    expect(pre(await flare('annotate', '--from', 'amd.yaml', '--preemptible', '-o', 'json'))).toBe('true');
    expect(pre(await flare('annotate', '--from', 'amd.yaml', '--no-preemptible', '-o', 'json'))).toBe('false');
    expect(pre(await flare('annotate', '--from', 'amd.yaml', '-o', 'json'))).toBeUndefined();
  });

  it('exits 1 when admin values break the annotation rules', async () => {
    const r = await flare('annotate', '--from', 'amd.yaml', '--region', 'US East', '--rate', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/location\.fluidos\.eu\/region=US East: must be lowercase/);
  });

  it('rejects bad usage with exit 2', async () => {
    expect((await flare('annotate', '--from', 'amd.yaml', '--rate', 'cheap')).code).toBe(2);
    expect((await flare('annotate', '--from', 'amd.yaml', '--apply')).code).toBe(2);
    expect((await flare('annotate', '--from', 'missing.yaml')).code).toBe(2);
    expect((await flare('annotate', '--from', 'amd.yaml', '--node', 'nope')).code).toBe(2);
  });
});

describe('flare annotate --check', () => {
  it('lists every violation per node and exits 1', async () => {
    await writeFile(
      join(dir, 'bad.yaml'),
      `apiVersion: v1
kind: Node
metadata:
  name: bad
  annotations:
    gpu.fluidos.eu/vendor: nvidia
    gpu.fluidos.eu/model: H100
    gpu.fluidos.eu/count: "0"
    gpu.fluidos.eu/memory: 80GB
    gpu.fluidos.eu/memroy: 80Gi
    cost.fluidos.eu/currency: USD
---
apiVersion: v1
kind: Node
metadata:
  name: good
  annotations:
    gpu.fluidos.eu/model: nvidia-h100
    gpu.fluidos.eu/count: "4"
    gpu.fluidos.eu/memory: 80Gi
`,
    );
    const r = await flare('annotate', '--check', '--from', 'bad.yaml');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('node bad: 5 violations');
    expect(r.stdout).toContain('  gpu.fluidos.eu/model=H100: must be lowercase, hyphenated and vendor-prefixed');
    expect(r.stdout).toContain('  gpu.fluidos.eu/count=0: must be a positive integer');
    expect(r.stdout).toContain('  gpu.fluidos.eu/memory=80GB: must be a quantity in Gi, e.g. 80Gi');
    expect(r.stdout).toContain('  gpu.fluidos.eu/memroy=80Gi: unknown annotation; did you mean gpu.fluidos.eu/memory?');
    expect(r.stdout).toContain('  cost.fluidos.eu/currency=USD: must be EUR');
    expect(r.stdout).toContain('node good: ok');

    const good = await flare('annotate', '--check', '--from', 'bad.yaml', '--node', 'good', '--output', 'json');
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toEqual({ ok: true, nodes: [{ node: 'good', violations: [] }] });
  });
});

describe('flare annotate against an API server', () => {
  it('--apply patches annotations and labels; a second run is up to date; --check passes', async () => {
    const api = await startApiServer();
    try {
      const kc = join(dir, 'kc-plain');
      await writeKubeconfig(kc, api.url, { token: api.token });
      api.store.create({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: 'hgx-1',
          labels: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3', 'nvidia.com/gpu.count': '8', 'nvidia.com/gpu.memory': '81559' },
          annotations: { 'gpu.fluidos.eu/memory-per-gpu': '64Gi', 'keep.me/x': 'y' },
        },
      });
      const r = await flare('annotate', '--kubeconfig', kc, '--region', 'eu-central-1', '--rate', '2', '--provider', 'hgx', '--apply');
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('node hgx-1: patched');
      const node = api.store.get({ apiVersion: 'v1', kind: 'Node', name: 'hgx-1' })!;
      const a = node.metadata.annotations!;
      expect(a['gpu.fluidos.eu/model']).toBe('nvidia-h100');
      expect(a['gpu.fluidos.eu/memory']).toBe('80Gi');
      expect(a['gpu.fluidos.eu/interconnect']).toBe('nvlink');
      expect(a['gpu.fluidos.eu/memory-per-gpu']).toBeUndefined();
      expect(a['keep.me/x']).toBe('y');
      expect(node.metadata.labels!['node.fluidos.eu/gpu']).toBe('true');
      expect(node.metadata.labels!['node-role.fluidos.eu/resources']).toBe('true');

      const again = await flare('annotate', '--kubeconfig', kc, '--region', 'eu-central-1', '--rate', '2', '--provider', 'hgx', '--apply');
      expect(again.stdout).toBe('node hgx-1 (nvidia-h100 x8): up to date\n');
      expect(again.stderr).not.toContain('patched');
      expect((await flare('annotate', '--kubeconfig', kc, '--check')).code).toBe(0);
    } finally {
      await api.close();
    }
  });

  it('--apply on a sandbox provider node: its Flavor follows the new annotations', async () => {
    const sb = await startSandbox();
    try {
      const provider = sb.federation.providers.find((p) => p.nodes.length > 0)!;
      const pnode = provider.nodes[0]!;
      const [node] = sb.store.list('v1', 'Node', { labelSelector: `sandbox.flare.io/provider=${provider.name},sandbox.flare.io/node=${pnode.name}` }).items;
      expect(node).toBeDefined();
      const name = node!.metadata.name;
      // What the GPU operator would label: the node now reports 2 H200s.
      sb.store.patch({ apiVersion: 'v1', kind: 'Node', name }, { metadata: { labels: { 'nvidia.com/gpu.product': 'NVIDIA-H200', 'nvidia.com/gpu.count': '2', 'nvidia.com/gpu.memory': '143771' } } });

      const r = await flare('annotate', '--kubeconfig', sb.kubeconfigPath, '--node', name, '--region', provider.region, '--rate', '4.25', '--provider', provider.name, '--apply');
      expect(r.code).toBe(0);
      const a = sb.store.get({ apiVersion: 'v1', kind: 'Node', name })!.metadata.annotations!;
      expect(a['gpu.fluidos.eu/model']).toBe('nvidia-h200');
      expect(a['gpu.fluidos.eu/memory']).toBe('141Gi');

      const deadline = Date.now() + 5000;
      let gpu: Record<string, unknown> | undefined;
      for (;;) {
        const flavors = sb.store.list(API.nodecore, 'Flavor', { labelSelector: `sandbox.flare.io/provider=${provider.name},sandbox.flare.io/node=${pnode.name}` }).items as KubeObject[];
        gpu = flavors[0]?.spec?.flavorType?.typeData?.characteristics?.gpu;
        if (gpu?.model === 'nvidia-h200' || Date.now() > deadline) break;
        await new Promise((res) => setTimeout(res, 25));
      }
      expect(gpu?.model).toBe('nvidia-h200');
      expect(gpu?.memory).toBe('141Gi');
      expect(gpu?.count).toBe(2);
      expect(gpu?.hourly_rate).toBe(4.25);
    } finally {
      await sb.close();
    }
  });
});
