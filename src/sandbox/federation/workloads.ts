import { refOf, type KubeObject } from '../../k8s/object.js';
import { dnsLabel } from '../../k8s/names.js';
import { shortHash } from '../../util/hash.js';
import { parseQuantity } from '../../util/quantity.js';
import { isNodeReady } from './flavors.js';
import { LABEL_LIQO_TYPE, matchNodeSelector, readyOffloading } from './liqo-controllers.js';
import type { SimulatorHost } from './host.js';
import { FM_KUBE } from './field-managers.js';
import { rolloutStep } from './rollout.js';
import { faultedStatus, imageFault, insufficientMessage, nodeIsFull } from './pod-faults.js';

/*
 * Stand-ins for the kube-controller-manager, the scheduler and the kubelets of the virtual
 * nodes: Deployments and Jobs in offloaded namespaces get Pods bound to a matching Ready virtual
 * node with room for their requests; a Pod that fits nowhere stays Pending (Unschedulable).
 */

type Resources = Record<string, number>;

function podRequests(spec: any): Resources {
  const out: Resources = {};
  for (const c of [...(spec?.containers ?? []), ...[]]) {
    const req = { ...(c?.resources?.limits ?? {}), ...(c?.resources?.requests ?? {}) } as Record<string, unknown>;
    for (const [k, v] of Object.entries(req)) {
      const n = typeof v === 'string' || typeof v === 'number' ? parseQuantity(v) : undefined;
      if (n !== undefined) out[k] = (out[k] ?? 0) + n;
    }
  }
  return out;
}

const isTerminal = (p: KubeObject) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

function ownedPods(sim: SimulatorHost, owner: KubeObject): KubeObject[] {
  return sim.view
    .list('v1', 'Pod', { namespace: owner.metadata.namespace })
    .items.filter((p) => (p.metadata.ownerReferences ?? []).some((r) => (r as { uid?: string }).uid === owner.metadata.uid));
}

/** The Ready virtual node, among those the namespace is offloaded to, that fits the pod. */
function pickNode(sim: SimulatorHost, pod: KubeObject, offloading: KubeObject): KubeObject | undefined {
  const want = podRequests(pod.spec);
  const selector = (pod.spec?.nodeSelector ?? {}) as Record<string, string>;
  const nodes = sim.view
    .list('v1', 'Node', { labelSelector: `${LABEL_LIQO_TYPE}=virtual-node` })
    .items.filter((n) => isNodeReady(n) && matchNodeSelector(offloading.spec?.clusterSelector, n))
    .filter((n) => Object.entries(selector).every(([k, v]) => n.metadata.labels?.[k] === v))
    .filter((n) => matchNodeSelector(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, n))
    .filter((n) => !nodeIsFull(sim, n));
  if (nodes.length === 0) return undefined;
  const bound = sim.view.list('v1', 'Pod').items.filter((p) => p.spec?.nodeName && !isTerminal(p));
  let best: { node: KubeObject; free: number[] } | undefined;
  for (const n of nodes) {
    const used: Resources = {};
    for (const p of bound) {
      if (p.spec.nodeName !== n.metadata.name) continue;
      for (const [k, v] of Object.entries(podRequests(p.spec))) used[k] = (used[k] ?? 0) + v;
    }
    const alloc = (n.status?.allocatable ?? {}) as Record<string, string>;
    const fits = Object.entries(want).every(([k, v]) => {
      if (v === 0) return true;
      const cap = parseQuantity(alloc[k] ?? '0') ?? 0;
      return (used[k] ?? 0) + v <= cap + 1e-9;
    });
    const podsCap = parseQuantity(alloc.pods ?? '110') ?? 110;
    const podsUsed = bound.filter((p) => p.spec.nodeName === n.metadata.name).length;
    if (!fits || podsUsed >= podsCap) continue;
    const free = spreadScore(alloc, used);
    if (!best || compareScores(free, best.free) > 0) best = { node: n, free };
  }
  return best?.node;
}

/*
 * Like kube-scheduler's LeastAllocated scoring, the pod goes to the fitting node with the most room
 * left (GPUs of any vendor, then cpu, then memory; the first node by name on a tie), not the first
 * one that fits: on a shared provider a pod lands on any virtual node its selectors allow, so only
 * its own selectors keep it on its own allocation's node.
 */
function spreadScore(alloc: Record<string, string>, used: Resources): number[] {
  const free = (k: string) => (parseQuantity(alloc[k] ?? '0') ?? 0) - (used[k] ?? 0);
  const gpus = Object.keys(alloc).filter((k) => k.includes('/')).reduce((sum, k) => sum + free(k), 0);
  return [gpus, free('cpu'), free('memory')];
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i]! !== b[i]!) return a[i]! - b[i]!;
  return 0;
}

function podFor(owner: KubeObject, index: number, extraLabels: Record<string, string>): KubeObject {
  const template = owner.spec?.template ?? {};
  const hash = shortHash(owner.metadata.uid ?? owner.metadata.name, 5);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: dnsLabel([owner.metadata.name, hash, String(index)]),
      namespace: owner.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), ...extraLabels },
      annotations: { ...(template.metadata?.annotations ?? {}), 'sandbox.flare.io/index': String(index) },
      ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: { ...(template.spec ?? {}), restartPolicy: template.spec?.restartPolicy ?? (owner.kind === 'Job' ? 'Never' : 'Always') },
    status: {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'waiting for a virtual node' }],
    },
  };
}

/**
 * Moves each non-terminal pod one step: unbound → bound (or stays Pending), bound → Running,
 * Running on a lost node → Failed. Returns how many pods are Running and Ready.
 */
function stepPods(sim: SimulatorHost, pods: KubeObject[], offloading: KubeObject | undefined): number {
  let ready = 0;
  for (const p of pods) {
    if (isTerminal(p)) continue;
    const now = sim.now();
    if (p.spec?.nodeName) {
      const node = sim.view.get({ apiVersion: 'v1', kind: 'Node', name: p.spec.nodeName });
      if (!node || !isNodeReady(node)) {
        sim.view.patchStatus(refOf(p), {
          phase: 'Failed',
          reason: 'NodeLost',
          message: `node ${p.spec.nodeName} ${node ? 'is not ready' : 'is gone'}`,
          conditions: [{ type: 'Ready', status: 'False', reason: 'NodeLost', lastTransitionTime: now }],
        }, { fieldManager: FM_KUBE });
        continue;
      }
      const fault = imageFault(p);
      if (fault) {
        const st = faultedStatus(p, fault, now);
        if (p.status?.phase !== st.phase || JSON.stringify(p.status?.containerStatuses?.[0]?.state) !== JSON.stringify((st.containerStatuses as { state: unknown }[])[0]?.state)) {
          sim.view.patchStatus(refOf(p), st, { fieldManager: FM_KUBE });
        }
        continue;
      }
      if (p.status?.phase !== 'Running') {
        sim.view.patchStatus(refOf(p), {
          phase: 'Running',
          startTime: now,
          hostIP: '10.244.0.1',
          podIP: `10.244.${(shortHash(p.metadata.name, 2).charCodeAt(0) % 250) + 1}.${(shortHash(p.metadata.name, 2).charCodeAt(1) % 250) + 1}`,
          conditions: [
            { type: 'PodScheduled', status: 'True', lastTransitionTime: p.status?.conditions?.[0]?.lastTransitionTime ?? now },
            { type: 'Initialized', status: 'True', lastTransitionTime: now },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status: 'True', lastTransitionTime: now },
          ],
          containerStatuses: (p.spec?.containers ?? []).map((c: { name?: string; image?: string }) => ({
            name: c.name ?? 'main', image: c.image ?? '', ready: true, restartCount: 0, started: true, state: { running: { startedAt: now } },
          })),
        }, { fieldManager: FM_KUBE });
        continue;
      }
      ready++;
      continue;
    }
    const node = offloading ? pickNode(sim, p, offloading) : undefined;
    if (node) {
      sim.view.patch(refOf(p), { spec: { nodeName: node.metadata.name } }, 'merge', { fieldManager: FM_KUBE });
      sim.view.patchStatus(refOf(p), { conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: now }] }, { fieldManager: FM_KUBE });
    } else {
      const full = offloading ? fullNodes(sim, offloading) : 0;
      const message = !offloading
        ? `namespace ${p.metadata.namespace} is not offloaded (no Ready NamespaceOffloading)`
        : full > 0
          ? insufficientMessage(p, full)
          : '0/0 virtual nodes are available: no offloaded node matches the pod or has room for its requests';
      if (p.status?.conditions?.[0]?.message !== message) {
        sim.view.patchStatus(refOf(p), { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastTransitionTime: now }] }, { fieldManager: FM_KUBE });
      }
    }
  }
  return ready;
}

/** Ready virtual nodes of the offloading whose provider has no room left (faults.providerFull). */
function fullNodes(sim: SimulatorHost, offloading: KubeObject): number {
  return sim.view
    .list('v1', 'Node', { labelSelector: `${LABEL_LIQO_TYPE}=virtual-node` })
    .items.filter((n) => isNodeReady(n) && matchNodeSelector(offloading.spec?.clusterSelector, n) && nodeIsFull(sim, n)).length;
}

function freeIndex(pods: KubeObject[]): number {
  const used = new Set(pods.map((p) => Number(p.metadata.annotations?.['sandbox.flare.io/index'] ?? -1)));
  let i = 0;
  while (used.has(i)) i++;
  return i;
}

function patchIfChanged(sim: SimulatorHost, o: KubeObject, status: Record<string, unknown>): void {
  const cur = o.status ?? {};
  const changed = Object.entries(status).some(([k, v]) => JSON.stringify(cur[k]) !== JSON.stringify(v));
  if (changed) sim.view.patchStatus(refOf(o), status, { fieldManager: FM_KUBE });
}

function condition(now: string, type: string, ok: boolean, reason: string, message: string, prev: any[] | undefined): Record<string, unknown> {
  const old = (prev ?? []).find((c) => c?.type === type);
  const status = ok ? 'True' : 'False';
  const t = old && old.status === status ? old.lastTransitionTime : now;
  return { type, status, reason, message, lastTransitionTime: t, lastUpdateTime: t };
}

export function reconcileDeployment(sim: SimulatorHost, ns: string, name: string): void {
  const d = sim.view.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name });
  if (!d || d.metadata.deletionTimestamp) return;
  const replicas = Number(d.spec?.replicas ?? 1);
  const offloading = readyOffloading(sim, ns);
  let pods = ownedPods(sim, d);
  // A ReplicaSet replaces failed pods.
  for (const p of pods.filter((x) => x.status?.phase === 'Failed')) sim.deleteQuietly(refOf(p));
  pods = pods.filter((x) => x.status?.phase !== 'Failed');
  const hash = shortHash(JSON.stringify(d.spec?.template ?? {}), 10);
  // a changed template rolls: new pods in, old pods out, as the strategy allows
  const step = rolloutStep(d, pods, (p) => p.metadata.labels?.['pod-template-hash'] === hash, replicas);
  if (step) {
    for (const p of step.remove) sim.deleteQuietly(refOf(p));
    pods = pods.filter((p) => !step.remove.includes(p));
    for (let i = 0; i < step.create; i++) pods.push(sim.view.create(podFor(d, freeIndex(pods), { 'pod-template-hash': hash }), { fieldManager: FM_KUBE }));
  }
  while (!step && pods.length < replicas) {
    const pod = podFor(d, freeIndex(pods), { 'pod-template-hash': hash });
    pods.push(sim.view.create(pod, { fieldManager: FM_KUBE }));
  }
  if (!step && pods.length > replicas) {
    const sorted = [...pods].sort((a, b) => Number(b.metadata.annotations?.['sandbox.flare.io/index'] ?? 0) - Number(a.metadata.annotations?.['sandbox.flare.io/index'] ?? 0));
    for (const p of sorted.slice(0, pods.length - replicas)) sim.deleteQuietly(refOf(p));
    pods = sorted.slice(pods.length - replicas);
  }
  const ready = stepPods(sim, pods, offloading);
  const available = ready >= replicas;
  patchIfChanged(sim, d, {
    observedGeneration: d.metadata.generation ?? 1,
    replicas: pods.length,
    updatedReplicas: pods.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash).length,
    readyReplicas: ready,
    availableReplicas: ready,
    unavailableReplicas: Math.max(0, replicas - ready),
    conditions: [
      condition(sim.now(), 'Available', available, available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.', d.status?.conditions),
      condition(sim.now(), 'Progressing', true, available ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated', available ? `ReplicaSet "${name}-${hash}" has successfully progressed.` : `ReplicaSet "${name}-${hash}" is progressing.`, d.status?.conditions),
    ],
  });
}

export function reconcileJob(sim: SimulatorHost, ns: string, name: string): number | void {
  const j = sim.view.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name });
  if (!j || j.metadata.deletionTimestamp) return;
  const conds: any[] = j.status?.conditions ?? [];
  if (conds.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')) return;
  const completions = Number(j.spec?.completions ?? 1);
  const parallelism = Number(j.spec?.parallelism ?? 1);
  const offloading = readyOffloading(sim, ns);
  const now = sim.now();
  let pods = ownedPods(sim, j);
  const startTime = j.status?.startTime ?? now;

  // Running pods finish after the simulated duration.
  let wake: number | undefined;
  for (const p of pods) {
    if (p.status?.phase !== 'Running') continue;
    const node = p.spec?.nodeName ? sim.view.get({ apiVersion: 'v1', kind: 'Node', name: p.spec.nodeName }) : undefined;
    if (!node || !isNodeReady(node)) continue; // stepPods fails it
    const started = Date.parse(p.status?.startTime ?? now);
    const left = started + sim.jobDurationMs - sim.nowMs();
    if (left > 0) {
      wake = Math.min(wake ?? left, left);
      continue;
    }
    sim.view.patchStatus(refOf(p), {
      phase: 'Succeeded',
      conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted', lastTransitionTime: now }],
      containerStatuses: (p.spec?.containers ?? []).map((c: { name?: string; image?: string }) => ({
        name: c.name ?? 'main', image: c.image ?? '', ready: false, restartCount: 0, started: false, state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: now } },
      })),
    }, { fieldManager: FM_KUBE });
  }
  pods = ownedPods(sim, j);
  const succeeded = pods.filter((p) => p.status?.phase === 'Succeeded').length;
  const failedPods = pods.filter((p) => p.status?.phase === 'Failed');
  if (failedPods.length > 0) {
    const msg = failedPods[0]?.status?.message ?? 'a pod failed';
    patchIfChanged(sim, j, {
      startTime,
      active: 0,
      succeeded,
      failed: failedPods.length,
      conditions: [
        { type: 'FailureTarget', status: 'True', reason: 'PodFailed', message: msg, lastProbeTime: now, lastTransitionTime: now },
        { type: 'Failed', status: 'True', reason: 'PodFailed', message: msg, lastProbeTime: now, lastTransitionTime: now },
      ],
    });
    for (const p of pods.filter((x) => !isTerminal(x))) sim.deleteQuietly(refOf(p));
    return;
  }
  if (succeeded >= completions) {
    patchIfChanged(sim, j, {
      startTime,
      completionTime: now,
      active: 0,
      ready: 0,
      succeeded,
      conditions: [
        { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastProbeTime: now, lastTransitionTime: now },
        { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastProbeTime: now, lastTransitionTime: now },
      ],
    });
    return;
  }
  let active = pods.filter((p) => !isTerminal(p));
  const want = Math.min(parallelism, completions - succeeded) - active.length;
  for (let i = 0; i < want; i++) {
    const all = ownedPods(sim, j);
    const pod = podFor(j, freeIndex(all), { 'job-name': name, 'batch.kubernetes.io/job-name': name, 'controller-uid': j.metadata.uid ?? '' });
    sim.view.create(pod, { fieldManager: FM_KUBE });
  }
  active = ownedPods(sim, j).filter((p) => !isTerminal(p));
  const ready = stepPods(sim, active, offloading);
  patchIfChanged(sim, j, { startTime, active: active.length, ready, succeeded });
  return wake;
}
