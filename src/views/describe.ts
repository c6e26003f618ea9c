import type { FlareConfig, ObjectiveWeights, Tenant } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import type { KubeObject } from '../k8s/object.js';
import type { HistoryEntry, IntentStatus, Placement } from '../status/model.js';
import type { Suggestion } from '../select/types.js';
import { own } from '../util/own.js';
import { intentCost, type IntentCost } from '../status/cost.js';
import { table } from '../plan/format.js';

/** `flare describe`: everything known of one intent, from its status file (and the cluster). Pure. */

interface EventLine {
  time: string;
  type: string;
  reason: string;
  object: string;
  message: string;
  count: number;
}

export interface DescribeReport {
  intent: string;
  tenant: string;
  name: string;
  file: string;
  spec: {
    objective: string;
    selection: string;
    workload: string;
    gpu: string;
    constraints: string[];
  };
  weights: ObjectiveWeights;
  phase: string;
  message: string;
  warnings: string[];
  retries?: number;
  next_retry_at?: string;
  placements: Placement[];
  suggestions: Suggestion[];
  cost: IntentCost;
  /** The newest entries last, at most `historyLimit`. */
  history: HistoryEntry[];
  events?: EventLine[];
  /** The intent's live objects (its id label), when read from a cluster. */
  objects?: { kind: string; namespace?: string; name: string; status: string }[];
}

export interface DescribeInput {
  intent: Intent;
  status?: IntentStatus;
  config: FlareConfig;
  tenant?: Tenant;
  now: Date;
  /** core/v1 Events of the intent's objects, when read from a cluster. */
  events?: readonly KubeObject[];
  objects?: readonly KubeObject[];
  historyLimit?: number;
}

function constraintLines(intent: Intent, currency: string): string[] {
  const c = intent.spec.constraints;
  const out: string[] = [];
  if (c.location) out.push(`location ${c.location}`);
  if (c.regions?.length) out.push(`regions ${c.regions.join(', ')}`);
  if (c.availability_zone) out.push(`availability_zone ${c.availability_zone}`);
  if (c.max_hourly_cost !== undefined) out.push(`max_hourly_cost ${c.max_hourly_cost} ${currency}`);
  if (c.max_total_cost !== undefined) out.push(`max_total_cost ${c.max_total_cost} ${currency}`);
  if (c.max_latency_ms !== undefined) out.push(`max_latency_ms ${c.max_latency_ms}`);
  if (c.deadline) out.push(`deadline ${c.deadline}`);
  if (c.providers?.length) out.push(`providers ${c.providers.join(', ')}`);
  out.push(`preemptible ${c.preemptible}`);
  return out;
}

function eventLine(e: KubeObject): EventLine {
  const o = e as KubeObject & Record<string, any>;
  const inv = (o.involvedObject ?? o.regarding ?? {}) as { kind?: string; name?: string };
  return {
    time: String(o.lastTimestamp ?? o.eventTime ?? o.firstTimestamp ?? o.metadata?.creationTimestamp ?? ''),
    type: String(o.type ?? 'Normal'),
    reason: String(o.reason ?? ''),
    object: `${inv.kind ?? '?'}/${inv.name ?? '?'}`,
    message: String(o.message ?? o.note ?? ''),
    count: typeof o.count === 'number' ? o.count : 1,
  };
}

export function describeIntent(input: DescribeInput): DescribeReport {
  const { intent, status: s, config } = input;
  const spec = intent.spec;
  const g = spec.resources.gpu;
  const w = spec.workload;
  const workload = w ? `${w.type} ${w.containers[0]?.image ?? ''}${w.type === 'service' ? `, ${w.replicas} replica${w.replicas === 1 ? '' : 's'}` : ''}`.trim() : 'none (capacity only)';
  const gpu = `${g.count}× ${g.model ?? 'any'}${g.memory_min ? ` ≥${g.memory_min}` : ''}${g.tier ? ` ${g.tier}` : ''}`;
  const weights = own(config.weights, spec.objective) ?? config.weights.Balanced_Optimization;
  const limit = input.historyLimit ?? 10;
  const r: DescribeReport = {
    intent: intent.id,
    tenant: intent.tenant,
    name: intent.name,
    file: intent.file,
    spec: { objective: spec.objective, selection: spec.selection ?? config.selection, workload, gpu, constraints: constraintLines(intent, config.currency) },
    weights: { ...weights },
    phase: s?.phase ?? 'Unknown',
    message: s?.message ?? 'no status yet (the reconciler has not seen it)',
    warnings: s?.warnings ?? [],
    placements: s?.placements ?? [],
    suggestions: s?.suggestions ?? [],
    cost: intentCost(intent, s, config, input.now),
    history: (s?.history ?? []).slice(-limit),
  };
  if (s?.retries !== undefined) r.retries = s.retries;
  if (s?.next_retry_at) r.next_retry_at = s.next_retry_at;
  if (input.events) {
    r.events = input.events.map(eventLine).sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.object < b.object ? -1 : 1)).slice(-20);
  }
  if (input.objects) {
    r.objects = input.objects
      .map((o) => {
        const x: { kind: string; namespace?: string; name: string; status: string } = { kind: o.kind, name: o.metadata.name, status: objectStatus(o) };
        if (o.metadata.namespace) x.namespace = o.metadata.namespace;
        return x;
      })
      .sort((a, b) => (a.kind + (a.namespace ?? '') + a.name < b.kind + (b.namespace ?? '') + b.name ? -1 : 1));
  }
  return r;
}

/** One word of state: a FLUIDOS phase, a workload's ready count, or "-". */
function objectStatus(o: KubeObject): string {
  const st = (o.status ?? {}) as Record<string, any>;
  if (typeof st.phase === 'string') return st.phase;
  if (typeof st.phase?.phase === 'string') return st.phase.phase;
  if (o.kind === 'Deployment') return `${st.readyReplicas ?? 0}/${o.spec?.replicas ?? '?'} ready`;
  if (o.kind === 'Job') return st.succeeded ? 'Succeeded' : st.failed ? `${st.failed} failed` : 'running';
  return '-';
}

const f2 = (x: number): string => x.toFixed(2);

/** kubectl-describe style text. */
export function formatDescribe(r: DescribeReport): string {
  const cur = r.cost.currency;
  const out: string[] = [];
  const kv = (k: string, v: string, indent = ''): void => {
    out.push(`${indent}${(k + ':').padEnd(Math.max(16 - indent.length, k.length + 2))}${v}`);
  };
  kv('Name', r.name);
  kv('Tenant', r.tenant);
  kv('Intent', r.intent);
  kv('File', r.file);
  kv('Objective', `${r.spec.objective} (weights cost ${r.weights.cost}, performance ${r.weights.performance}, latency ${r.weights.latency}, energy ${r.weights.energy})`);
  kv('Selection', r.spec.selection);
  kv('Workload', r.spec.workload);
  kv('GPU', r.spec.gpu);
  kv('Constraints', r.spec.constraints.join(', '));
  kv('Phase', r.phase);
  kv('Reason', r.message);
  if (r.retries !== undefined) kv('Retries', `${r.retries}${r.next_retry_at ? `, next at ${r.next_retry_at}` : ''}`);
  for (const w of r.warnings) kv('Warning', w);
  out.push('Placements:');
  if (r.placements.length === 0) out.push('  <none>');
  for (const p of r.placements) {
    const c = p.chosen;
    out.push(`  ${p.location ? `${p.location} ` : ''}(solver ${p.solver}, attempt ${p.attempt}):`);
    kv('Provider', c ? `${c.provider} (${c.model} ×${c.count} ${c.memory}, ${[c.region, c.zone].filter(Boolean).join('/')})` : '<none>', '    ');
    kv('Virtual node', p.virtual_node ? `${p.virtual_node.name} (${p.virtual_node.ready ? 'Ready' : `NotReady${p.virtual_node.not_ready_since ? ` since ${p.virtual_node.not_ready_since}` : ''}`})` : '<none>', '    ');
    kv('Contract', p.contract ? `${p.contract.name} (liqo ${p.contract.liqo_id})` : '<none>', '    ');
    if (p.reservation) kv('Reservation', `${p.reservation.name}${p.reservation.phase ? ` (${p.reservation.phase})` : ''}`, '    ');
    if (p.blocked?.length) kv('Blocked', p.blocked.join(', '), '    ');
    if (p.excluded_providers?.length) kv('Excluded', p.excluded_providers.join(', '), '    ');
    const rows: string[][] = [];
    if (c) {
      const b = c.breakdown;
      rows.push(['✔', c.candidate, c.provider, c.model, f2(c.hourly_cost), c.latency_ms !== undefined ? `${c.latency_ms} ms` : '-', f2(b.cost), f2(b.performance), f2(b.latency), f2(b.energy), f2(c.score)]);
    }
    for (const ru of p.runners_up ?? []) {
      const b = (ru as { breakdown?: { cost: number; performance: number; latency: number; energy: number } }).breakdown;
      rows.push(['', ru.candidate, ru.provider, ru.model, f2(ru.hourly_cost), '', b ? f2(b.cost) : '', b ? f2(b.performance) : '', b ? f2(b.latency) : '', b ? f2(b.energy) : '', f2(ru.score)]);
    }
    if (rows.length) {
      out.push('    Choice and runners-up:');
      for (const l of table(['', 'CANDIDATE', 'PROVIDER', 'MODEL', `${cur}/H`, 'LATENCY', 'COST', 'PERF', 'LAT', 'ENERGY', 'SCORE'], rows)) out.push(`      ${l}`);
    }
    if (p.rejected?.length) {
      out.push('    Rejected:');
      for (const l of table(['CANDIDATE', 'PROVIDER', 'MODEL', 'CONSTRAINT', 'REASON'], p.rejected.map((x) => [x.candidate, x.provider || '?', x.model || '-', x.constraint, x.reason]))) out.push(`      ${l}`);
    }
  }
  if (r.suggestions.length) {
    out.push('Suggestions:');
    for (const s of r.suggestions) out.push(`  ${s.alternative} (${s.cost_difference}; ${s.performance_impact}) → set ${s.change.path}: ${JSON.stringify(s.change.value)}`);
  }
  const c = r.cost;
  out.push('Cost:');
  kv('Hourly', `${f2(c.hourly)} ${cur}/h${c.burn ? ' (charging)' : ''}`, '  ');
  kv('Accrued', `${f2(c.accrued)} ${cur}${c.since ? ` (meter since ${c.since})` : ''}`, '  ');
  if (c.max_hourly_cost !== undefined) kv('Hourly cap', `${f2(c.max_hourly_cost)} ${cur}/h`, '  ');
  kv('Budget left', c.budget_left !== undefined ? `${f2(c.budget_left)} of ${f2(c.max_total_cost!)} ${cur}` : 'no max_total_cost', '  ');
  out.push('History:');
  if (r.history.length === 0) out.push('  <none>');
  for (const l of table(['TIME', 'PHASE', 'MESSAGE'], r.history.map((h) => [h.time, h.phase, h.message]))) out.push(`  ${l}`);
  if (r.objects) {
    out.push('Objects:');
    if (r.objects.length === 0) out.push('  <none>');
    for (const l of table(['KIND', 'NAMESPACE', 'NAME', 'STATUS'], r.objects.map((o) => [o.kind, o.namespace ?? '', o.name, o.status]))) out.push(`  ${l}`);
  }
  if (r.events) {
    out.push('Events:');
    if (r.events.length === 0) out.push('  <none>');
    for (const l of table(['TIME', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], r.events.map((e) => [e.time, e.type, e.reason, e.object, e.count > 1 ? `${e.message} (×${e.count})` : e.message]))) out.push(`  ${l}`);
  }
  return out.join('\n') + '\n';
}
