import type { Diagnostic } from '../diagnostics.js';
import type { KubeObject } from '../k8s/object.js';
import { LABEL_CAPSULE_TENANT, LABEL_INTENT, LABEL_TENANT, MANAGED_BY } from '../k8s/names.js';
import { dropNulls } from './templates.js';
import type { ObjectPlan, RenderedKind } from './types.js';

/**
 * The policy every rendered object must meet, whatever template produced it. Templates are admin
 * territory (a repo may override them), but the admin of one repo must still not be able to reach
 * outside the plan: another namespace, another tenant's labels, a privileged pod, a host path, an
 * owner tenants/ does not list. The renderer's plan says what each object is; the template only
 * lays it out, so anything the plan does not say is a violation. Pure.
 */

/** API group/version of each kind, as the shipped templates write them. */
const API_VERSION: Record<RenderedKind, string> = {
  Tenant: 'capsule.clastix.io/v1beta2',
  Namespace: 'v1',
  Solver: 'nodecore.fluidos.eu/v1alpha1',
  NetworkPolicy: 'networking.k8s.io/v1',
  PersistentVolumeClaim: 'v1',
  Reservation: 'reservation.fluidos.eu/v1alpha1',
  Allocation: 'nodecore.fluidos.eu/v1alpha1',
  NamespaceOffloading: 'offloading.liqo.io/v1beta1',
  Deployment: 'apps/v1',
  Job: 'batch/v1',
  Service: 'v1',
  Ingress: 'networking.k8s.io/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  PodDisruptionBudget: 'policy/v1',
};

/** The only cluster-scoped objects the renderer plans. */
const CLUSTER_SCOPED = new Set<string>(['Tenant', 'Namespace']);

/** Label keys only FLARE may set: they decide ownership, tenancy and pruning. */
function isFlareLabel(key: string): boolean {
  return key === MANAGED_BY.key || key === LABEL_INTENT || key === LABEL_TENANT || key === LABEL_CAPSULE_TENANT || key.startsWith('flare.io/');
}

const HOST_NAMESPACES = ['hostPID', 'hostIPC', 'hostNetwork', 'hostUsers'] as const;

interface Violation {
  path: string;
  message: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (isRecord(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}

function checkContainer(c: unknown, at: string, out: Violation[]): void {
  if (!isRecord(c)) return;
  const sc = c.securityContext;
  if (!isRecord(sc)) return;
  if (sc.privileged === true) out.push({ path: `${at}.securityContext.privileged`, message: 'privileged containers are not allowed' });
  if (sc.allowPrivilegeEscalation === true) out.push({ path: `${at}.securityContext.allowPrivilegeEscalation`, message: 'privilege escalation is not allowed' });
  const caps = sc.capabilities;
  if (isRecord(caps) && Array.isArray(caps.add) && caps.add.length > 0) {
    out.push({ path: `${at}.securityContext.capabilities.add`, message: `added capabilities are not allowed (${caps.add.map(String).join(', ')})` });
  }
  if (typeof sc.procMount === 'string' && sc.procMount !== 'Default') out.push({ path: `${at}.securityContext.procMount`, message: 'an unmasked /proc is not allowed' });
}

/** Everything a pod spec may not do unless the plan says so (the plan never does today). */
function checkPodSpec(spec: unknown, planned: unknown, at: string, out: Violation[]): void {
  if (!isRecord(spec)) return;
  for (const h of HOST_NAMESPACES) {
    if (h === 'hostUsers' ? spec[h] === false : spec[h] === true) out.push({ path: `${at}.${h}`, message: `${h === 'hostUsers' ? 'the host user namespace' : h} is not allowed` });
  }
  if (spec.nodeName !== undefined) out.push({ path: `${at}.nodeName`, message: 'pinning a node by name bypasses placement; not allowed' });
  const p = isRecord(planned) ? planned : {};
  for (const f of ['serviceAccountName', 'serviceAccount'] as const) {
    if (spec[f] !== undefined && spec[f] !== p[f]) out.push({ path: `${at}.${f}`, message: 'a service account the plan does not give is not allowed' });
  }
  if (spec.automountServiceAccountToken === true && p.automountServiceAccountToken !== true) {
    out.push({ path: `${at}.automountServiceAccountToken`, message: 'mounting a service account token the plan does not give is not allowed' });
  }
  for (const group of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    const list = spec[group];
    if (Array.isArray(list)) list.forEach((c, i) => checkContainer(c, `${at}.${group}[${i}]`, out));
  }
  if (Array.isArray(spec.volumes)) {
    spec.volumes.forEach((v, i) => {
      if (!isRecord(v)) return;
      if (v.hostPath !== undefined) out.push({ path: `${at}.volumes[${i}].hostPath`, message: 'hostPath volumes are not allowed' });
      const sources = isRecord(v.projected) && Array.isArray(v.projected.sources) ? v.projected.sources : [];
      if (sources.some((s) => isRecord(s) && s.serviceAccountToken !== undefined)) {
        out.push({ path: `${at}.volumes[${i}].projected`, message: 'projected service account tokens are not allowed' });
      }
    });
  }
}

/** Violations of one rendered object against the plan it was rendered from. */
function policyViolations(plan: ObjectPlan, obj: KubeObject): Violation[] {
  const out: Violation[] = [];
  const ctx = plan.context;
  if (obj.kind !== plan.kind) out.push({ path: 'kind', message: `kind ${JSON.stringify(obj.kind)} where the plan has ${plan.kind}` });
  if (obj.apiVersion !== API_VERSION[plan.kind]) out.push({ path: 'apiVersion', message: `apiVersion ${JSON.stringify(obj.apiVersion)} where ${plan.kind} is ${API_VERSION[plan.kind]}` });
  const meta = isRecord(obj.metadata) ? obj.metadata : ({} as Record<string, unknown>);
  if (meta.name !== ctx.name) out.push({ path: 'metadata.name', message: `name ${JSON.stringify(meta.name)} where the plan has ${JSON.stringify(ctx.name)}` });
  if (CLUSTER_SCOPED.has(plan.kind)) {
    if (meta.namespace !== undefined) out.push({ path: 'metadata.namespace', message: `${plan.kind} is cluster-scoped; no namespace allowed` });
  } else if (meta.namespace !== ctx.namespace) {
    out.push({ path: 'metadata.namespace', message: `namespace ${JSON.stringify(meta.namespace)} where the plan has ${JSON.stringify(ctx.namespace)}` });
  }
  const want = isRecord(ctx.labels) ? (ctx.labels as Record<string, unknown>) : {};
  const have = isRecord(meta.labels) ? meta.labels : {};
  for (const k of new Set([...Object.keys(want), ...Object.keys(have)])) {
    if (!isFlareLabel(k)) continue;
    if (have[k] !== want[k]) out.push({ path: `metadata.labels.${k}`, message: `FLARE label ${k} is ${JSON.stringify(have[k] ?? null)} where the plan has ${JSON.stringify(want[k] ?? null)}` });
  }

  const spec = isRecord(obj.spec) ? obj.spec : undefined;
  if (plan.kind === 'Deployment' || plan.kind === 'Job') {
    const tpl = spec && isRecord(spec.template) ? spec.template : undefined;
    checkPodSpec(tpl?.spec, ctx, 'spec.template.spec', out);
  }
  if (plan.kind === 'Tenant') {
    const owners = spec?.owners ?? [];
    const planned = ctx.owners ?? [];
    if (stable(owners) !== stable(dropNulls(planned))) {
      out.push({ path: 'spec.owners', message: `owners ${stable(owners)} are not the owners tenants/${plan.tenant} lists (${stable(planned)})` });
    }
    const rq = spec?.resourceQuotas;
    if (stable(rq ?? null) !== stable(dropNulls(ctx.resourceQuotas) ?? null)) out.push({ path: 'spec.resourceQuotas', message: 'resource quotas differ from the quota tenants/ sets' });
    const nsq = isRecord(spec?.namespaceOptions) ? spec.namespaceOptions.quota : undefined;
    if (nsq !== ctx.namespaceQuota) out.push({ path: 'spec.namespaceOptions.quota', message: 'the namespace quota differs from the plan' });
  }
  if (plan.kind === 'Service' && spec && spec.externalIPs !== undefined) {
    out.push({ path: 'spec.externalIPs', message: 'externalIPs can intercept other traffic; not allowed' });
  }
  if (plan.kind === 'Ingress' && spec) {
    const allowed = new Set((Array.isArray(ctx.rules) ? ctx.rules : []).map((r) => (isRecord(r) ? r.host : undefined)));
    const hosts: { host: unknown; path: string }[] = [];
    if (Array.isArray(spec.rules)) spec.rules.forEach((r: unknown, i: number) => hosts.push({ host: isRecord(r) ? r.host : undefined, path: `spec.rules[${i}].host` }));
    if (Array.isArray(spec.tls)) {
      spec.tls.forEach((t: unknown, i: number) => {
        if (isRecord(t) && Array.isArray(t.hosts)) t.hosts.forEach((h: unknown, j: number) => hosts.push({ host: h, path: `spec.tls[${i}].hosts[${j}]` }));
      });
    }
    for (const h of hosts) if (!allowed.has(h.host)) out.push({ path: h.path, message: `host ${JSON.stringify(h.host ?? null)} is not one the intent declares` });
    if (spec.defaultBackend !== undefined) out.push({ path: 'spec.defaultBackend', message: 'a default backend catches every host; not allowed' });
  }
  return out;
}

/** The violations as located errors on the template that produced the object. */
export function policyDiagnostics(plan: ObjectPlan, obj: KubeObject, templateFile: string): Diagnostic[] {
  return policyViolations(plan, obj).map((v) => ({
    severity: 'error' as const,
    file: templateFile,
    line: 0,
    column: 0,
    path: v.path,
    code: 'template-policy',
    message: `${v.message} (rendering ${plan.kind} for ${plan.intentId ?? plan.tenant} from ${plan.source})`,
    hint: 'templates/ is admin territory, but a template may only lay out what the plan computes',
  }));
}
