import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/k8s/object.js';
import { rolloutStep } from '../../src/sandbox/federation/rollout.js';

const pod = (name: string, hash: string, ready: boolean): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { 'pod-template-hash': hash } },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const dep = (rollingUpdate?: Record<string, unknown>): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { strategy: rollingUpdate ? { type: 'RollingUpdate', rollingUpdate } : undefined } });
const isNew = (p: KubeObject) => p.metadata.labels?.['pod-template-hash'] === 'new';

describe('sandbox Deployment rollout', () => {
  it('maxSurge 0 / maxUnavailable 1: one old pod out, one new pod in, the next only once it is ready', () => {
    const d = dep({ maxSurge: 0, maxUnavailable: 1 });
    const s1 = rolloutStep(d, [pod('o1', 'old', true), pod('o2', 'old', true)], isNew, 2)!;
    expect(s1.remove.map((p) => p.metadata.name)).toEqual(['o1']);
    expect(s1.create).toBe(1);
    expect(rolloutStep(d, [pod('o2', 'old', true), pod('n1', 'new', false)], isNew, 2)).toEqual({ remove: [], create: 0 });
    const s3 = rolloutStep(d, [pod('o2', 'old', true), pod('n1', 'new', true)], isNew, 2)!;
    expect(s3.remove.map((p) => p.metadata.name)).toEqual(['o2']);
    expect(s3.create).toBe(1);
    expect(rolloutStep(d, [pod('n1', 'new', true), pod('n2', 'new', true)], isNew, 2)).toBeUndefined();
  });

  it('maxSurge 100% / maxUnavailable 0: new pods first, old ones only once new ones are ready', () => {
    const d = dep({ maxSurge: '100%', maxUnavailable: 0 });
    expect(rolloutStep(d, [pod('o1', 'old', true)], isNew, 1)).toEqual({ remove: [], create: 1 });
    expect(rolloutStep(d, [pod('o1', 'old', true), pod('n1', 'new', false)], isNew, 1)).toEqual({ remove: [], create: 0 });
    expect(rolloutStep(d, [pod('o1', 'old', true), pod('n1', 'new', true)], isNew, 1)!.remove.map((p) => p.metadata.name)).toEqual(['o1']);
  });

  it('unready old pods go first and never count as available', () => {
    const d = dep({ maxSurge: 0, maxUnavailable: 1 });
    const s = rolloutStep(d, [pod('o1', 'old', false), pod('o2', 'old', true)], isNew, 2)!;
    expect(s.remove.map((p) => p.metadata.name)).toEqual(['o1']);
  });
});
