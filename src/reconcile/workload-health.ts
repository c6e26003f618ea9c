import type { KubeObject } from '../k8s/object.js';

/*
 * Why a workload is not ready, from its pods, in the cluster's own words. A reason is either a
 * placement problem (the pods cannot run where the intent was placed: unschedulable, node lost)
 * — another provider may do — or a workload problem (image pull errors, crashing or failed
 * containers, failing readiness) that follows the workload wherever it goes.
 */

type Problem = 'placement' | 'workload';

interface PodReason {
  problem: Problem;
  /** "pod web-abc-0 ImagePullBackOff: Back-off pulling image …" */
  text: string;
  node?: string;
}

/** Container waiting reasons that the workload itself causes. */
const WORKLOAD_WAITING = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

const PLACEMENT_FAILURES = new Set(['NodeLost', 'Evicted', 'Preempting', 'OutOfgpu', 'UnexpectedAdmissionError']);

function conditionOf(pod: KubeObject, type: string): { status?: string; reason?: string; message?: string } | undefined {
  const conds: unknown = pod.status?.conditions;
  if (!Array.isArray(conds)) return undefined;
  return conds.find((c: { type?: string }) => c?.type === type) as { status?: string; reason?: string; message?: string } | undefined;
}

function clip(s: string, max = 240): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The reason one pod is not ready, or undefined when it is ready (or finished fine). */
export function podReason(pod: KubeObject): PodReason | undefined {
  const name = pod.metadata.name;
  const st = pod.status ?? {};
  const node: unknown = pod.spec?.nodeName;
  const at = typeof node === 'string' && node ? { node } : {};
  if (st.phase === 'Succeeded') return undefined;
  if (st.phase === 'Failed') {
    const reason = typeof st.reason === 'string' ? st.reason : 'Failed';
    const msg = typeof st.message === 'string' && st.message ? `: ${st.message}` : '';
    return { problem: PLACEMENT_FAILURES.has(reason) ? 'placement' : 'workload', text: clip(`pod ${name} ${reason}${msg}`), ...at };
  }
  for (const cs of (Array.isArray(st.containerStatuses) ? st.containerStatuses : []) as { name?: string; state?: Record<string, { reason?: string; message?: string; exitCode?: number }> }[]) {
    const waiting = cs?.state?.waiting;
    if (waiting?.reason && WORKLOAD_WAITING.has(waiting.reason)) {
      return { problem: 'workload', text: clip(`pod ${name} ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`), ...at };
    }
    const term = cs?.state?.terminated;
    if (term && term.exitCode !== undefined && term.exitCode !== 0) {
      return { problem: 'workload', text: clip(`pod ${name} container ${cs.name ?? '?'} exited with code ${term.exitCode}${term.reason ? ` (${term.reason})` : ''}`), ...at };
    }
  }
  const scheduled = conditionOf(pod, 'PodScheduled');
  if (scheduled?.status === 'False') {
    return { problem: 'placement', text: clip(`pod ${name} ${scheduled.reason ?? 'Unschedulable'}${scheduled.message ? `: ${scheduled.message}` : ''}`) };
  }
  const ready = conditionOf(pod, 'Ready');
  if (st.phase === 'Running' && ready?.status !== 'True') {
    return { problem: 'workload', text: clip(`pod ${name} running but not ready${ready?.message ? `: ${ready.message}` : ' (readiness probe failing?)'}`), ...at };
  }
  return undefined;
}

interface Health {
  /** Distinct reasons, workload problems first, then by pod name. */
  reasons: PodReason[];
  /** The overall problem: workload when any pod shows one (it would fail anywhere), else placement. */
  problem?: Problem;
}

export function workloadHealth(pods: readonly KubeObject[]): Health {
  const reasons: PodReason[] = [];
  const sorted = [...pods].filter((p) => !p.metadata.deletionTimestamp).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  for (const p of sorted) {
    const r = podReason(p);
    if (r) reasons.push(r);
  }
  reasons.sort((a, b) => (a.problem === b.problem ? 0 : a.problem === 'workload' ? -1 : 1));
  const out: Health = { reasons };
  if (reasons.length) out.problem = reasons.some((r) => r.problem === 'workload') ? 'workload' : 'placement';
  return out;
}

/** One line for the status message: the first reason and how many more. */
export function reasonLine(h: Health): string | undefined {
  const first = h.reasons[0];
  if (!first) return undefined;
  const more = h.reasons.length - 1;
  return `${first.text}${more > 0 ? ` (+${more} more pod(s) not ready)` : ''}`;
}
