import type { Cluster } from '../cluster/types.js';
import type { KubeObject } from '../k8s/object.js';
import { keyOf, refOf } from '../k8s/object.js';
import { LABEL_INTENT, LABEL_TENANT, MANAGED_BY } from '../k8s/names.js';
import { API } from '../fluidos/types.js';
import { conflictMessage, ownedBy, repoSelector, stampIdentity, type RepoIdentity, type OwnershipConflict } from './ownership.js';

export const FIELD_MANAGER = 'flare';

/** Every kind the renderer may emit, so objects of a kind no longer rendered at all are pruned too. */
export const MANAGED_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: API.capsule, kind: 'Tenant' },
  { apiVersion: 'v1', kind: 'Namespace' },
  { apiVersion: API.nodecore, kind: 'Solver' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { apiVersion: API.reservation, kind: 'Reservation' },
  { apiVersion: API.nodecore, kind: 'Allocation' },
  { apiVersion: API.offloading, kind: 'NamespaceOffloading' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
];

/** A desired object and its apply order (the renderer's sync wave). */
export interface DesiredObject {
  object: KubeObject;
  wave: number;
  /** Whose object it is (the renderer knows even when a template drops the labels). */
  intentId?: string;
  tenant?: string;
  /** Where it was rendered (e.g. `rendered/team-a/web/namespace.yaml`), for located errors. */
  source?: string;
}

/**
 * Which live objects this repo may prune: those carrying its identity label (it applied them, so
 * it once rendered their intent or tenant). Nothing read from Git (a status file, a folder name)
 * widens this set: objects of other repos sharing the cluster and hand-made ones are never pruned.
 */
export interface PruneScope {
  identity: RepoIdentity;
  /** Tenants with unreadable intent files this cycle: nothing of theirs is pruned. */
  protectedTenants?: ReadonlySet<string>;
  /** Intents whose file does not validate and that have no good version to render: their leftovers stay. */
  protectedIntents?: ReadonlySet<string>;
}

interface ApplyPlan {
  /** In apply order: wave, then cluster-scoped before namespaced kinds. */
  apply: KubeObject[];
  /** In delete order: highest wave first. */
  prune: KubeObject[];
  unchanged: number;
}

/** A rendered object whose name is taken by an object this repo does not own. */
export interface ApplyReport {
  applied: number;
  pruned: number;
  unchanged: number;
  errors: { key: string; error: string }[];
  /** Objects not created because one of that name exists without this repo's identity. */
  conflicts: OwnershipConflict[];
}

/** Cluster-scoped parents first within a wave: a namespaced object needs its Namespace. */
const KIND_PRIORITY: Record<string, number> = { Tenant: 0, Namespace: 1 };

function kindPriority(kind: string): number {
  return KIND_PRIORITY[kind] ?? 2;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * desired ⊆ live: every field FLARE sets has the same value live (the server and controllers may
 * add fields). Arrays compare element-wise at equal length: a list is owned as a whole.
 */
export function subsetOf(desired: unknown, live: unknown): boolean {
  if (desired === undefined) return true;
  if (Array.isArray(desired)) {
    return Array.isArray(live) && desired.length === live.length && desired.every((d, i) => subsetOf(d, live[i]));
  }
  if (isObject(desired)) {
    if (!isObject(live)) return false;
    return Object.keys(desired).every((k) => subsetOf(desired[k], live[k]));
  }
  if (typeof desired === 'number' && typeof live === 'string') return String(desired) === live;
  return desired === live;
}

/** True when applying `desired` would change nothing FLARE owns on `live`. */
export function upToDate(desired: KubeObject, live: KubeObject | undefined): boolean {
  if (!live || live.metadata.deletionTimestamp) return false;
  const dm = desired.metadata;
  if (!subsetOf(dm.labels ?? {}, live.metadata.labels ?? {})) return false;
  if (!subsetOf(dm.annotations ?? {}, live.metadata.annotations ?? {})) return false;
  for (const k of Object.keys(desired)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata' || k === 'status') continue;
    if (!subsetOf(desired[k], live[k])) return false;
  }
  return true;
}

function inScope(o: KubeObject, scope: PruneScope): boolean {
  const labels = o.metadata.labels ?? {};
  if (labels[MANAGED_BY.key] !== MANAGED_BY.value || !ownedBy(o, scope.identity)) return false;
  const tenant = labels[LABEL_TENANT];
  if (tenant !== undefined && scope.protectedTenants?.has(tenant)) return false;
  const intent = labels[LABEL_INTENT];
  if (intent !== undefined && scope.protectedIntents?.has(intent)) return false;
  // an intent's objects carry its id, a tenant's its tenant: anything else is not FLARE's to prune
  return labels[LABEL_INTENT] !== undefined || tenant !== undefined;
}

/** Pure: what to apply (only what differs) and what to prune, in order. */
export function planApply(desired: readonly DesiredObject[], live: readonly KubeObject[], scope: PruneScope): ApplyPlan {
  const liveByKey = new Map(live.map((o) => [keyOf(o), o]));
  const waveOfKind = new Map<string, number>();
  const wanted = new Set<string>();
  const toApply: DesiredObject[] = [];
  let unchanged = 0;
  for (const d of desired) {
    const k = keyOf(d.object);
    wanted.add(k);
    waveOfKind.set(d.object.kind, d.wave);
    if (upToDate(d.object, liveByKey.get(k))) unchanged++;
    else toApply.push(d);
  }
  toApply.sort((a, b) => a.wave - b.wave || kindPriority(a.object.kind) - kindPriority(b.object.kind));
  const prune = live
    .filter((o) => !wanted.has(keyOf(o)) && !o.metadata.deletionTimestamp && inScope(o, scope))
    .sort((a, b) => {
      const wa = waveOfKind.get(a.kind) ?? DEFAULT_WAVE[a.kind] ?? 0;
      const wb = waveOfKind.get(b.kind) ?? DEFAULT_WAVE[b.kind] ?? 0;
      return wb - wa || kindPriority(b.kind) - kindPriority(a.kind) || (keyOf(a) < keyOf(b) ? -1 : 1);
    });
  return { apply: toApply.map((d) => d.object), prune, unchanged };
}

/** Delete order for kinds not rendered this cycle (mirrors the renderer's sync waves). */
const DEFAULT_WAVE: Record<string, number> = {
  Tenant: -1,
  Namespace: 0,
  Solver: 0,
  NetworkPolicy: 0,
  PersistentVolumeClaim: 0,
  Reservation: 1,
  Allocation: 2,
  NamespaceOffloading: 3,
  Deployment: 4,
  Job: 4,
  Service: 4,
  Ingress: 4,
  HorizontalPodAutoscaler: 4,
  PodDisruptionBudget: 4,
};

/**
 * One LIST per kind of every object this repo applied (its identity label), across namespaces;
 * without an identity, of every FLARE-managed object (observe mode: Argo CD applied them).
 */
export async function listManaged(
  cluster: Cluster,
  identity: RepoIdentity | undefined,
  extraKinds: readonly { apiVersion: string; kind: string }[] = [],
): Promise<KubeObject[]> {
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const k of [...MANAGED_KINDS, ...extraKinds]) kinds.set(`${k.apiVersion}/${k.kind}`, k);
  const lists = await Promise.all(
    [...kinds.values()].map((k) =>
      cluster
        .list(k.apiVersion, k.kind, { labelSelector: identity ? repoSelector(identity) : `${MANAGED_BY.key}=${MANAGED_BY.value}` })
        .then((items) => items.map((o) => (o.kind && o.apiVersion ? o : { ...o, apiVersion: k.apiVersion, kind: k.kind }))),
    ),
  );
  return lists.flat();
}

async function pool<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!);
    }
  });
  await Promise.all(workers);
}

function groupKey(o: KubeObject, wave: number): string {
  return `${wave}:${kindPriority(o.kind)}`;
}

interface ApplyOptions {
  scope: PruneScope;
  /** Live objects already listed this cycle (else listed here). */
  live?: KubeObject[];
  concurrency?: number;
  /** false: apply only, never delete (e.g. a render with errors must not prune what it failed to render). */
  prune?: boolean;
}

/**
 * Objects to create whose name is already taken by an object this repo does not own (another
 * repo's, hand-made, or being deleted): one GET each, only for objects this repo does not have yet.
 */
async function findConflicts(
  cluster: Cluster,
  creates: readonly KubeObject[],
  origin: ReadonlyMap<string, DesiredObject>,
  identity: RepoIdentity,
  limit: number,
): Promise<OwnershipConflict[]> {
  const out: OwnershipConflict[] = [];
  await pool(creates, limit, async (o) => {
    const found = await cluster.get(refOf(o));
    if (!found || ownedBy(found, identity)) return;
    const d = origin.get(keyOf(o));
    const where = d?.source ? ` (${d.source})` : '';
    const c: OwnershipConflict = { key: keyOf(o), message: conflictMessage(o, identity) + where };
    const labels = o.metadata.labels ?? {};
    const intentId = d?.intentId ?? labels[LABEL_INTENT];
    const tenant = d?.tenant ?? labels[LABEL_TENANT];
    if (intentId) c.intentId = intentId;
    if (tenant) c.tenant = tenant;
    out.push(c);
  });
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Desired objects that touch a conflict: the conflicting intent's (or tenant's) objects are held back whole. */
function blockedBy(conflicts: readonly OwnershipConflict[], origin: ReadonlyMap<string, DesiredObject>): (o: KubeObject) => boolean {
  const intents = new Set<string>();
  const tenants = new Set<string>();
  const keys = new Set<string>();
  for (const c of conflicts) {
    keys.add(c.key);
    if (c.intentId) intents.add(c.intentId);
    else if (c.tenant) tenants.add(c.tenant);
  }
  return (o) => {
    const labels = o.metadata.labels ?? {};
    const d = origin.get(keyOf(o));
    const intentId = d?.intentId ?? labels[LABEL_INTENT];
    const tenant = d?.tenant ?? labels[LABEL_TENANT];
    return keys.has(keyOf(o)) || (intentId !== undefined && intents.has(intentId)) || (tenant !== undefined && tenants.has(tenant));
  };
}

/**
 * Server-side apply (field manager `flare`) of what differs, stage by stage, then prune of what is
 * no longer rendered. Every object carries this repo's identity. Objects the repo already owns are
 * applied with force (Git is the source of truth); an object it does not own yet is created only
 * when no object of that name exists: otherwise nothing of its intent (or tenant) is applied and a
 * conflict is reported. A no-op cycle writes nothing. Errors of single objects are collected, not
 * thrown: the next cycle retries them.
 */
export async function applyDesired(cluster: Cluster, rendered: readonly DesiredObject[], opts: ApplyOptions): Promise<ApplyReport> {
  const identity = opts.scope.identity;
  const desired = rendered.map((d) => ({ ...d, object: stampIdentity(d.object, identity) }));
  const origin = new Map(desired.map((d) => [keyOf(d.object), d]));
  const live = opts.live ?? (await listManaged(cluster, identity, desired.map((d) => d.object)));
  const plan = planApply(desired, live, opts.scope);
  const report: ApplyReport = { applied: 0, pruned: 0, unchanged: plan.unchanged, errors: [], conflicts: [] };
  const limit = opts.concurrency ?? 8;
  const owned = new Set(live.map(keyOf));
  try {
    report.conflicts = await findConflicts(cluster, plan.apply.filter((o) => !owned.has(keyOf(o))), origin, identity, limit * 2);
  } catch (err) {
    // unknown whether the names are free: create nothing new this cycle
    report.errors.push({ key: 'ownership check', error: errorText(err) });
    plan.apply = plan.apply.filter((o) => owned.has(keyOf(o)));
  }
  if (report.conflicts.length > 0) {
    const blocked = blockedBy(report.conflicts, origin);
    plan.apply = plan.apply.filter((o) => !blocked(o));
  }
  const waveOf = new Map(desired.map((d) => [keyOf(d.object), d.wave]));
  // apply group by group (wave, then Tenant/Namespace before the rest): later stages need earlier ones
  const groups: KubeObject[][] = [];
  let last = '';
  for (const o of plan.apply) {
    const g = groupKey(o, waveOf.get(keyOf(o)) ?? 0);
    if (g !== last) groups.push([]);
    last = g;
    groups[groups.length - 1]!.push(o);
  }
  for (const group of groups) {
    await pool(group, limit, async (o) => {
      try {
        // a create is not forced: should an object of that name appear meanwhile, its fields are not taken
        await cluster.apply(o, { fieldManager: FIELD_MANAGER, force: owned.has(keyOf(o)) });
        report.applied++;
      } catch (err) {
        report.errors.push({ key: keyOf(o), error: errorText(err) });
      }
    });
  }
  if (opts.prune === false) return report;
  // highest wave first, one wave at a time, so a workload goes before its offloading and allocation
  const pruneGroups = new Map<number, KubeObject[]>();
  for (const o of plan.prune) {
    const w = DEFAULT_WAVE[o.kind] ?? 0;
    const list = pruneGroups.get(w) ?? [];
    list.push(o);
    pruneGroups.set(w, list);
  }
  for (const w of [...pruneGroups.keys()].sort((a, b) => b - a)) {
    await pool(pruneGroups.get(w)!, limit, async (o) => {
      try {
        if (await cluster.delete(refOf(o))) report.pruned++;
      } catch (err) {
        report.errors.push({ key: keyOf(o), error: errorText(err) });
      }
    });
  }
  return report;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
