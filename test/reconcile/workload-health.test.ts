import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/k8s/object.js';
import { podReason, reasonLine, workloadHealth } from '../../src/reconcile/workload-health.js';

const pod = (name: string, status: Record<string, unknown>, nodeName?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns' },
  spec: { containers: [{ name: 'main', image: 'x' }], ...(nodeName ? { nodeName } : {}) },
  status,
});

describe('why a workload is not ready', () => {
  it('classifies unschedulable pods and lost nodes as placement problems', () => {
    const unsched = pod('a', { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.' }] });
    expect(podReason(unsched)).toEqual({ problem: 'placement', text: 'pod a Unschedulable: 0/1 nodes are available: 1 Insufficient nvidia.com/gpu.' });
    expect(podReason(pod('b', { phase: 'Failed', reason: 'NodeLost', message: 'node n is gone' }, 'n'))).toMatchObject({ problem: 'placement', node: 'n' });
  });

  it('classifies image pull errors, crash loops, failed containers and failing readiness as workload problems', () => {
    const pull = pod('a', { phase: 'Pending', containerStatuses: [{ name: 'main', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "r.invalid/x:1"' } } }] }, 'n');
    expect(podReason(pull)).toMatchObject({ problem: 'workload', text: 'pod a ImagePullBackOff: Back-off pulling image "r.invalid/x:1"' });
    const crash = pod('b', { phase: 'Running', containerStatuses: [{ name: 'main', state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, 'n');
    expect(podReason(crash)?.problem).toBe('workload');
    const exited = pod('c', { phase: 'Running', containerStatuses: [{ name: 'main', state: { terminated: { exitCode: 2, reason: 'Error' } } }] }, 'n');
    expect(podReason(exited)?.text).toBe('pod c container main exited with code 2 (Error)');
    const unready = pod('d', { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }, 'n');
    expect(podReason(unready)?.problem).toBe('workload');
    expect(podReason(pod('e', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }, 'n'))).toBeUndefined();
    expect(podReason(pod('f', { phase: 'Succeeded' }))).toBeUndefined();
  });

  it('a workload problem anywhere wins: it would follow the workload to any provider', () => {
    const h = workloadHealth([
      pod('z-unsched', { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] }),
      pod('a-pull', { phase: 'Pending', containerStatuses: [{ name: 'main', state: { waiting: { reason: 'ErrImagePull' } } }] }, 'n'),
    ]);
    expect(h.problem).toBe('workload');
    expect(reasonLine(h)).toBe('pod a-pull ErrImagePull (+1 more pod(s) not ready)');
    expect(workloadHealth([]).problem).toBeUndefined();
  });
});
