import type { KubeObject } from '../../k8s/object.js';
import { ApiError } from './errors.js';
import type { KindInfo } from './kinds.js';
import { clone, deepEqual } from './patch.js';
import {
  ancestors,
  applyMerge,
  changedPaths,
  deletePath,
  dotted,
  getPath,
  leafPaths,
  overlapAt,
  sameFieldSet,
  toFieldsV1,
  type FieldSet,
  type ManagerEntry,
  type Scope,
} from './ssa.js';

/*
 * Field ownership of server-side apply and updates, as pure functions over a manager list: who
 * owns which leaf after a write, which applies conflict, and what an apply removes.
 */

/** Ownership after an Update operation: the updater owns what it changed, others lose it. */
export function ownershipAfterUpdate(
  managers: readonly ManagerEntry[],
  apiVersion: string,
  prev: KubeObject,
  next: KubeObject,
  manager: string,
  scope: Scope,
  sub: 'status' | undefined,
  now: string,
): readonly ManagerEntry[] {
  const changed = changedPaths(prev, next, scope);
  const gone = new Set<string>();
  for (const p of leafPaths(prev, scope)) if (getPath(next, p) === undefined) gone.add(p);
  if (changed.size === 0 && gone.size === 0) return managers;
  const changedAnc = ancestors(changed);
  const out: ManagerEntry[] = [];
  let mineFound = false;
  for (const m of managers) {
    const isMine = m.manager === manager && m.operation === 'Update' && m.subresource === sub;
    let fields: FieldSet | undefined;
    for (const p of m.fields) {
      const drop = gone.has(p) || getPath(next, p) === undefined || (!isMine && overlapAt(p, changed, changedAnc) !== undefined);
      if (drop) {
        fields ??= new Set(m.fields);
        fields.delete(p);
      }
    }
    let updated = fields ? { ...m, fields } : m;
    if (isMine) {
      mineFound = true;
      const f = new Set(updated.fields);
      for (const p of changed) f.add(p);
      updated = { ...updated, fields: f, time: now };
    }
    if (updated.fields.size > 0 || updated.operation === 'Apply') out.push(updated);
  }
  if (!mineFound && changed.size > 0) {
    const e: ManagerEntry = { manager, operation: 'Update', apiVersion, time: now, fields: changed };
    if (sub) e.subresource = sub;
    out.push(e);
  }
  return out;
}

interface ApplyOutcome {
  next: KubeObject;
  managers: ManagerEntry[];
  /** The manager's ownership and nobody else's changed: a same-content apply is a no-op. */
  unchangedOwnership: boolean;
}

/**
 * Server-side apply of `cfg` by `fieldManager` over `live`:
 * - fields are leaves of maps; lists are atomic (owned and replaced whole);
 * - another manager owning a leaf the config sets to a different value is a conflict (409 with
 *   FieldManagerConflict causes) unless `force`, which takes the leaf over;
 * - leaves the manager applied before but not now are removed when nobody else owns them.
 */
export function applyOwnership(
  info: KindInfo,
  live: KubeObject,
  managers: readonly ManagerEntry[],
  cfg: KubeObject,
  opts: { fieldManager: string; force?: boolean; subresource?: 'status' },
  scope: Scope,
  now: string,
): ApplyOutcome {
  const sub = opts.subresource;
  const newSet = leafPaths(cfg, scope);
  const newAnc = ancestors(newSet);
  const mine = (m: ManagerEntry): boolean => m.manager === opts.fieldManager && m.operation === 'Apply' && m.subresource === sub;
  const prevMine = managers.find(mine);

  const conflicts: Conflict[] = [];
  const stolen = new Map<ManagerEntry, string[]>();
  for (const m of managers) {
    if (mine(m)) continue;
    for (const p of m.fields) {
      const at = overlapAt(p, newSet, newAnc);
      if (at === undefined) continue;
      if (deepEqual(getPath(live, at), getPath(cfg, at))) continue;
      conflicts.push({ manager: m.manager, apiVersion: m.apiVersion, path: at });
      const list = stolen.get(m) ?? [];
      list.push(p);
      stolen.set(m, list);
    }
  }
  if (conflicts.length && !opts.force) throw conflictError(info, cfg.metadata.name, conflicts);

  const out: ManagerEntry[] = managers.map((m) => {
    const s = stolen.get(m);
    if (!s) return m;
    const fields = new Set(m.fields);
    for (const p of s) fields.delete(p);
    return { ...m, fields };
  });

  // applyMerge shares untouched subtrees with the live object; copy before deleting in them.
  let next = applyMerge(live, cfg) as KubeObject;
  const removals: string[] = [];
  if (prevMine) {
    const others = out.filter((m) => !mine(m));
    for (const p of prevMine.fields) {
      if (newSet.has(p) || newAnc.has(p) || overlapAt(p, newSet, newAnc) !== undefined) continue;
      const ownedElsewhere = others.some((m) => m.fields.has(p) || overlapAt(p, m.fields, ancestors(m.fields)) !== undefined);
      if (!ownedElsewhere) removals.push(p);
    }
  }
  if (removals.length) {
    next = clone(next);
    for (const p of removals) deletePath(next, p);
  }
  const idx = out.findIndex(mine);
  const unchangedOwnership = prevMine !== undefined && sameFieldSet(prevMine.fields, newSet) && stolen.size === 0;
  const entryNew: ManagerEntry = {
    manager: opts.fieldManager,
    operation: 'Apply',
    apiVersion: info.apiVersion,
    time: unchangedOwnership && prevMine ? prevMine.time : now,
    fields: newSet,
  };
  if (sub) entryNew.subresource = sub;
  if (idx >= 0) out[idx] = entryNew;
  else out.push(entryNew);
  return { next, managers: out, unchangedOwnership };
}

interface Conflict {
  manager: string;
  apiVersion: string;
  path: string;
}

function conflictError(info: KindInfo, name: string, conflicts: Conflict[]): ApiError {
  const lines = conflicts.map((c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${dotted(c.path)}`);
  const head = conflicts.length === 1 ? 'Apply failed with 1 conflict' : `Apply failed with ${conflicts.length} conflicts`;
  const message = conflicts.length === 1 ? `${head}: ${lines[0]}` : `${head}: ${lines.join('\n')}`;
  return new ApiError(409, 'Conflict', message, {
    name,
    group: info.group,
    kind: info.plural,
    causes: conflicts.map((c, i) => ({ type: 'FieldManagerConflict', message: lines[i]!, field: dotted(c.path) })),
  });
}

/**
 * fieldsV1 of a field set, rendered once: field sets are never changed after they are made (a
 * change of ownership makes a new set), and every write re-renders every manager of the object.
 */
const renderedFields = new WeakMap<FieldSet, Record<string, unknown>>();

function fieldsV1Of(fields: FieldSet): Record<string, unknown> {
  let out = renderedFields.get(fields);
  if (!out) renderedFields.set(fields, (out = toFieldsV1(fields)));
  return out;
}

/** One `metadata.managedFields` entry. */
export function renderManager(m: ManagerEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    time: m.time,
    fieldsType: 'FieldsV1',
    fieldsV1: fieldsV1Of(m.fields),
  };
  if (m.subresource) out.subresource = m.subresource;
  return out;
}
