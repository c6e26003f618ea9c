import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KubeConfig, CustomObjectsApi } from '@kubernetes/client-node';
import { startSandbox } from '../../../src/sandbox/index.js';
import { sandboxFetch } from '../../support/sandbox-fetch.js';
import { parseFederation } from '../../../src/sandbox/federation/model.js';
import { federationFlavors } from '../../../src/sandbox/federation/flavors.js';

describe('startSandbox', () => {
  it('serves the federation over HTTP, with a kubeconfig @kubernetes/client-node accepts, and API faults pass through', async () => {
    const sb = await startSandbox({ stepDelayMs: 1 });
    try {
      expect(sb.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(readFileSync(sb.kubeconfigPath, 'utf8')).toContain(sb.url);
      const kc = new KubeConfig();
      kc.loadFromFile(sb.kubeconfigPath);
      const api = kc.makeApiClient(CustomObjectsApi);
      const list = (await api.listNamespacedCustomObject({ group: 'nodecore.fluidos.eu', version: 'v1alpha1', namespace: 'fluidos', plural: 'flavors' })) as { items: { metadata: { name: string } }[] };
      expect(list.items).toHaveLength(federationFlavors(sb.federation).length);
      expect(sb.store.get({ apiVersion: 'v1', kind: 'Namespace', name: 'fluidos' })).toBeDefined();

      sb.faults.api({ errorRate: 1 });
      expect((await sandboxFetch(`${sb.url}/api/v1/nodes`, { token: sb.token })).status).toBe(500);
      sb.faults.clear();
      expect((await sandboxFetch(`${sb.url}/api/v1/nodes`, { token: sb.token })).status).toBe(200);

      sb.faults.providerDown('provider-sg');
      expect(sb.store.get({ apiVersion: 'nodecore.fluidos.eu/v1alpha1', kind: 'Flavor', namespace: 'fluidos', name: 'k8slice-provider-sg-a100-1x' })?.spec.availability).toBe(false);
      expect(sb.stats().simulator.providersDown).toEqual(['provider-sg']);
      sb.faults.clear();
      expect(sb.store.get({ apiVersion: 'nodecore.fluidos.eu/v1alpha1', kind: 'Flavor', namespace: 'fluidos', name: 'k8slice-provider-sg-a100-1x' })?.spec.availability).toBe(true);
      expect(() => sb.faults.providerDown('nope')).toThrow(/no provider nope/);
    } finally {
      await sb.close();
    }
    expect(existsSync(sb.kubeconfigPath)).toBe(false);
  });

  it('loads a custom federation', async () => {
    const federation = parseFederation('providers:\n  - name: solo\n    region: eu-west-1\n    nodes:\n      - {name: g, cpu: 8, memory: 32Gi, gpu: {model: nvidia-l4, count: 1, memory: 24Gi, hourly_rate: 0.5}}\n');
    const sb = await startSandbox({ federation, stepDelayMs: 1 });
    try {
      expect(sb.store.list('nodecore.fluidos.eu/v1alpha1', 'Flavor').items.map((f) => f.metadata.name)).toEqual(['k8slice-solo-g']);
    } finally {
      await sb.close();
    }
  });
});
