import type { Diagnostic } from '../diagnostics.js';
import { sortDiagnostics } from '../diagnostics.js';
import type { FlareConfig, Tenant } from '../config/model.js';
import { DEFAULT_CONFIG } from '../config/model.js';
import { parseConfig, parseTenant } from '../config/parse.js';
import type { ParseTenantResult } from '../config/parse.js';
import type { Intent } from '../intent/model.js';
import { parseIntent } from '../intent/parse.js';
import { gpuDemand, hourlyBudget } from '../intent/budget.js';
import { parseStatus } from '../status/parse.js';
import type { IntentStatus } from '../status/model.js';
import { intentId } from '../k8s/names.js';
import { legacyStatus } from '../status/legacy-id.js';
import { DNS_LABEL_RE } from '../doc/patterns.js';
import { cents } from '../doc/money.js';
import type { RepoModel } from './model.js';
import type { SourceFile } from '../doc/source-file.js';
import { LIMITS } from '../doc/yaml-reader.js';
import { checkHosts } from './hosts.js';
import { gpuCatalogWarnings } from '../intent/check-gpu-catalog.js';

interface ParseRepoOptions {
  /**
   * Repo-relative files or folders whose intents (and status files) are reported; flare.yaml and
   * tenants are always read and reported, and cross-file checks still see every intent.
   */
  only?: string[];
}

const CONFIG_FILE = 'flare.yaml';
const DATA_EXT = /\.(ya?ml|json)$/;

function normalizePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/\/+/g, '/').replace(/\/$/, '');
}

function fileDiag(file: string, code: string, message: string, hint?: string, severity: Diagnostic['severity'] = 'error', pos = { line: 0, column: 0 }): Diagnostic {
  const d: Diagnostic = { severity, file, line: pos.line, column: pos.column, path: '', message, code };
  if (hint) d.hint = hint;
  return d;
}

/**
 * Runs one file's parser so that an unexpected throw (a parser bug some input reaches) becomes an
 * error on that file and the other files are still read: one bad file never stops the repo.
 */
function guarded<T extends { diagnostics: Diagnostic[] }>(file: string, parse: () => T, failed: (d: Diagnostic) => T): T {
  try {
    return parse();
  } catch (err) {
    const msg = String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 200);
    return failed(fileDiag(file, 'unreadable', `the file could not be read: ${msg}`, 'simplify the file; report this as a FLARE bug'));
  }
}

interface IntentEntry {
  file: string;
  tenant: string;
  intent?: Intent;
  hadErrors: boolean;
  namePosition?: { line: number; column: number };
}

/**
 * Everything FLARE knows of a repo, from its files: config, tenants, intents (those without
 * errors), statuses, and every diagnostic of every file plus the cross-file checks (duplicate
 * names, unknown tenants, quotas, orphan status files, misplaced files). Pure.
 */
export function parseRepo(files: SourceFile[], opts: ParseRepoOptions = {}): RepoModel {
  const diags: Diagnostic[] = [];
  const byPath = new Map<string, string>();
  for (const f of files) byPath.set(normalizePath(f.path), f.text);
  const paths = [...byPath.keys()].sort();

  let config: FlareConfig = DEFAULT_CONFIG;
  const cfgText = byPath.get(CONFIG_FILE);
  if (cfgText !== undefined) {
    const res = guarded(CONFIG_FILE, () => parseConfig(cfgText, CONFIG_FILE), (d) => ({ config: DEFAULT_CONFIG, diagnostics: [d] }));
    config = res.config;
    diags.push(...res.diagnostics);
  }

  const tenantFiles = new Map<string, string>();
  const tenants = new Map<string, Tenant>();
  const tenantResults = new Map<string, ParseTenantResult>();
  const intentFiles: { file: string; tenant: string }[] = [];
  const statusFiles: { file: string; tenant: string; name: string }[] = [];

  for (const p of paths) {
    const parts = p.split('/');
    const top = parts[0];
    if (top === 'tenants') {
      if (!DATA_EXT.test(p)) continue;
      if (parts.length !== 2) {
        diags.push(fileDiag(p, 'nested-folder', 'tenant files live directly in tenants/', `move it to tenants/${parts[parts.length - 1]}`));
        continue;
      }
      const base = parts[1]!.replace(DATA_EXT, '');
      const prior = tenantFiles.get(base);
      if (prior) {
        diags.push(fileDiag(p, 'duplicate-tenant', `tenant ${base} is also defined in ${prior}`, 'keep one file per tenant'));
        continue;
      }
      tenantFiles.set(base, p);
      const res: ParseTenantResult = guarded(p, () => parseTenant(byPath.get(p)!, p, { config }), (d) => ({ diagnostics: [d] }) as ParseTenantResult);
      tenantResults.set(base, res);
      diags.push(...res.diagnostics);
      if (res.tenant) tenants.set(base, res.tenant);
    } else if (top === 'intents') {
      if (!DATA_EXT.test(p)) continue;
      if (parts.length === 2) {
        diags.push(fileDiag(p, 'no-tenant-folder', 'intent files live in a tenant folder: intents/<tenant>/<file>', `move it to intents/<tenant>/${parts[1]}`));
        continue;
      }
      if (parts.length > 3) {
        diags.push(fileDiag(p, 'nested-folder', `folders below intents/${parts[1]}/ are not read`, `move it to intents/${parts[1]}/${parts[parts.length - 1]}`));
        continue;
      }
      intentFiles.push({ file: p, tenant: parts[1]! });
    } else if (top === 'status') {
      if (!DATA_EXT.test(p)) continue;
      if (parts.length !== 3) {
        diags.push(fileDiag(p, 'nested-folder', 'status files live at status/<tenant>/<name>.yaml', 'the reconciler writes these; delete the misplaced file'));
        continue;
      }
      statusFiles.push({ file: p, tenant: parts[1]!, name: parts[2]!.replace(DATA_EXT, '') });
    }
  }

  if (intentFiles.length > LIMITS.maxIntentFiles) {
    diags.push(fileDiag('intents', 'too-many-files', `${intentFiles.length} intent files; at most ${LIMITS.maxIntentFiles} are read`, 'split the repo'));
    intentFiles.length = LIMITS.maxIntentFiles;
  }

  const entries: IntentEntry[] = [];
  const badFolders = new Set<string>();
  for (const { file, tenant } of intentFiles) {
    if (!DNS_LABEL_RE.test(tenant) || tenant.length > 63 - 'flare--x'.length) {
      if (!badFolders.has(tenant)) diags.push(fileDiag(file, 'bad-tenant-name', `tenant folder ${JSON.stringify(tenant)} is not a DNS-1123 label`, 'use lowercase letters, digits and "-"'));
      badFolders.add(tenant);
      entries.push({ file, tenant, hadErrors: true });
      continue;
    }
    const tenantDef = tenants.get(tenant);
    const res: ReturnType<typeof parseIntent> = guarded(file, () => parseIntent(byPath.get(file)!, file, tenantDef ? { tenant, config, tenantDef } : { tenant, config }), (d) => ({ diagnostics: [d] }) as ReturnType<typeof parseIntent>);
    diags.push(...res.diagnostics);
    const entry: IntentEntry = { file, tenant, hadErrors: !res.intent };
    if (res.intent) entry.intent = res.intent;
    if (res.namePosition) entry.namePosition = res.namePosition;
    entries.push(entry);
    if (!tenantFiles.has(tenant)) {
      diags.push(fileDiag(file, 'unknown-tenant', `tenant ${tenant} is not defined`, `add tenants/${tenant}.yaml (kind: Tenant)`));
      entry.hadErrors = true;
      delete entry.intent;
    }
  }

  // Duplicate names within a tenant: every file involved gets an error naming the others.
  const byId = new Map<string, IntentEntry[]>();
  for (const e of entries) {
    if (!e.intent) continue;
    const list = byId.get(e.intent.id) ?? [];
    list.push(e);
    byId.set(e.intent.id, list);
  }
  for (const list of byId.values()) {
    if (list.length < 2) continue;
    for (const e of list) {
      const others = list.filter((o) => o !== e).map((o) => o.file);
      diags.push(fileDiag(e.file, 'duplicate-intent', `intent ${e.intent!.name} is also defined in ${others.join(', ')}`, 'intent names must be unique in a tenant; rename one', 'error', e.namePosition));
    }
    for (const e of list) {
      delete e.intent;
      e.hadErrors = true;
    }
  }

  const intents = entries.filter((e) => e.intent).map((e) => e.intent!);
  // lookups by key, not by scanning: repos hold tens of thousands of intents and status files
  const entryOf = new Map<Intent, IntentEntry>();
  for (const e of entries) if (e.intent) entryOf.set(e.intent, e);
  const intentsByTenant = new Map<string, Intent[]>();
  const intentByName = new Map<string, Intent>();
  for (const i of intents) {
    const list = intentsByTenant.get(i.tenant);
    if (list) list.push(i);
    else intentsByTenant.set(i.tenant, [i]);
    const k = `${i.tenant}/${i.name}`;
    if (!intentByName.has(k)) intentByName.set(k, i);
  }

  // Tenant quotas, checked at render time so CI rejects a PR that would exceed them.
  const rejected = new Set<Intent>();
  const hostCheck = checkHosts(intents.map((i) => ({ intent: i, text: byPath.get(i.file) ?? '' })), tenants);
  diags.push(...hostCheck.diagnostics);
  for (const i of hostCheck.rejected) {
    rejected.add(i);
    const e = entryOf.get(i);
    if (e) e.hadErrors = true;
  }
  for (const [name, tenant] of tenants) {
    const mine = intentsByTenant.get(name) ?? [];
    const pos = tenantResults.get(name)?.quotaPositions;
    if (tenant.quota.gpus !== undefined) {
      const total = mine.reduce((a, i) => a + gpuDemand(i), 0);
      if (total > tenant.quota.gpus) {
        const parts = mine.filter((i) => gpuDemand(i) > 0).map((i) => `${i.name}: ${gpuDemand(i)}`);
        diags.push(fileDiag(tenant.file, 'quota-gpus', `the intents of tenant ${name} ask for ${total} GPUs; the quota is ${tenant.quota.gpus} (${parts.join(', ')})`, 'raise quota.gpus or reduce the intents\' GPU counts', 'error', pos?.gpus ? { line: pos.gpus.line, column: pos.gpus.column } : undefined));
      }
    }
    if (tenant.quota.max_hourly_cost !== undefined) {
      let total = 0;
      const parts: string[] = [];
      for (const i of mine) {
        const b = hourlyBudget(i, config);
        if (b === undefined) {
          const e = entryOf.get(i);
          if ((i.spec.selection ?? config.selection) === 'fluidos') {
            // FLUIDOS reserves the first match itself: nothing checks the cost against the quota
            diags.push(fileDiag(i.file, 'quota-fluidos-unbounded', `tenant ${name} has a money quota, and with selection: fluidos FLUIDOS reserves the first match without FLARE checking its cost; this intent sets no budget to put in the Solver`, 'set constraints.max_hourly_cost (or max_total_cost), or use selection: flare', 'error', e?.namePosition));
            rejected.add(i);
            if (e) e.hadErrors = true;
            continue;
          }
          // No declared budget: the render-time sum cannot include it; the ranker checks the actual cost at placement time.
          diags.push(fileDiag(i.file, 'quota-unbounded', `tenant ${name} has a money quota but this intent sets no budget; it is checked against the quota only when a provider is chosen`, 'set constraints.max_hourly_cost', 'warning', e?.namePosition));
          continue;
        }
        total += b;
        parts.push(`${i.name}: ${cents(b)}`);
      }
      if (cents(total) > tenant.quota.max_hourly_cost) {
        diags.push(fileDiag(tenant.file, 'quota-money', `the intents of tenant ${name} may spend ${cents(total)} ${config.currency}/h; the quota is ${tenant.quota.max_hourly_cost} ${config.currency}/h (${parts.join(', ')})`, 'raise quota.max_hourly_cost or lower the intents\' budgets', 'error', pos?.max_hourly_cost ? { line: pos.max_hourly_cost.line, column: pos.max_hourly_cost.column } : undefined));
      }
    }
  }

  diags.push(...gpuCatalogWarnings(intents, (f) => byPath.get(f)));

  // Status files: only the reconciler writes them, and only for intents that exist.
  const statuses = new Map<string, IntentStatus>();
  const tenantHasBadIntent = new Set(entries.filter((e) => e.hadErrors).map((e) => e.tenant));
  for (const sf of statusFiles) {
    const res: ReturnType<typeof parseStatus> = guarded(sf.file, () => parseStatus(byPath.get(sf.file)!, sf.file), (d) => ({ diagnostics: [d] }) as ReturnType<typeof parseStatus>);
    diags.push(...res.diagnostics);
    if (res.tenant !== undefined && res.tenant !== sf.tenant) diags.push(fileDiag(sf.file, 'status-mismatch', `metadata.tenant ${res.tenant} does not match the folder ${sf.tenant}`));
    if (res.name !== undefined && res.name !== sf.name) diags.push(fileDiag(sf.file, 'status-mismatch', `metadata.name ${res.name} does not match the file name ${sf.name}`));
    const id = intentId(sf.tenant, sf.name);
    const legacy = res.status && legacyStatus(res.status, sf.tenant, sf.name, id, sf.file);
    if (legacy) {
      diags.push(legacy);
      continue;
    }
    if (res.status && (res.status.intent_id !== id || res.status.tenant !== sf.tenant || res.status.name !== sf.name)) {
      diags.push(fileDiag(sf.file, 'status-mismatch', `status.intent_id/tenant/name (${res.status.intent_id}, ${res.status.tenant}, ${res.status.name}) do not match the file (${id})`));
      continue;
    }
    const owner = intentByName.get(`${sf.tenant}/${sf.name}`);
    if (!owner) {
      if (!tenantHasBadIntent.has(sf.tenant)) {
        diags.push(fileDiag(sf.file, 'orphan-status', `no intent ${sf.name} in tenant ${sf.tenant} for this status file`, 'delete the status file (the reconciler removes it when an intent is deleted)'));
      }
      continue;
    }
    if (res.status) statuses.set(owner.id, res.status);
  }

  let reported = diags;
  let keptIntents = rejected.size > 0 ? intents.filter((i) => !rejected.has(i)) : intents;
  if (opts.only && opts.only.length) {
    const only = opts.only.map(normalizePath);
    const selected = (f: string) => only.some((o) => o === '' || o === '.' || f === o || f.startsWith(o + '/'));
    reported = diags.filter((d) => d.file === CONFIG_FILE || d.file.startsWith('tenants/') || selected(d.file));
    keptIntents = intents.filter((i) => selected(i.file));
  }
  return {
    config,
    tenants: [...tenants.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    intents: keptIntents.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    statuses,
    diagnostics: sortDiagnostics(reported),
  };
}

