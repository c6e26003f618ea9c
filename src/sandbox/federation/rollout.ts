import type { KubeObject } from '../../k8s/object.js';

/*
 * A Deployment's RollingUpdate, as the ReplicaSet controller does it: pods whose template hash is
 * not the current one are old; new pods are added up to replicas + maxSurge in all, and old
 * pods go only while the ready ones stay at replicas - maxUnavailable or more (unready old pods
 * go first). Defaults 25% / 25% (surge rounded up, unavailable down; never both 0).
 */

function resolve(v: unknown, replicas: number, roundUp: boolean, dflt: string): number {
  const x = v === undefined || v === null ? dflt : v;
  if (typeof x === 'number') return Math.max(0, Math.floor(x));
  const m = /^(\d+)%$/.exec(String(x));
  if (m) {
    const f = (Number(m[1]) * replicas) / 100;
    return roundUp ? Math.ceil(f) : Math.floor(f);
  }
  const n = Number(x);
  return Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0;
}

const podReady = (p: KubeObject): boolean =>
  Array.isArray(p.status?.conditions) && p.status.conditions.some((c: { type?: string; status?: string }) => c?.type === 'Ready' && c.status === 'True');

interface RolloutStep {
  /** Old pods to delete now. */
  remove: KubeObject[];
  /** New pods to create now. */
  create: number;
}

/** The next step of a rollout, or undefined when every pod already has the current template. */
export function rolloutStep(d: KubeObject, pods: readonly KubeObject[], isCurrent: (p: KubeObject) => boolean, replicas: number): RolloutStep | undefined {
  const old = pods.filter((p) => !isCurrent(p));
  if (old.length === 0) return undefined;
  const cur = pods.filter(isCurrent);
  const ru = d.spec?.strategy?.type === 'Recreate' ? { maxSurge: 0, maxUnavailable: replicas } : (d.spec?.strategy?.rollingUpdate ?? {});
  const surge = resolve(ru.maxSurge, replicas, true, '25%');
  let unavailable = resolve(ru.maxUnavailable, replicas, false, '25%');
  if (surge === 0 && unavailable === 0) unavailable = 1;
  const minAvailable = Math.max(0, replicas - unavailable);
  let canLose = pods.filter(podReady).length - minAvailable;
  const remove: KubeObject[] = [];
  const byReadiness = [...old].sort((a, b) => Number(podReady(a)) - Number(podReady(b)));
  for (const p of byReadiness) {
    if (!podReady(p)) remove.push(p);
    else if (canLose > 0) {
      remove.push(p);
      canLose--;
    }
  }
  const left = pods.length - remove.length;
  const create = Math.max(0, Math.min(replicas - cur.length, replicas + surge - left));
  return { remove, create };
}
