import { stringify } from 'yaml';
import type { Cluster } from '../cluster/types.js';
import type { Tenant } from '../config/model.js';
import type { Diagnostic } from '../diagnostics.js';
import { API } from '../fluidos/types.js';
import { commitAll } from '../git/iso-repo.js';
import { SerialQueue } from '../git/queue.js';
import type { CommitRequest, GitRepo } from '../git/types.js';
import { gpuDemand, hourlyBudget } from '../intent/budget.js';
import { cents } from '../doc/money.js';
import type { Intent } from '../intent/model.js';
import { parseIntent } from '../intent/parse.js';
import { intentNamespace } from '../k8s/names.js';
import type { KubeObject } from '../k8s/object.js';
import { readRepoFiles } from '../repo/load.js';
import type { RepoModel } from '../repo/model.js';
import type { SourceFile } from '../doc/source-file.js';
import { parseRepo } from '../repo/parse.js';
import { allFailures, firstFailure, partitionCost, requirementsOf } from '../select/feasibility.js';
import { offerFromCandidate, type Offer } from '../select/offer.js';
import { suggest } from '../select/suggest.js';
import { scoreKindOf } from '../select/traits.js';
import type { IntentStatus } from '../status/model.js';
import { ApiError, hintSuggestion, type ErrorCode, type FieldError } from './api-error.js';
import type { Principal } from './tokens.js';

/** What the API knows of the repo: the parsed model at one head, read from the private clone. */
interface Snapshot {
  head: string;
  model: RepoModel;
  files: Map<string, string>;
}

interface CostEstimate {
  min: number;
  max: number;
  currency: string;
  feasible_offers: number;
}

interface PendingWrite {
  kind: 'create' | 'delete';
  tenant: string;
  name: string;
  id: string;
  file: string;
  /** Intent text (create); undefined for a delete. */
  text?: string;
  gpus: number;
  /** The compiled intent (create). */
  intent?: Intent;
  principal: Principal;
  resolve: (r: { sha: string | undefined }) => void;
  reject: (e: unknown) => void;
}

interface WriteState {
  files: Map<string, string>;
  intents: Intent[];
}

const OFFER_CACHE_MS = 2000;
const MAX_BATCH = 64;

/** `owner` as a commit identity: an e-mail stays, anything else gets a non-routable domain. */
function authorOf(owner: string): { name: string; email: string } {
  const clean = owner.replace(/[<>\n\r\0]/g, '').trim() || 'flare-api';
  return clean.includes('@') ? { name: clean, email: clean } : { name: clean, email: `${clean.replace(/\s+/g, '.')}@flare-api.invalid` };
}

function commitMessage(subject: string, p: Principal): string {
  return `${subject}\n\nFlare-Api-Token: ${p.tokenId}\n`;
}

/** Field errors of the compiler as the API reports them (paths relative to the intent body). */
function fieldErrors(diags: readonly Diagnostic[]): FieldError[] {
  return diags
    .filter((d) => d.severity === 'error')
    .map((d) => {
      const e: FieldError = { path: d.path, message: d.message, code: d.code };
      if (d.hint) e.hint = d.hint;
      return e;
    });
}

/** The submitted JSON in the recommended on-disk form: the envelope, body under `spec`. */
function toEnvelope(body: Record<string, unknown>, intent: Intent): string {
  let spec: Record<string, unknown>;
  const metadata: Record<string, unknown> = { name: intent.name };
  if (intent.shape === 'envelope') {
    const md = (body.metadata ?? {}) as Record<string, unknown>;
    Object.assign(metadata, md, { name: intent.name });
    spec = { ...(body.spec as Record<string, unknown>) };
  } else if (intent.shape === 'api') {
    spec = { ...(body.intent as Record<string, unknown>) };
    if (body.selection !== undefined) spec.selection = body.selection;
  } else {
    const { name: _n, ...rest } = body;
    spec = rest;
  }
  const doc = { apiVersion: 'flare.fluidos.eu/v1alpha1', kind: 'Intent', metadata, spec };
  return `# Submitted through the FLARE API.\n${stringify(doc, { lineWidth: 0 })}`;
}

function flavorAsCandidate(f: KubeObject): KubeObject {
  return {
    apiVersion: API.advertisement,
    kind: 'PeeringCandidate',
    metadata: { name: f.metadata.name, ...(f.metadata.namespace ? { namespace: f.metadata.namespace } : {}) },
    spec: { flavor: f, available: f.spec?.availability !== false },
  } as KubeObject;
}

/** Which API error a rejection constraint becomes. */
function codeForConstraint(constraint: string): ErrorCode {
  if (/gpu\.model$|gpu\.vendor$|gpu\.tier$|gpu\.architecture$/.test(constraint)) return 'GPU_MODEL_UNAVAILABLE';
  if (/gpu\.memory$/.test(constraint)) return 'GPU_MEMORY_INSUFFICIENT';
  if (/gpu\.count$/.test(constraint)) return 'GPU_COUNT_INSUFFICIENT';
  if (/location|regions|allowed_locations|availability_zone/.test(constraint)) return 'REGION_UNAVAILABLE';
  if (/max_hourly_cost|max_total_cost/.test(constraint) && !constraint.startsWith('tenant.')) return 'COST_LIMIT_EXCEEDED';
  if (constraint.startsWith('tenant.quota')) return 'QUOTA_EXCEEDED';
  return 'INSUFFICIENT_RESOURCES';
}

/**
 * The error to report when no offer fits: walking from what the user asked for most firmly (the
 * model) to what is easiest to change (the budget), the first requirement that no remaining offer
 * meets. So an H100 that exists but over budget is COST_LIMIT_EXCEEDED, an absent model is
 * GPU_MODEL_UNAVAILABLE. Each offer is given as the codes of all its failures.
 */
function blame(failures: ErrorCode[][]): ErrorCode {
  const order: ErrorCode[] = ['GPU_MODEL_UNAVAILABLE', 'REGION_UNAVAILABLE', 'GPU_MEMORY_INSUFFICIENT', 'GPU_COUNT_INSUFFICIENT', 'COST_LIMIT_EXCEEDED', 'QUOTA_EXCEEDED'];
  let left = failures;
  for (const code of order) {
    const next = left.filter((f) => !f.includes(code));
    if (next.length === 0) return code;
    left = next;
  }
  return 'INSUFFICIENT_RESOURCES';
}

/**
 * The intents side of the API. Reads come from a snapshot of the private clone; writes (create,
 * delete) are queued and land in batches: each batch is checked against the repo (quotas,
 * duplicates) in submission order and pushed as one commit per intent, in one push.
 */
export class IntentService {
  private snap: Snapshot | undefined;
  private readonly ops = new SerialQueue();
  private pending: PendingWrite[] = [];
  private flushing = false;
  private offers: { at: number; offers: Offer[] } | undefined;
  private offersLoading: Promise<Offer[]> | undefined;
  /** Writes landed, batches pushed: for /metrics. */
  readonly counters = { commits: 0, batches: 0, syncs: 0, rejected: 0, push_seconds: 0, land_seconds: 0 };

  constructor(
    private readonly repo: GitRepo,
    private readonly cluster: Cluster | undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get snapshot(): Snapshot {
    if (!this.snap) throw new ApiError('UPSTREAM_UNAVAILABLE', 'the repository is not loaded yet');
    return this.snap;
  }

  /** Syncs the clone with the remote and reloads the snapshot (queued with the writes). */
  refresh(): Promise<void> {
    return this.ops.run(async () => {
      const head = await this.repo.sync();
      this.counters.syncs++;
      if (this.snap && this.snap.head === head) return;
      await this.reload(head);
    });
  }

  private async reload(head?: string): Promise<void> {
    const files: SourceFile[] = await readRepoFiles(this.repo.dir);
    const map = new Map(files.map((f) => [f.path, f.text]));
    this.snap = { head: head ?? (await this.repo.head()), model: parseRepo(files), files: map };
  }

  tenant(name: string): Tenant | undefined {
    return this.snapshot.model.tenants.find((t) => t.name === name);
  }

  /** Intents visible to the caller: their tenant's, or every tenant's (or ?tenant=) for an admin. */
  list(tenant: string | null): Array<Record<string, unknown>> {
    const m = this.snapshot.model;
    return m.intents
      .filter((i) => tenant === null || i.tenant === tenant)
      .sort((a, b) => a.tenant.localeCompare(b.tenant) || a.name.localeCompare(b.name))
      .map((i) => this.summary(i, m.statuses.get(i.id)));
  }

  /** One intent of the caller's tenant (admin: any); undefined hides other tenants' intents. */
  find(id: string, tenant: string | null): Intent | undefined {
    return this.snapshot.model.intents.find((i) => i.id === id && (tenant === null || i.tenant === tenant));
  }

  private summary(i: Intent, s: IntentStatus | undefined): Record<string, unknown> {
    const chosen = s?.placements.find((p) => p.chosen)?.chosen;
    return {
      intent_id: i.id,
      tenant: i.tenant,
      name: i.name,
      status: (s?.phase ?? 'Pending').toLowerCase(),
      phase: s?.phase ?? 'Pending',
      provider: chosen?.provider ?? null,
      hourly_cost: s?.cost?.hourly ?? chosen?.hourly_cost ?? null,
      // what is placed, else what is asked for
      gpu: { count: i.spec.resources.gpu.count, model: chosen?.model ?? i.spec.resources.gpu.model ?? null },
      first_seen: s?.history[0]?.time ?? null,
    };
  }

  detail(i: Intent): Record<string, unknown> {
    const s = this.snapshot.model.statuses.get(i.id);
    const config = this.snapshot.model.config;
    const ns = intentNamespace(i.tenant, i.name);
    const placements = (s?.placements ?? []).map((p) => ({
      location: p.location ?? null,
      chosen: p.chosen ?? null,
      runners_up: p.runners_up ?? [],
      rejected: p.rejected ?? [],
      virtual_node: p.virtual_node?.name ?? null,
    }));
    const chosen = s?.placements.find((p) => p.chosen)?.chosen;
    const w = i.spec.workload;
    const exposed = w?.ports.find((p) => (p as { expose?: boolean }).expose) ?? w?.ports[0];
    return {
      intent_id: i.id,
      tenant: i.tenant,
      name: i.name,
      file: i.file,
      status: (s?.phase ?? 'Pending').toLowerCase(),
      phase: s?.phase ?? 'Pending',
      message: s?.message ?? 'committed; waiting for the reconciler',
      allocation: chosen
        ? {
            provider: chosen.provider,
            gpu: { model: chosen.model, count: i.spec.resources.gpu.count, memory: chosen.memory },
            region: chosen.region,
            virtual_node: s?.placements.find((p) => p.chosen)?.virtual_node?.name ?? null,
          }
        : null,
      workload: w
        ? {
            namespace: ns,
            kind: s?.workload?.kind ?? (w.type === 'batch' ? 'Job' : 'Deployment'),
            name: w.name,
            ready: s?.workload?.ready ?? false,
            replicas: s?.workload?.replicas ?? null,
            ready_replicas: s?.workload?.ready_replicas ?? null,
            succeeded: s?.workload?.succeeded ?? null,
          }
        : null,
      endpoint: w && exposed ? `${w.name}.${ns}.svc.cluster.local:${(exposed as { port: number }).port}` : null,
      cost: s?.cost
        ? { hourly: s.cost.hourly, accrued: s.cost.accrued, currency: s.cost.currency, since: s.cost.since }
        : { hourly: chosen?.hourly_cost ?? null, accrued: 0, currency: config.currency, since: null },
      placements,
      suggestions: s?.suggestions ?? [],
      history: s?.history ?? [],
    };
  }

  /** Current GPU offers of the federation (Flavors), cached briefly: every POST prices against them. */
  async currentOffers(): Promise<Offer[] | undefined> {
    if (!this.cluster) return undefined;
    const t = Date.now();
    if (this.offers && t - this.offers.at < OFFER_CACHE_MS) return this.offers.offers;
    if (!this.offersLoading) {
      const cluster = this.cluster;
      this.offersLoading = (async () => {
        try {
          const flavors = await cluster.list(API.nodecore, 'Flavor');
          const offers = flavors.map((f) => offerFromCandidate(flavorAsCandidate(f))).filter((o) => o.hasGpu);
          this.offers = { at: Date.now(), offers };
          return offers;
        } finally {
          this.offersLoading = undefined;
        }
      })();
    }
    return this.offersLoading;
  }

  async flavors(): Promise<KubeObject[]> {
    if (!this.cluster) throw new ApiError('UPSTREAM_UNAVAILABLE', 'no cluster configured: start flare serve with --kubeconfig');
    return this.cluster.list(API.nodecore, 'Flavor');
  }

  /** The EUR/h range over the offers that satisfy the intent now, or the error with relaxations. */
  async estimate(intent: Intent, tenantDef: Tenant | undefined): Promise<CostEstimate | undefined> {
    const offers = await this.currentOffers();
    if (!offers) return undefined;
    const config = this.snapshot.model.config;
    const req = requirementsOf({ intent, config, ...(tenantDef ? { tenant: tenantDef } : {}), candidates: [] });
    const costs: number[] = [];
    const failures = new Map<string, number>();
    for (const o of offers) {
      const f = firstFailure(o, req);
      if (f) failures.set(f.constraint, (failures.get(f.constraint) ?? 0) + 1);
      else costs.push(partitionCost(o, req.count) ?? (o.hourly_rate ?? 0) * req.count);
    }
    if (costs.length > 0) {
      return { min: Math.min(...costs), max: Math.max(...costs), currency: config.currency, feasible_offers: costs.length };
    }
    const suggestions = suggest(offers, req, scoreKindOf(intent.spec.workload?.type));
    const code = offers.length === 0 ? 'INSUFFICIENT_RESOURCES' : blame(offers.map((o) => allFailures(o, req).map((f) => codeForConstraint(f.constraint))));
    const reasons = [...failures.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} (${n})`);
    throw new ApiError(
      code,
      offers.length === 0
        ? 'the federation offers no GPUs right now'
        : `no offer of the federation satisfies the intent now; ${offers.length} offers rejected by ${reasons.join(', ')}`,
      suggestions.map((s) => ({ alternative: s.alternative, cost_difference: s.cost_difference, performance_impact: s.performance_impact, change: s.change })),
    );
  }

  /**
   * Validates a submitted body with the compiler (same messages and field paths as `flare
   * validate`), prices it, and queues its commit. Resolves once the commit is pushed.
   */
  async create(principal: Principal, tenant: string, body: Record<string, unknown>, raw: string) {
    const tenantDef = this.tenant(tenant);
    if (!tenantDef) throw new ApiError('NOT_FOUND', `tenant ${tenant} is not defined in the repository`, [hintSuggestion(`add tenants/${tenant}.yaml`)]);
    const config = this.snapshot.model.config;
    const res = parseIntent(raw, `intents/${tenant}/request.json`, { tenant, config, tenantDef });
    if (!res.intent) {
      const errors = fieldErrors(res.diagnostics);
      const missing = errors.length > 0 && errors.every((e) => e.code === 'missing-field');
      const first = errors[0];
      throw new ApiError(
        missing ? 'MISSING_REQUIRED_FIELD' : 'INVALID_FORMAT',
        first ? `${first.path ? `${first.path}: ` : ''}${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}` : 'invalid intent',
        errors.filter((e) => e.hint).map((e) => hintSuggestion(`${e.path ? `${e.path}: ` : ''}${e.hint}`)),
        errors,
      );
    }
    const intent = res.intent;
    const text = toEnvelope(body, intent);
    const file = `intents/${tenant}/${intent.name}.yaml`;
    // The on-disk form must compile to the very same intent.
    const again = parseIntent(text, file, { tenant, config, tenantDef });
    if (!again.intent) throw new ApiError('INTERNAL_ERROR', 'the intent could not be written in envelope form');
    const gpus = intent.spec.resources.gpu.count;
    const write = { kind: 'create' as const, tenant, name: intent.name, id: intent.id, file, text, gpus, intent: again.intent, principal };
    // Repo-level problems (name taken, quota) first, against the current snapshot: they are the
    // user's to fix whatever the federation offers. The batch checks again before committing.
    this.check({ ...write, resolve: () => undefined, reject: () => undefined }, this.writeState());
    const estimate = await this.estimate(again.intent, tenantDef);
    const { sha } = await this.enqueue(write);
    return { intent, sha, estimate, warnings: res.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.path}: ${d.message}`) };
  }

  /** Queues the removal of the intent's file; the reconciler releases what it held. */
  async remove(principal: Principal, intent: Intent): Promise<{ sha: string | undefined }> {
    return this.enqueue({ kind: 'delete', tenant: intent.tenant, name: intent.name, id: intent.id, file: intent.file, gpus: 0, principal });
  }

  private enqueue(w: Omit<PendingWrite, 'resolve' | 'reject'>): Promise<{ sha: string | undefined }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ ...w, resolve, reject });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        await this.ops.run(() => this.land(batch)).catch((err: unknown) => {
          for (const w of batch) w.reject(err);
        });
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The files and intents writes are checked against: the snapshot's, updated as a batch goes. */
  private writeState(): WriteState {
    const snap = this.snapshot;
    return { files: new Map(snap.files), intents: [...snap.model.intents] };
  }

  /** Checks each write against the repo as it will be after the ones before it, then pushes them. */
  private async land(batch: PendingWrite[]): Promise<void> {
    const t0 = Date.now();
    try {
      await this.landTimed(batch);
    } finally {
      this.counters.land_seconds += (Date.now() - t0) / 1000;
    }
  }

  private async landTimed(batch: PendingWrite[]): Promise<void> {
    const state = this.writeState();
    const accepted: Array<{ w: PendingWrite; req: CommitRequest }> = [];
    for (const w of batch) {
      try {
        const req = this.check(w, state);
        accepted.push({ w, req });
      } catch (err) {
        this.counters.rejected++;
        w.reject(err);
      }
    }
    if (accepted.length === 0) return;
    let results;
    const tp = Date.now();
    try {
      results = await commitAll(this.repo, accepted.map((a) => a.req));
      this.counters.push_seconds += (Date.now() - tp) / 1000;
    } catch (err) {
      // Nothing half-landed is kept: the clone is back at the remote head; reload what it holds.
      await this.reload().catch(() => undefined);
      throw new ApiError('UPSTREAM_UNAVAILABLE', 'the repository did not accept the commit; try again', [], undefined, { 'retry-after': '1' });
    }
    this.counters.batches++;
    this.counters.commits += results.filter((r) => r.sha).length;
    const landed = [...results].reverse().find((r) => r.sha);
    if (results.every((r) => r.attempts <= 1) && landed?.sha && this.snap) {
      // Landed on the head we checked against: the new snapshot is the old one plus our writes,
      // no need to re-read and re-parse the whole repo.
      this.snap = {
        head: landed.sha,
        model: { ...this.snap.model, intents: state.intents },
        files: state.files,
      };
    } else {
      await this.reload();
    }
    accepted.forEach((a, i) => a.w.resolve({ sha: results[i]?.sha }));
  }

  /**
   * The repo-level checks of one write (name taken, tenant quotas: the compiler's messages),
   * against and updating `state`. Only this tenant's intents take part in them.
   */
  private check(w: PendingWrite, state: WriteState): CommitRequest {
    const author = authorOf(w.principal.owner);
    if (w.kind === 'delete') {
      if (!state.files.has(w.file)) throw new ApiError('NOT_FOUND', `intent ${w.id} does not exist`);
      state.files.delete(w.file);
      state.intents = state.intents.filter((i) => i.file !== w.file);
      return { changes: [{ path: w.file, content: null }], message: commitMessage(`Delete intent ${w.tenant}/${w.name} (API)`, w.principal), author };
    }
    const intent = w.intent!;
    const mine = state.intents.filter((i) => i.tenant === w.tenant);
    const sameName = [...state.files.keys()].some((p) => p.startsWith(`intents/${w.tenant}/${w.name}.`) && /\.(ya?ml|json)$/.test(p));
    if (sameName || mine.some((i) => i.name === w.name)) {
      throw new ApiError('INTENT_EXISTS', `intent ${w.name} already exists in tenant ${w.tenant}`, [
        hintSuggestion('choose another name, or DELETE the existing intent first'),
      ]);
    }
    const tenant = this.tenant(w.tenant);
    const config = this.snapshot.model.config;
    const all = [...mine, intent];
    const problems: Array<{ code: string; path: string; message: string }> = [];
    if (tenant?.quota.gpus !== undefined && gpuDemand(intent) > 0) {
      const total = all.reduce((a, i) => a + gpuDemand(i), 0);
      if (total > tenant.quota.gpus) {
        const parts = all.filter((i) => gpuDemand(i) > 0).map((i) => `${i.name}: ${gpuDemand(i)}`);
        problems.push({ code: 'quota-gpus', path: 'tenant.quota.gpus', message: `the intents of tenant ${w.tenant} ask for ${total} GPUs; the quota is ${tenant.quota.gpus} (${parts.join(', ')})` });
      }
    }
    if (tenant?.quota.max_hourly_cost !== undefined && hourlyBudget(intent, config) !== undefined) {
      let total = 0;
      const parts: string[] = [];
      for (const i of all) {
        const b = hourlyBudget(i, config);
        if (b === undefined) continue;
        total += b;
        parts.push(`${i.name}: ${cents(b)}`);
      }
      if (cents(total) > tenant.quota.max_hourly_cost) {
        problems.push({ code: 'quota-money', path: 'tenant.quota.max_hourly_cost', message: `the intents of tenant ${w.tenant} may spend ${cents(total)} ${config.currency}/h; the quota is ${tenant.quota.max_hourly_cost} ${config.currency}/h (${parts.join(', ')})` });
      }
    }
    if (problems.length > 0) {
      throw new ApiError(
        'QUOTA_EXCEEDED',
        problems.map((d) => d.message).join('; '),
        problems.map((d) => ({
          alternative: d.code === 'quota-gpus' ? 'request fewer GPUs, or delete another intent of the tenant' : 'lower constraints.max_hourly_cost, or delete another intent of the tenant',
          cost_difference: d.code === 'quota-money' ? 'lower' : 'none',
          performance_impact: d.code === 'quota-gpus' ? 'fewer GPUs' : 'cheaper offers only',
        })),
        problems,
      );
    }
    state.files.set(w.file, w.text!);
    state.intents.push(intent);
    return { changes: [{ path: w.file, content: w.text! }], message: commitMessage(`Add intent ${w.tenant}/${w.name} (API)`, w.principal), author };
  }

  /** Resolves once every queued write and sync has finished. */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.flushing) await new Promise((r) => setTimeout(r, 5));
    await this.ops.drain();
  }

  async init(): Promise<void> {
    await this.ops.run(() => this.reload());
  }
}
