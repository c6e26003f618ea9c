import { readdir, readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import type { Cluster } from '../cluster/types.js';
import type { FlareConfig, GitSettings, ReconcilerSettings } from '../config/model.js';
import type { SelectionMode } from '../intent/model.js';
import type { Intent } from '../intent/model.js';
import type { GitRepo, FileChange } from '../git/types.js';
import type { RepoModel } from '../repo/model.js';
import type { RenderResult } from '../render/types.js';
import type { TemplateSet } from '../render/templates.js';
import type { Decision, RankInput } from '../select/types.js';
import type { IntentStatus, Phase, StatusDocument } from '../status/model.js';
import { API } from '../fluidos/types.js';
import { intentId, solverName } from '../k8s/names.js';
import { placementLocations } from '../intent/spec-hash.js';
import { toYaml } from '../k8s/serialize.js';
import { buildCommitMessage } from '../git/message.js';
import { applyDesired, listManaged, type ApplyReport, type DesiredObject, type PruneScope } from './apply.js';
import { observeCluster, type Observed } from './observe.js';
import { advance } from './state-machine.js';
import type { TenantUsage } from './advance-context.js';
import { addClaims, choiceBarrier, choiceOrder, heldBack, pendingClaims } from './order.js';
import { renderWarningsByFile } from './render-warnings.js';
import { parseStatus } from '../status/parse.js';
import { LeadershipLostError } from '../errors.js';
import { conflictsByIntent, ownedForIntent, repoIdentity, withConflicts, type RepoIdentity } from './ownership.js';
import { trustedStatuses } from './rebuild-statuses.js';
import { assertRoots } from './roots.js';
import { placementGpus } from '../intent/budget.js';
import { signStatus, type Keyring } from '../status/signature.js';
import { extractSignature } from '../status/signature-text.js';
import { describeUntrusted, dropUntrustedStatuses, refuseSymlinks, statusFileTrusted, type UntrustedStatus } from './trust.js';
import { invalidStatus, recoveredStatus, scanInvalid, type InvalidIntent } from './invalid.js';
import { forGit, sameForGit } from './commit-worthy.js';

const RENDERED_DIR = 'rendered';
const STATUS_DIR = 'status';

export type ReconcileMode = 'apply' | 'observe';

/** Settings a caller (CLI flag, test, demo) may force over the repo's flare.yaml. */
export interface ConfigOverrides {
  reconciler?: Partial<ReconcilerSettings>;
  git?: Partial<GitSettings>;
  selection?: SelectionMode;
}

export type LogFn = (line: string) => void;

interface CycleDeps {
  git: GitRepo;
  cluster: Cluster;
  mode: ReconcileMode;
  now: () => Date;
  log: LogFn;
  rank: (input: RankInput) => Decision;
  render: (model: RepoModel, templates: TemplateSet) => RenderResult;
  loadRepo: (dir: string) => Promise<RepoModel>;
  loadTemplates: (dir: string) => Promise<TemplateSet>;
  overrides?: ConfigOverrides;
  /** Which repo this is: every applied object carries it, and only its objects are changed or pruned. */
  identity?: RepoIdentity;
  /** Status signing keys (src/reconcile/trust.ts): statuses that do not verify are treated as absent. */
  keyring: Keyring;
  /** One-time migration: trust unsigned status files (never tampered or foreign ones). */
  adoptUnsigned?: boolean;
  /**
   * The last status computed per intent, retry bookkeeping included (it never reaches Git): the
   * reconciler keeps one for its lifetime. Without it, retries restart from the committed status.
   */
  memory?: Map<string, IntentStatus>;
  /** Test hook: runs after the first apply and before the status commit (crash-between tests). */
  afterApply?: () => Promise<void> | void;
  /**
   * Leader fencing: asked right before each write stage (apply, commit, post-apply); false means
   * this process no longer holds the lease and the cycle ends there without writing.
   */
  fence?: (stage: FenceStage) => Promise<boolean>;
}

type FenceStage = 'apply' | 'commit' | 'post-apply';

async function fenced(deps: CycleDeps, stage: FenceStage): Promise<void> {
  if (deps.fence && !(await deps.fence(stage))) throw new LeadershipLostError(stage);
}

export interface IntentPhase {
  id: string;
  tenant: string;
  name: string;
  phase: Phase;
  message?: string;
  provider?: string;
  /** Hourly cost of the chosen placements. */
  hourly_cost?: number;
}

export interface CycleResult {
  /** Remote head the cycle started from. */
  head: string;
  /** The status commit, when one was made. */
  commit?: string;
  /** The commit reached the remote (false for a local repository, which is never pushed). */
  pushed: boolean;
  /** Ids whose status changed this cycle. */
  changed: string[];
  /** Ids whose intent was deleted (status file removed). */
  deleted: string[];
  intents: IntentPhase[];
  /** First apply (stage unlocked by the previous commit) and the apply after the commit. */
  apply: ApplyReport;
  postApply?: ApplyReport;
  /** Files written or deleted by the commit. */
  files: number;
  durationMs: number;
  /** Status files that did not verify this cycle (treated as absent, rewritten signed). */
  untrusted: UntrustedStatus[];
  /** Milliseconds spent per phase of the cycle, in the order they ran (the benchmark prints them). */
  timings: Record<string, number>;
  config: FlareConfig;
}

function withOverrides(config: FlareConfig, o: ConfigOverrides | undefined): FlareConfig {
  if (!o) return config;
  return {
    ...config,
    selection: o.selection ?? config.selection,
    reconciler: { ...config.reconciler, ...(o.reconciler ?? {}) },
    git: { ...config.git, ...(o.git ?? {}) },
  };
}

export function statusPath(tenant: string, name: string): string {
  return `${STATUS_DIR}/${tenant}/${name}.yaml`;
}

/** The on-disk form of a status: the envelope, serialized by the one YAML writer. */
export function statusFileText(s: IntentStatus, keyring?: Keyring): string {
  const doc: StatusDocument = {
    apiVersion: 'flare.fluidos.eu/v1alpha1',
    kind: 'IntentStatus',
    metadata: { name: s.name, tenant: s.tenant },
    status: s,
  };
  return toYaml(keyring ? { ...doc, signature: signStatus(s, keyring) } : doc);
}

async function readTree(root: string, rel: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dirRel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(root, dirRel), { withFileTypes: true });
    } catch {
      return;
    }
    await Promise.all(
      entries.map(async (e) => {
        const r = `${dirRel}/${e.name}`;
        if (e.isDirectory()) await walk(r);
        else if (e.isFile()) out.set(r, await readFile(path.join(root, r), 'utf8'));
      }),
    );
  };
  await walk(rel);
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** GPUs and hourly spend the tenant's intents hold (those with a choice that is not finished). */
function holding(s: IntentStatus | undefined, intent: Intent): TenantUsage {
  const u = { gpus: 0, hourly_cost: 0 };
  if (!s || s.phase === 'Completed' || s.phase === 'Failed') return u;
  for (const p of s.placements) {
    if (!p.chosen) continue;
    u.gpus += placementGpus(intent);
    u.hourly_cost += p.chosen.hourly_cost;
  }
  return u;
}

/** `ml-platform/mistral-chat Running on provider-de (1.20 EUR/h)`: intent, phase, provider, cost. */
function describeChange(c: IntentPhase, currency: string): string {
  const where = c.provider ? ` on ${c.provider}${c.hourly_cost ? ` (${c.hourly_cost.toFixed(2)} ${currency}/h)` : ''}` : '';
  return `${c.tenant}/${c.name} ${c.phase}${where}`;
}

function commitSubject(config: FlareConfig, changed: IntentPhase[], deleted: string[], renderedFiles: number): string {
  const parts = changed.map((c) => describeChange(c, config.currency));
  parts.push(...deleted.map((d) => `${d} deleted`));
  const head = parts.slice(0, 3).join(', ');
  const summary = parts.length > 3 ? `${head} and ${parts.length - 3} more` : head || `re-rendered ${renderedFiles} file(s)`;
  const count = changed.length + deleted.length;
  return config.git.message.replaceAll('{count}', String(count)).replaceAll('{summary}', summary);
}

/**
 * One reconcile cycle: sync → load → render → (apply) → observe → advance → one commit of the
 * changed status and rendered files → (apply what the commit unlocked). Safe to kill at any point:
 * every name derives from committed status, so a rerun converges on the same objects.
 */
export async function runCycle(deps: CycleDeps): Promise<CycleResult> {
  const started = Date.now();
  const { git, cluster, log } = deps;
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (phase: string): void => {
    const t = performance.now();
    timings[phase] = (timings[phase] ?? 0) + (t - mark);
    mark = t;
  };
  const head = await git.sync();
  lap('sync');
  // a symlinked or unreadable intents/, tenants/ or status/ would read as another repo or as empty
  await assertRoots(git.dir);
  const identity = deps.identity ?? repoIdentity({ path: git.dir });
  const loaded = await deps.loadRepo(git.dir);
  const config = withOverrides(loaded.config, deps.overrides);
  const model: RepoModel = { ...loaded, config };
  const templates = await deps.loadTemplates(git.dir);
  for (const d of model.diagnostics) if (d.severity === 'error') log(`repo: ${d.file}: ${d.message}`);

  refuseSymlinks(git.dir, model.diagnostics);
  const statusFiles = await readTree(git.dir, STATUS_DIR);
  const renderedFiles = await readTree(git.dir, RENDERED_DIR);
  // a status the reconciler did not sign unlocks nothing: drop it before anything reads it
  const untrusted = dropUntrustedStatuses(model, statusFiles, deps.keyring, { adoptUnsigned: deps.adoptUnsigned === true });
  for (const u of untrusted) log(`warning: ${describeUntrusted(u)}`);
  const untrustedFiles = new Set(untrusted.map((u) => u.file));
  // A typo must not delete a running workload: an invalid intent file keeps its last good spec
  // (rendered, applied and never pruned or re-placed); only a broken flare.yaml or tenant file
  // freezes more than the one intent.
  const scanOpts: Parameters<typeof scanInvalid>[1] = {
    currentText: (f) => readFile(path.join(git.dir, f), 'utf8').catch(() => undefined),
    cacheKey: git.dir,
  };
  if (git.fileVersions) scanOpts.history = (f, n) => git.fileVersions!(f, n);
  scanOpts.runningHash = (id) => {
    for (const [p, text] of statusFiles) {
      if (untrustedFiles.has(p)) continue;
      if (!p.endsWith('.yaml') || intentId(p.split('/')[1] ?? '', (p.split('/')[2] ?? '').replace(/\.ya?ml$/, '')) !== id) continue;
      return parseStatus(text, p).status?.spec_hash;
    }
    return undefined;
  };
  const scan = await scanInvalid(model, scanOpts);
  const invalidById = new Map<string, InvalidIntent>(scan.invalid.map((i) => [i.id, i]));
  const now = deps.now();
  // statuses as committed (and trusted), those of invalid intents included (the parser skips them as orphans)
  const committed = new Map(model.statuses);
  for (const inv of scan.invalid) {
    const p = statusPath(inv.tenant, inv.name);
    const text = statusFiles.get(p);
    const st = text === undefined ? undefined : parseStatus(text, p).status;
    if (st && st.intent_id === inv.id && statusFileTrusted(deps.keyring, st, inv.id, text!, deps.adoptUnsigned === true)) committed.set(inv.id, st);
  }
  const base = new Map(committed);
  for (const i of model.intents) {
    const s = base.get(i.id);
    if (s?.phase !== 'Invalid') continue;
    const r = recoveredStatus(s, now);
    if (r) base.set(i.id, r);
    else base.delete(i.id);
  }
  const lastGood = scan.invalid.flatMap((i) => (i.lastGood ? [i.lastGood] : []));
  /** Invalid intents with no good version to render: a status file only, their leftovers kept. */
  const statusOnly = scan.invalid.filter((i) => !i.lastGood);
  const keepFolders = new Set(statusOnly.map((i) => `${i.tenant}/${i.name}/`));
  const intents = [...model.intents, ...lastGood].sort((a, b) => cmp(a.tenant, b.tenant) || cmp(a.name, b.name));
  lap('load');
  const scope: PruneScope = { identity, protectedTenants: scan.frozenTenants, protectedIntents: new Set(statusOnly.map((i) => i.id)) };
  const allowPrune = !scan.all;
  const protect = (tenant: string): boolean => scan.all || scan.frozenTenants.has(tenant);
  // objects Argo CD applied (observe mode) carry no repo identity
  const own = deps.mode === 'apply' ? identity : undefined;

  // 0. status from the cluster where the status file is missing, broken or contradicts it
  const firstLive = await listManaged(cluster, own);
  const trusted = await trustedStatuses({
    intents,
    model: { ...model, statuses: base },
    statusFiles,
    fileOf: (i) => statusPath(i.tenant, i.name),
    live: firstLive,
    config,
    now,
    log,
    observe: () => observeCluster(cluster, config, own),
  });
  lap('trust');
  const renderModel: RepoModel = { ...model, intents, statuses: trusted };

  // 1. apply what the committed status unlocks
  const first = deps.render(renderModel, templates);
  lap('render');
  let applyReport: ApplyReport = { applied: 0, pruned: 0, unchanged: 0, errors: [], conflicts: [] };
  if (deps.mode === 'apply') {
    await fenced(deps, 'apply');
    applyReport = await applyDesired(cluster, desiredOf(first), { scope, prune: allowPrune, live: firstLive });
    for (const c of applyReport.conflicts.slice(0, 5)) log(`ownership: ${c.key}: ${c.message}`);
    for (const e of applyReport.errors.slice(0, 5)) log(`apply: ${e.key}: ${e.error}`);
  }
  await deps.afterApply?.();
  lap('apply');

  // 2. observe and decide
  const observed: Observed = await observeCluster(cluster, config, own);
  lap('observe');
  const tenantsByName = new Map(model.tenants.map((t) => [t.name, t]));
  const statuses = new Map(trusted);
  // retry bookkeeping lives in memory: restore it where Git holds the same status without it
  if (deps.memory) {
    for (const i of intents) {
      const c = statuses.get(i.id);
      const m = deps.memory.get(i.id);
      if (c && m && m !== c && sameForGit(c, m)) statuses.set(i.id, m);
    }
  }
  const usage = new Map<string, TenantUsage>();
  for (const i of intents) {
    const u = usage.get(i.tenant) ?? { gpus: 0, hourly_cost: 0 };
    const h = holding(statuses.get(i.id), i);
    usage.set(i.tenant, { gpus: u.gpus + h.gpus, hourly_cost: u.hourly_cost + h.hourly_cost });
  }
  const changed: IntentPhase[] = [];
  const rediscover: string[] = [];
  const byId = new Map<string, IntentPhase>();
  const claims = pendingClaims(intents, statuses, observed);
  const renderWarnings = renderWarningsByFile(first.diagnostics);
  const valid = intents.filter((i) => !invalidById.has(i.id));
  // an intent held back by an ownership conflict has no discovery to wait for
  const blocked = new Set(conflictsByIntent(applyReport, intents).keys());
  const held = choiceBarrier(valid.filter((i) => !blocked.has(i.id)), statuses, observed, config, now);
  if (held.size > 0) log(`choices held back until every discovery has finished: ${held.size} intent(s)`);
  let heldView: Observed | undefined;
  for (const intent of choiceOrder(intents, statuses, observed, config, tenantsByName, deps.rank)) {
    const before = statuses.get(intent.id);
    const inv = invalidById.get(intent.id);
    if (inv) {
      // frozen on its last good spec: no choice, no re-placement until the file is fixed
      const s = invalidStatus(inv, before, now, intent.spec.selection ?? config.selection);
      statuses.set(intent.id, s);
      byId.set(intent.id, phaseOf(s));
      continue;
    }
    const total = usage.get(intent.tenant)!;
    const mine = holding(before, intent);
    const others: TenantUsage = { gpus: total.gpus - mine.gpus, hourly_cost: Math.max(0, total.hourly_cost - mine.hourly_cost) };
    // held back: one shared view in which every held intent's open discoveries are still running
    if (held.size > 0 && !heldView) heldView = heldBack(observed, valid.filter((i) => held.has(i.id)).flatMap((i) => openSolvers(i, statuses.get(i.id))));
    const view = held.has(intent.id) ? heldView! : observed;
    const args: Parameters<typeof advance>[0] = { intent, observed: view, now, config, rank: deps.rank, tenantUsage: others, claims };
    if (before) args.status = before;
    const warned = renderWarnings.get(intent.file);
    if (warned) args.renderWarnings = warned;
    const tenant = tenantsByName.get(intent.tenant);
    if (tenant) args.tenant = tenant;
    const r = advance(args);
    const after = holding(r.status, intent);
    usage.set(intent.tenant, { gpus: others.gpus + after.gpus, hourly_cost: others.hourly_cost + after.hourly_cost });
    statuses.set(intent.id, r.status);
    addClaims(claims, r.status, before, placementGpus(intent));
    // only Solvers found in the cluster with this repo's identity and this intent's id: a name read
    // from a status file never deletes anything
    rediscover.push(...r.rediscover.filter((n) => ownedForIntent(observed.solvers.get(n), identity, intent.id)));
    byId.set(intent.id, phaseOf(r.status));
  }
  for (const [id, messages] of conflictsByIntent(applyReport, intents)) {
    const s = withConflicts(statuses.get(id)!, committed.get(id), messages, now);
    statuses.set(id, s);
    byId.set(id, phaseOf(s));
  }
  for (const inv of statusOnly) {
    const s = invalidStatus(inv, statuses.get(inv.id), now, config.selection);
    statuses.set(inv.id, s);
    byId.set(inv.id, phaseOf(s));
  }
  const everyone = [...intents.map((i) => ({ id: i.id, tenant: i.tenant, name: i.name })), ...statusOnly].sort(
    (a, b) => cmp(a.tenant, b.tenant) || cmp(a.name, b.name),
  );
  const phases = everyone.map((i) => byId.get(i.id)!);
  // commit-worthy: a phase, decision, placement or reason changed, not only retry bookkeeping
  for (const ip of phases) if (!sameForGit(statuses.get(ip.id), committed.get(ip.id))) changed.push(ip);
  if (deps.memory) {
    deps.memory.clear();
    for (const ip of phases) deps.memory.set(ip.id, statuses.get(ip.id)!);
  }
  const changedIds = new Set(changed.map((c) => c.id));
  lap('advance');

  // 3. files: status of every intent, stale status files, the rendered tree of the new status
  // rendering reads status: with no status change the first render is the answer
  const next = changed.length === 0 ? first : deps.render({ ...renderModel, statuses }, templates);
  lap('render2');
  const changes: FileChange[] = [];
  const resigned: string[] = [];
  for (const intent of everyone) {
    const p = statusPath(intent.tenant, intent.name);
    // unchanged, trusted and signed with the current key: the file is already what we would write
    // (signing every status each cycle would cost a no-op cycle an HMAC per intent)
    const onDisk = statusFiles.get(p);
    if (!changedIds.has(intent.id) && onDisk !== undefined && !untrustedFiles.has(p) && extractSignature(onDisk)?.key_id === deps.keyring.signing.id) continue;
    const text = statusFileText(forGit(statuses.get(intent.id)!), deps.keyring);
    if (onDisk === text) continue;
    changes.push({ path: p, content: text });
    // re-signed only (key rotation, migration): still named in a trailer, so the PR guard knows the commit
    if (!changedIds.has(intent.id)) resigned.push(intent.id);
    // a status the parser rejects would be dropped on the next load and restart the intent
    for (const d of parseStatus(text, p).diagnostics) if (d.severity === 'error') log(`BUG: ${p}: ${d.path} ${d.message}`);
  }
  const deleted: string[] = [];
  const wantedStatus = new Set(everyone.map((i) => statusPath(i.tenant, i.name)));
  for (const p of statusFiles.keys()) {
    const parts = p.split('/');
    if (parts.length !== 3 || wantedStatus.has(p)) continue;
    const tenant = parts[1]!;
    if (protect(tenant)) continue;
    changes.push({ path: p, content: null });
    deleted.push(intentId(tenant, parts[2]!.replace(/\.(ya?ml|json)$/, '')));
  }
  for (const [rel, text] of next.files) {
    const p = `${RENDERED_DIR}/${rel}`;
    if (renderedFiles.get(p) !== text) changes.push({ path: p, content: text });
  }
  for (const p of renderedFiles.keys()) {
    const rel = p.slice(RENDERED_DIR.length + 1);
    if (next.files.has(rel)) continue;
    const tenant = rel.split('/')[0] ?? '';
    if (protect(tenant)) continue;
    if ([...keepFolders].some((f) => rel.startsWith(f))) continue;
    changes.push({ path: p, content: null });
  }
  changes.sort((a, b) => cmp(a.path, b.path));
  lap('diff');

  const result: CycleResult = {
    head,
    pushed: false,
    changed: changed.map((c) => c.id),
    deleted: [...new Set(deleted)].sort(),
    intents: phases,
    untrusted,
    apply: applyReport,
    files: changes.length,
    durationMs: 0,
    timings,
    config,
  };
  if (changes.length > 0) {
    const renderedChanges = changes.filter((c) => c.path.startsWith(`${RENDERED_DIR}/`)).length;
    // every bot commit, a rendered-only one included, says what it is and where it started from
    const trailers: Record<string, string | string[]> = {
      'Flare-Intent': [...changed.map((c) => c.id), ...result.deleted, ...resigned],
      'Flare-Phase': changed.map((c) => `${c.id}=${c.phase}`),
      'Flare-Provider': changed.filter((c) => c.provider).map((c) => `${c.id}=${c.provider}`),
      'Flare-Rendered': `${renderedChanges} file(s)`,
      'Flare-Status': `${changes.length - renderedChanges} file(s)`,
      'Flare-Base': head || '(empty)',
    };
    const message = buildCommitMessage({
      subject: commitSubject(config, changed, result.deleted, renderedChanges),
      trailers,
      skipCi: config.git.skip_ci,
    });
    await fenced(deps, 'commit');
    const res = await git.commitAndPush({ changes, message, author: config.git.author, maxAttempts: config.reconciler.push_retries + 1 });
    if (res.sha) result.commit = res.sha;
    result.pushed = res.pushed;
    log(`commit ${res.sha?.slice(0, 8) ?? '(none)'}: ${changes.length} file(s), ${changed.length} status change(s)${res.pushed ? '' : ' (not pushed)'}`);
    lap('commit');
  }

  // 4. apply what the new status unlocked, in the same cycle
  // a local repository's commit lands without a push; a remote one lands once pushed
  if (deps.mode === 'apply' && result.commit !== undefined && (changed.length > 0 || result.deleted.length > 0)) {
    await fenced(deps, 'post-apply');
    for (const name of [...new Set(rediscover)]) {
      await cluster
        .delete({ apiVersion: API.nodecore, kind: 'Solver', namespace: config.namespaces.fluidos, name })
        .catch((err) => log(`rediscover ${name}: ${(err as Error).message}`));
    }
    const live = await listManaged(cluster, identity, desiredOf(next).map((d) => d.object));
    result.postApply = await applyDesired(cluster, desiredOf(next), { scope, prune: allowPrune, live });
    for (const e of result.postApply.errors.slice(0, 5)) log(`apply: ${e.key}: ${e.error}`);
    lap('postApply');
  }
  result.durationMs = Date.now() - started;
  return result;
}

function desiredOf(r: RenderResult): DesiredObject[] {
  return r.objects.map((o) => ({ object: o.object, wave: o.wave, tenant: o.tenant, source: `${RENDERED_DIR}/${o.path}`, ...(o.intentId ? { intentId: o.intentId } : {}) }));
}

function openSolvers(intent: Intent, s: IntentStatus | undefined): string[] {
  return s ? s.placements.filter((p) => !p.chosen).map((p) => p.solver) : placementLocations(intent).map((l) => solverName(intent.id, l));
}

function phaseOf(s: IntentStatus): IntentPhase {
  const ip: IntentPhase = { id: s.intent_id, tenant: s.tenant, name: s.name, phase: s.phase };
  if (s.message) ip.message = s.message;
  const providers = [...new Set(s.placements.map((p) => p.chosen?.provider).filter((p): p is string => !!p))];
  if (providers.length) ip.provider = providers.join(',');
  const hourly = s.placements.reduce((sum, p) => sum + (p.chosen?.hourly_cost ?? 0), 0);
  if (hourly > 0) ip.hourly_cost = Math.round(hourly * 100) / 100;
  return ip;
}
