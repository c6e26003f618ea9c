import type { KubeObject } from '../k8s/object.js';
import { FIELD_MANAGER, planApply, subsetOf, type DesiredObject, type PruneScope } from '../reconcile/apply.js';
import { stampIdentity } from '../reconcile/ownership.js';

/**
 * `flare diff`: what the next cycle's apply would do against the live objects (create, update
 * with the fields that differ, prune), and which differences are drift — a field FLARE sets
 * that another field manager (kubectl, a controller) changed. Pure: desired and live come in.
 */

interface FieldChange {
  path: string;
  live: unknown;
  desired: unknown;
  /** Field managers other than FLARE's that own this field on the live object. */
  changedBy?: string[];
}

interface DiffEntry {
  action: 'create' | 'update' | 'prune';
  kind: string;
  namespace?: string;
  name: string;
  intent?: string;
  tenant?: string;
  changes?: FieldChange[];
  /** An update whose differing fields another manager owns: someone changed them behind FLARE's back. */
  drift: boolean;
}

export interface DiffReport {
  entries: DiffEntry[];
  unchanged: number;
  summary: { create: number; update: number; prune: number; drift: number };
}

const keyOf = (o: KubeObject): string => `${o.apiVersion}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The paths where desired ⊄ live (the same rule as the reconciler's upToDate). */
function fieldChanges(desired: unknown, live: unknown, path: string, out: FieldChange[]): void {
  if (subsetOf(desired, live)) return;
  if (isObj(desired) && isObj(live)) {
    for (const k of Object.keys(desired).sort()) fieldChanges(desired[k], live[k], path ? `${path}.${k}` : k, out);
    return;
  }
  out.push({ path, live: live === undefined ? null : live, desired });
}

/** Managers (other than FLARE) whose fieldsV1 cover `path` (array elements are not descended). */
function ownersOf(live: KubeObject, path: string): string[] {
  const mf = (live.metadata as { managedFields?: { manager?: string; fieldsV1?: unknown }[] }).managedFields ?? [];
  const segs = path.split('.');
  const out: string[] = [];
  for (const m of mf) {
    if (!m.manager || m.manager === FIELD_MANAGER) continue;
    let node: unknown = m.fieldsV1;
    let hit = true;
    for (const s of segs) {
      if (!isObj(node)) break;
      const next = node[`f:${s}`];
      if (next === undefined) {
        hit = false;
        break;
      }
      node = next;
    }
    if (hit && !out.includes(m.manager)) out.push(m.manager);
  }
  return out.sort();
}

function entryOf(action: DiffEntry['action'], o: KubeObject): DiffEntry {
  const e: DiffEntry = { action, kind: o.kind, name: o.metadata.name, drift: false };
  if (o.metadata.namespace) e.namespace = o.metadata.namespace;
  const l = o.metadata.labels ?? {};
  if (l['flare.io/intent-id']) e.intent = l['flare.io/intent-id'];
  if (l['flare.io/tenant']) e.tenant = l['flare.io/tenant'];
  return e;
}

export function diffObjects(rendered: readonly DesiredObject[], live: readonly KubeObject[], scope: PruneScope): DiffReport {
  const desired = rendered.map((d) => ({ object: stampIdentity(d.object, scope.identity), wave: d.wave }));
  const plan = planApply(desired, live, scope);
  const liveByKey = new Map(live.map((o) => [keyOf(o), o]));
  const entries: DiffEntry[] = [];
  for (const o of plan.apply) {
    const l = liveByKey.get(keyOf(o));
    if (!l) {
      entries.push(entryOf('create', o));
      continue;
    }
    const e = entryOf('update', o);
    const changes: FieldChange[] = [];
    fieldChanges({ labels: o.metadata.labels ?? {}, annotations: o.metadata.annotations ?? {} }, { labels: l.metadata.labels ?? {}, annotations: l.metadata.annotations ?? {} }, 'metadata', changes);
    for (const k of Object.keys(o).sort()) {
      if (k === 'apiVersion' || k === 'kind' || k === 'metadata' || k === 'status') continue;
      fieldChanges(o[k], l[k], k, changes);
    }
    for (const c of changes) {
      const by = ownersOf(l, c.path);
      if (by.length) {
        c.changedBy = by;
        e.drift = true;
      }
    }
    e.changes = changes;
    entries.push(e);
  }
  for (const o of plan.prune) entries.push(entryOf('prune', o));
  const count = (a: DiffEntry['action']): number => entries.filter((e) => e.action === a).length;
  return {
    entries,
    unchanged: plan.unchanged,
    summary: { create: count('create'), update: count('update'), prune: count('prune'), drift: entries.filter((e) => e.drift).length },
  };
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/** kubectl-diff-like text: + create, ~ update (field: live → desired), - prune. */
export function formatDiff(r: DiffReport): string {
  const out: string[] = [];
  for (const e of r.entries) {
    const id = `${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name}`;
    const sign = e.action === 'create' ? '+' : e.action === 'prune' ? '-' : '~';
    out.push(`${sign} ${id}${e.drift ? '  (drift)' : ''}`);
    for (const c of e.changes ?? []) out.push(`    ${c.path}: ${show(c.live)} → ${show(c.desired)}${c.changedBy ? `  (changed by ${c.changedBy.join(', ')})` : ''}`);
  }
  const s = r.summary;
  out.push(`${s.create} to create, ${s.update} to update (${s.drift} drifted), ${s.prune} to prune, ${r.unchanged} unchanged`);
  return out.join('\n') + '\n';
}
