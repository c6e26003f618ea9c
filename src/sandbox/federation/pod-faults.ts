import type { KubeObject } from '../../k8s/object.js';
import { LABEL_REMOTE_CLUSTER } from './liqo-controllers.js';
import type { SimulatorHost } from './host.js';

/*
 * What makes a sandbox pod fail the way real ones do, so "why is it not ready?" has a real answer:
 *
 * - an image whose registry host ends in `.invalid` (RFC 2606: never resolves) cannot be pulled:
 *   the pod stays Pending with `ErrImagePull`/`ImagePullBackOff`;
 * - an image tagged `crash` (e.g. `busybox:crash`) starts and exits with code 1: a Job's pod ends
 *   Failed (reason Error), a Deployment's pod is Running but never ready (`CrashLoopBackOff`);
 * - a provider marked full (`faults.providerFull`) has no room left on its virtual nodes: new pods
 *   stay Pending, Unschedulable, "Insufficient <gpu resource>".
 */

type ImageFault = { kind: 'pull'; image: string } | { kind: 'crash'; image: string };

function registryHost(image: string): string | undefined {
  const first = image.split('/')[0]!;
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first.replace(/:\d+$/, '') : undefined;
}

function tagOf(image: string): string | undefined {
  const last = image.split('/').pop()!;
  const at = last.indexOf('@');
  const name = at >= 0 ? last.slice(0, at) : last;
  const colon = name.indexOf(':');
  return colon >= 0 ? name.slice(colon + 1) : undefined;
}

export function imageFault(pod: KubeObject): ImageFault | undefined {
  for (const c of (pod.spec?.containers ?? []) as { image?: string }[]) {
    const image = c?.image ?? '';
    if (registryHost(image)?.endsWith('.invalid')) return { kind: 'pull', image };
  }
  for (const c of (pod.spec?.containers ?? []) as { image?: string }[]) {
    const image = c?.image ?? '';
    if (tagOf(image) === 'crash') return { kind: 'crash', image };
  }
  return undefined;
}

const ownerKind = (p: KubeObject): string | undefined => ((p.metadata.ownerReferences ?? [])[0] as { kind?: string } | undefined)?.kind;

/** The pod status a fault gives a bound pod, or undefined when the pod may run. */
export function faultedStatus(pod: KubeObject, fault: ImageFault, now: string): Record<string, unknown> {
  const containers = (pod.spec?.containers ?? []) as { name?: string; image?: string }[];
  const notReady = [
    { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
    { type: 'Initialized', status: 'True', lastTransitionTime: now },
    { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now },
    { type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now },
  ];
  if (fault.kind === 'pull') {
    const host = registryHost(fault.image) ?? '';
    return {
      phase: 'Pending',
      conditions: notReady,
      containerStatuses: containers.map((c) => ({
        name: c.name ?? 'main',
        image: c.image ?? '',
        ready: false,
        restartCount: 0,
        started: false,
        state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image ?? ''}": dial tcp: lookup ${host}: no such host` } },
      })),
    };
  }
  if (ownerKind(pod) === 'Job') {
    return {
      phase: 'Failed',
      reason: 'Error',
      message: `container ${containers[0]?.name ?? 'main'} (image ${fault.image}) exited with code 1`,
      conditions: notReady,
      containerStatuses: containers.map((c) => ({
        name: c.name ?? 'main', image: c.image ?? '', ready: false, restartCount: 0, started: false,
        state: { terminated: { exitCode: 1, reason: 'Error', finishedAt: now } },
      })),
    };
  }
  return {
    phase: 'Running',
    conditions: notReady,
    containerStatuses: containers.map((c) => ({
      name: c.name ?? 'main', image: c.image ?? '', ready: false, restartCount: 3, started: false,
      state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name ?? 'main'}: exited with code 1` } },
      lastState: { terminated: { exitCode: 1, reason: 'Error' } },
    })),
  };
}

/** A virtual node of a provider that has no room left (faults.providerFull). */
export function nodeIsFull(sim: SimulatorHost, node: KubeObject): boolean {
  const liqo = node.metadata.labels?.[LABEL_REMOTE_CLUSTER];
  const p = liqo ? sim.providersByLiqo.get(liqo) : undefined;
  return !!p && sim.full.has(p.name);
}

export function insufficientMessage(pod: KubeObject, nodes: number): string {
  const limits = { ...((pod.spec?.containers ?? [])[0]?.resources?.limits ?? {}) } as Record<string, unknown>;
  const gpu = Object.keys(limits).find((k) => k.endsWith('/gpu') || k.includes('gpu')) ?? 'nvidia.com/gpu';
  return `0/${nodes} nodes are available: ${nodes} Insufficient ${gpu}. preemption: 0/${nodes} nodes are available: ${nodes} No preemption victims found for incoming pod.`;
}
