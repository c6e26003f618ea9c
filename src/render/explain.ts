import type { FlareConfig } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import { hourlyBudget, placementGpus, replicasPerPlacement } from '../intent/budget.js';
import { gpuResourceName, type GpuFilter } from '../fluidos/types.js';
import { intentNamespace, solverName } from '../k8s/names.js';
import { solverFilters } from './filters.js';
import { networkPolicy, selectionOf } from './stages.js';
import { plannedPlacements, podShape } from './workload.js';

/**
 * `flare explain`: what each field an intent uses became. Built from the same functions the
 * renderer calls (solverFilters, podShape, networkPolicy), so the explanation cannot drift from
 * the manifests.
 */
export interface ExplainEntry {
  /** Canonical intent field path. */
  field: string;
  value: unknown;
  /** One line per effect: a Solver filter, a manifest field, a ranker or reconciler check. */
  becomes: string[];
}

export interface ExplainReport {
  intent: string;
  file: string;
  selection: 'flare' | 'fluidos';
  namespace: string;
  solvers: string[];
  fields: ExplainEntry[];
  /** Accepted and kept in the repo, but nothing on FLUIDOS or Kubernetes enforces it. */
  notEnforced: ExplainEntry[];
}

const GPU = 'workload.resources.gpu';
const RANKER = 'ranker: re-checked on every candidate before scoring';

function describeFilter(solver: string, f: GpuFilter): string {
  const d = f.data;
  let data: string;
  if (typeof d === 'boolean') data = String(d);
  else if ('regex' in d) data = `regex ${d.regex}`;
  else if ('value' in d && d.value !== undefined) data = `value ${d.value}`;
  else {
    const r = d as { min?: string | number; max?: string | number };
    data = [r.min !== undefined ? `min ${r.min}` : '', r.max !== undefined ? `max ${r.max}` : ''].filter(Boolean).join(' ');
  }
  return `Solver ${solver} gpuFilters[field=${f.field}] ${f.filter} ${data}`;
}

/** Leaves of a nested record as dotted paths (arrays are leaves). */
function leaves(prefix: string, v: unknown, out: ExplainEntry[], why: string): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const k of Object.keys(v as object).sort()) leaves(`${prefix}.${k}`, (v as Record<string, unknown>)[k], out, why);
    return;
  }
  if (v !== undefined) out.push({ field: prefix, value: v, becomes: [why] });
}

export function explainIntent(intent: Intent, config: FlareConfig, allowedLocations?: readonly string[]): ExplainReport {
  const spec = intent.spec;
  const c = spec.constraints;
  const g = spec.resources.gpu;
  const regions = c.regions && c.regions.length > 0 ? c.regions : undefined;
  const locations: (string | undefined)[] = regions ?? [undefined];
  const solvers = locations.map((l) => solverName(intent.id, l));
  const selection = selectionOf(intent, config);
  const ns = intentNamespace(intent.tenant, intent.name);
  const fields: ExplainEntry[] = [];
  const notEnforced: ExplainEntry[] = [];
  const byField = new Map<string, ExplainEntry>();
  const entry = (field: string, value: unknown): ExplainEntry => {
    let e = byField.get(field);
    if (!e) {
      e = { field, value, becomes: [] };
      byField.set(field, e);
      fields.push(e);
    }
    return e;
  };

  entry('objective', spec.objective).becomes.push(
    selection === 'flare' ? `ranker: weights of ${spec.objective} order the feasible candidates` : 'recorded: fluidos selection takes the first match, no ranking',
  );
  entry('selection', selection).becomes.push(
    `Solver spec.findCandidate true, reserveAndBuy ${selection === 'fluidos'}, establishPeering ${selection === 'fluidos'}`,
  );

  // Solver filters, from the renderer's own mapping
  locations.forEach((loc, i) => {
    const solver = solvers[i]!;
    // as the renderer: in fluidos selection the tenant's allowed locations bound a location-less intent
    const sf = solverFilters(intent, config, loc, selection === 'fluidos' ? allowedLocations : undefined);
    for (const r of sf.resources) entry(r.source, r.min).becomes.push(`Solver ${solver} spec.selector.filters.${r.key} Range min ${r.min}`);
    for (const s of sf.gpu) {
      const value =
        s.source === 'tenant.allowed_locations'
          ? allowedLocations
          : s.source === 'constraints.regions'
          ? loc
          : s.source.startsWith(`${GPU}.`)
            ? (g as unknown as Record<string, unknown>)[s.source.slice(GPU.length + 1)]
            : (c as unknown as Record<string, unknown>)[s.source.slice('constraints.'.length)];
      const e = s.source === 'constraints.regions' ? entry(`constraints.regions[${i}]`, value) : entry(s.source, value);
      e.becomes.push(describeFilter(solver, s.filter));
      if (s.source.startsWith(`${GPU}.memory`) && g.memory_max !== undefined && g.memory_min !== undefined) {
        entry(`${GPU}.memory_max`, g.memory_max).becomes.push(describeFilter(solver, s.filter));
      }
      if (s.source.startsWith(`${GPU}.cores`) && g.cores_max !== undefined && g.cores_min !== undefined) {
        entry(`${GPU}.cores_max`, g.cores_max).becomes.push(describeFilter(solver, s.filter));
      }
    }
  });
  if (c.max_total_cost !== undefined) {
    const runtime = spec.workload?.batch?.timeout ?? config.default_runtime_seconds;
    entry('constraints.max_total_cost', c.max_total_cost).becomes.push(
      `hourly cap ${c.max_total_cost} ${config.currency} ÷ ${runtime / 3600} h expected runtime (${spec.workload?.batch?.timeout !== undefined ? 'batch.timeout' : 'flare.yaml default_runtime'})`,
    );
  }
  const budget = hourlyBudget(intent, config);
  if (budget !== undefined) {
    for (const f of ['constraints.max_hourly_cost', 'constraints.max_total_cost']) {
      byField.get(f)?.becomes.push(`ranker: rate × ${placementGpus(intent)} GPU(s) ≤ ${Math.round(budget * 100) / 100} ${config.currency}/h; tenant money quota checked at render`);
    }
  }

  // GPU quirks upstream: the ranker is what makes these reliable
  for (const [k, v] of Object.entries(g).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const e = byField.get(`${GPU}.${k}`);
    if (e) {
      e.becomes.push(RANKER);
      if (k === 'multi_gpu_efficiency') e.becomes.push('note: upstream Flavors carry this as a string, so the FLUIDOS number filter never matches; the ranker decides');
      if (typeof v === 'boolean') e.becomes.push('note: the GPU fork compares BooleanFilter inverted; the ranker decides');
    }
  }
  for (const f of ['constraints.location', 'constraints.providers', 'constraints.availability_zone', 'constraints.max_latency_ms']) byField.get(f)?.becomes.push(RANKER);
  regions?.forEach((_, i) => byField.get(`constraints.regions[${i}]`)?.becomes.push(`one placement in this region (Solver ${solvers[i]})`));
  if (c.location !== undefined && c.location.toLowerCase() === 'any') entry('constraints.location', c.location).becomes.push('no region filter (any)');
  entry('constraints.preemptible', c.preemptible).becomes.push(
    c.preemptible ? 'ranker: preemptible offers are acceptable' : 'ranker: preemptible offers are rejected',
  );
  if (c.deadline !== undefined) entry('constraints.deadline', c.deadline).becomes.push('reconciler: a NoMatch intent waits in queue until this time, then fails with DeadlineExceeded');
  if (c.max_latency_between_regions !== undefined) notEnforced.push({ field: 'constraints.max_latency_between_regions', value: c.max_latency_between_regions, becomes: ['no FLUIDOS field measures latency between providers'] });

  // Workload manifests
  const w = spec.workload;
  if (!w) {
    entry('workload', null).becomes.push('capacity-only: reserve and peer GPUs (up to NamespaceOffloading), deploy nothing');
  } else {
    const kind = w.type === 'batch' ? 'Job' : 'Deployment';
    const shape = podShape(intent, w);
    const gpuName = gpuResourceName(g.model);
    const container = `${kind}.spec.template.spec.containers[0]`;
    entry('workload.type', w.type).becomes.push(`${kind} (one per placement, on its own virtual node: liqo.io/remote-cluster-id and kubernetes.io/hostname)`);
    entry('workload.image', w.containers[0]?.image).becomes.push(`${container}.image`);
    entry(`${GPU}.count`, g.count).becomes.push(
      `${container}.resources.limits["${gpuName}"] = ${shape.gpusPerPod} per pod × ${shape.concurrent} pod(s)`,
      `Reservation spec.configuration.data.gpu.count and Solver count filter min = ${placementGpus(intent)}` +
        (w.type === 'batch' ? ' (shared by the Job\'s tasks)' : ` (${g.count} per replica × ${replicasPerPlacement(intent)} replica(s) per placement)`),
    );
    if (g.model !== undefined) entry(`${GPU}.model`, g.model).becomes.push(`GPU resource name ${gpuName}; Reservation spec.configuration.data.gpu.model`);
    if (spec.resources.cpu !== undefined) entry('workload.resources.cpu', spec.resources.cpu).becomes.push(`${container}.resources.requests.cpu = ${shape.cpu}`, 'Reservation spec.configuration.data.cpu');
    if (spec.resources.memory !== undefined) {
      entry('workload.resources.memory', spec.resources.memory).becomes.push(`${container}.resources.requests.memory and limits.memory = ${shape.memory}`, 'Reservation spec.configuration.data.memory');
    }
    if (w.containers.some((x) => x.command || x.args)) entry('workload.commands', w.containers.map((x) => ({ command: x.command, args: x.args }))).becomes.push(`${container}.command / .args`);
    w.env.forEach((e, i) => entry(`workload.env[${i}]`, `${e.name}=${e.value}`).becomes.push(`${container}.env[name=${e.name}].value`));
    w.secrets.forEach((s, i) => entry(`workload.secrets[${i}]`, s).becomes.push(`${container}.env[name=${s.env}].valueFrom.secretKeyRef {name: ${s.name}, key: ${s.env}} (the Secret must exist; its value never enters the repo)`));
    w.ports.forEach((p, i) => {
      const e = entry(`workload.ports[${i}]`, p);
      e.becomes.push(`${container}.ports containerPort ${p.port}/${p.protocol}`, `Service ${w.name} port ${p.port}`);
      if (p.expose && p.domain && p.protocol === 'TCP') e.becomes.push(`Ingress ${w.name} host ${p.domain}`);
      else if (p.expose && p.domain) e.becomes.push('not exposed by Ingress: Ingress routes TCP only');
      else if (p.expose) e.becomes.push(`Service ${w.name} type LoadBalancer (no domain given)`);
    });
    w.volumes.forEach((v, i) => {
      entry(`workload.storage.volumes[${i}]`, { name: v.name, size: v.size, type: v.type, path: v.path }).becomes.push(
        v.type === 'persistent' ? `PersistentVolumeClaim ${v.name} (${v.size}), mounted at ${v.path}` : `emptyDir sizeLimit ${v.size}, mounted at ${v.path}`,
      );
      if (v.source) notEnforced.push({ field: `workload.storage.volumes[${i}].source`, value: v.source, becomes: ['no data is copied from object storage; the volume starts empty'] });
    });
    if (w.type === 'service') {
      entry('workload.replicas', w.replicas).becomes.push(`Deployment.spec.replicas = ${shape.concurrent} per placement (of ${plannedPlacements(intent)})`);
      if (w.scaling.auto_scale) {
        entry('workload.scaling', w.scaling).becomes.push(`HorizontalPodAutoscaler min ${w.scaling.min_replicas} max ${w.scaling.max_replicas} cpu ${w.scaling.target_cpu_percent}%`);
        notEnforced.push({ field: 'workload.scaling.target_gpu_percent', value: w.scaling.target_gpu_percent, becomes: ['Kubernetes HPA has no GPU utilization metric without a custom metrics adapter'] });
      }
      if (shape.concurrent > 1) entry('workload.replicas', w.replicas).becomes.push('PodDisruptionBudget maxUnavailable 1');
    } else if (w.batch) {
      const b = w.batch;
      entry('workload.batch.parallel_tasks', b.parallel_tasks).becomes.push(`Job.spec.parallelism = ${shape.concurrent}` + (shape.completions !== undefined ? `, completions = ${shape.completions}` : ''));
      entry('workload.batch.max_retries', b.max_retries).becomes.push(`Job.spec.backoffLimit = ${b.max_retries}`);
      if (b.timeout !== undefined) entry('workload.batch.timeout', b.timeout).becomes.push(`Job.spec.activeDeadlineSeconds = ${b.timeout}`);
      entry('workload.batch.completion_policy', b.completion_policy).becomes.push(
        b.completion_policy === 'All' ? `Job.spec.completions = ${b.parallel_tasks}` : 'Job.spec.completions unset: the Job completes when any pod succeeds',
      );
    }
    if (w.deployment_strategy) notEnforced.push({ field: 'workload.deployment_strategy', value: w.deployment_strategy, becomes: ['kept for the ranker and humans; no placement rule is derived from it'] });
    if (w.communication_pattern) notEnforced.push({ field: 'workload.communication_pattern', value: w.communication_pattern, becomes: ['kept for the ranker and humans; no manifest field'] });
  }

  // constraints.security: what becomes a NetworkPolicy, the rest is recorded
  const sec = c.security;
  if (sec) {
    const np = networkPolicy(intent);
    for (const k of Object.keys(sec).sort()) {
      const v = sec[k];
      if (k === 'network_isolation' && v === 'private' && np) entry('constraints.security.network_isolation', v).becomes.push('NetworkPolicy flare-isolation: ingress only from pods of the same namespace');
      else if (k === 'firewall_rules' && Array.isArray(v)) {
        v.forEach((r: Record<string, unknown>, i: number) => {
          const field = `constraints.security.firewall_rules[${i}]`;
          if ((r['action'] ?? 'allow') === 'allow') entry(field, r).becomes.push('NetworkPolicy flare-isolation ingress rule');
          else notEnforced.push({ field, value: r, becomes: ['NetworkPolicy can only allow; deny rules are not enforced'] });
        });
      } else leaves(`constraints.security.${k}`, v, notEnforced, 'no FLUIDOS or Kubernetes field enforces it');
    }
  }
  for (const group of ['availability', 'energy', 'performance', 'compliance', 'negotiation'] as const) {
    const v = c[group];
    if (v) leaves(`constraints.${group}`, v, notEnforced, 'no FLUIDOS or Kubernetes field enforces it');
  }
  if (spec.sla) leaves('sla', spec.sla, notEnforced, 'no FLUIDOS or Kubernetes field enforces it');

  return { intent: intent.id, file: intent.file, selection, namespace: ns, solvers, fields, notEnforced };
}

export function formatExplain(r: ExplainReport): string {
  const lines = [`intent ${r.intent} (${r.file}), selection ${r.selection}, namespace ${r.namespace}`, `solvers: ${r.solvers.join(', ')}`, ''];
  for (const f of r.fields) {
    lines.push(`${f.field} = ${JSON.stringify(f.value)}`);
    for (const b of f.becomes) lines.push(`  → ${b}`);
  }
  lines.push('', 'recorded, not enforced:');
  if (r.notEnforced.length === 0) lines.push('  (nothing)');
  for (const f of r.notEnforced) lines.push(`  ${f.field} = ${JSON.stringify(f.value)}  (${f.becomes.join('; ')})`);
  return lines.join('\n') + '\n';
}
