// The workload's health as the status reports it: replicas ready, the pods' reason for not being
// ready (workload-health.ts reads the pods).
import type { KubeObject } from '../k8s/object.js';
import type { IntentStatus } from '../status/model.js';
import { intentNamespace } from '../k8s/names.js';
import { reasonLine, workloadHealth } from './workload-health.js';
import { condition, type Ctx } from './advance-context.js';

interface WorkloadView {
  phase: 'Deploying' | 'Running' | 'Completed' | 'Failed';
  status?: IntentStatus['workload'];
  message: string;
}

export function workloadState(ctx: Ctx): WorkloadView {
  const { intent, observed: obs } = ctx.args;
  const w = intent.spec.workload;
  if (!w) return { phase: 'Running', message: 'capacity reserved: virtual node(s) Ready' };
  const expected = ctx.status.placements.length;
  const kind: 'Deployment' | 'Job' = w.type === 'batch' ? 'Job' : 'Deployment';
  const objs = (obs.workloads.get(intent.id) ?? []).filter(
    (o) => o.kind === kind && o.metadata.namespace === intentNamespace(intent.tenant, intent.name),
  );
  const off = obs.offloadings.get(intentNamespace(intent.tenant, intent.name));
  const offPhase: unknown = off?.status?.offloadingPhase;
  if (kind === 'Deployment') {
    let replicas = 0;
    let readyReplicas = 0;
    let allReady = objs.length >= expected;
    for (const d of objs) {
      const want = typeof d.spec?.replicas === 'number' ? d.spec.replicas : 1;
      const have = typeof d.status?.readyReplicas === 'number' ? d.status.readyReplicas : 0;
      replicas += want;
      readyReplicas += have;
      if (have < want) allReady = false;
    }
    const status: IntentStatus['workload'] = { kind, ready: allReady, replicas, ready_replicas: readyReplicas };
    if (allReady) return { phase: 'Running', status, message: `${readyReplicas}/${replicas} replicas ready` };
    const off_ = typeof offPhase === 'string' ? `; offloading ${offPhase}` : '';
    const why = notReadyReason(ctx, status);
    return { phase: 'Deploying', status: objs.length ? status : undefined, message: `${readyReplicas}/${replicas || '?'} replicas ready${why ? `: ${why}` : off_}` };
  }
  let succeeded = 0;
  let failed = 0;
  let complete = objs.length >= expected;
  let jobFailed = false;
  for (const j of objs) {
    succeeded += typeof j.status?.succeeded === 'number' ? j.status.succeeded : 0;
    failed += typeof j.status?.failed === 'number' ? j.status.failed : 0;
    if (condition(j, 'Failed') === 'True') jobFailed = true;
    if (condition(j, 'Complete') !== 'True') complete = false;
  }
  const status: IntentStatus['workload'] = { kind, ready: complete, succeeded, failed };
  if (jobFailed) {
    const cond = objs.map((j) => conditionMessage(j, 'Failed')).find((m) => m);
    const pod = workloadHealth(obs.pods.get(intent.id) ?? []).reasons.find((r) => r.problem === 'workload')?.text;
    const why = cond ?? pod;
    if (why) {
      status.reason = why;
      status.problem = 'workload';
    }
    return { phase: 'Failed', status, message: `job failed (${failed} failed pod(s))${why ? `: ${why}` : ''}` };
  }
  if (complete) return { phase: 'Completed', status, message: `job complete (${succeeded} succeeded)` };
  const why = objs.length ? notReadyReason(ctx, status) : undefined;
  return {
    phase: 'Deploying',
    status: objs.length ? status : undefined,
    message: objs.length ? `job running (${succeeded} succeeded)${why ? `: ${why}` : ''}` : 'workload applied, waiting for it',
  };
}

function conditionMessage(o: KubeObject, type: string): string | undefined {
  const conds: unknown = o.status?.conditions;
  if (!Array.isArray(conds)) return undefined;
  const c = conds.find((x: { type?: string; status?: string }) => x?.type === type && x.status === 'True') as { message?: unknown } | undefined;
  return typeof c?.message === 'string' && c.message ? c.message : undefined;
}

/** The pods' reason for not being ready, recorded on the workload status; undefined when none shows. */
function notReadyReason(ctx: Ctx, status: NonNullable<IntentStatus['workload']>): string | undefined {
  const h = workloadHealth(ctx.args.observed.pods.get(ctx.args.intent.id) ?? []);
  const line = reasonLine(h);
  if (line) {
    status.reason = line;
    if (h.problem) status.problem = h.problem;
  }
  return line;
}
