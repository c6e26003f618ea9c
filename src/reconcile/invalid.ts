import { createHash } from 'node:crypto';
import type { Diagnostic } from '../diagnostics.js';
import type { FileVersion } from '../git/types.js';
import type { Intent } from '../intent/model.js';
import { parseIntent } from '../intent/parse.js';
import { DNS_LABEL_RE } from '../doc/patterns.js';
import { intentId } from '../k8s/names.js';
import type { RepoModel } from '../repo/model.js';
import { HISTORY_LIMIT, type IntentStatus, type StatusDiagnostic } from '../status/model.js';
import { specHash } from '../intent/spec-hash.js';

/** Commits of an invalid intent file searched for its last good version. */
const LAST_GOOD_SEARCH = 20;
/** Diagnostics kept in a status file. */
const MAX_STATUS_DIAGNOSTICS = 20;

/**
 * An intent file that fails validation. Its intent keeps running on its last good spec: the
 * newest committed version of the same file that validated on its own. Without one (a new file
 * with a typo, or no history) nothing is rendered for it and nothing of it is pruned.
 */
export interface InvalidIntent {
  id: string;
  tenant: string;
  name: string;
  file: string;
  diagnostics: Diagnostic[];
  lastGood?: Intent;
  lastGoodCommit?: string;
}

interface InvalidScan {
  invalid: InvalidIntent[];
  /** Tenants whose every object is frozen: intent files of an undefined tenant. */
  frozenTenants: Set<string>;
  /** flare.yaml, a tenant file, or a file outside any tenant folder is broken: freeze everything. */
  all: boolean;
}

type History = (file: string, limit: number) => Promise<FileVersion[]>;

// last good version per (repo dir, file, current text): a typo stays a typo for many cycles
const cache = new Map<string, { intent?: Intent; commit?: string }>();

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function baseName(file: string): string {
  return (file.split('/').pop() ?? file).replace(/\.(ya?ml|json)$/, '');
}

/**
 * Which intent files are invalid, and the last good version of each. Errors that belong to no
 * intent file freeze what they can reach, as before: a broken flare.yaml or tenant file freezes
 * everything (every intent depends on them).
 */
export async function scanInvalid(
  model: RepoModel,
  opts: {
    history?: History;
    currentText: (file: string) => Promise<string | undefined>;
    cacheKey: string;
    /** The spec hash the intent's committed status records: of two files claiming one id, the one running wins. */
    runningHash?: (id: string) => string | undefined;
  },
): Promise<InvalidScan> {
  const frozenTenants = new Set<string>();
  let all = false;
  const byFile = new Map<string, Diagnostic[]>();
  const tenants = new Map(model.tenants.map((t) => [t.name, t]));
  for (const d of model.diagnostics) {
    if (d.severity !== 'error') continue;
    if (d.file === 'flare.yaml' || d.file.startsWith('tenants/')) {
      all = true;
      continue;
    }
    if (!d.file.startsWith('intents/')) continue;
    const parts = d.file.split('/');
    if (parts.length === 2) {
      all = true;
      continue;
    }
    // a file nested deeper is never read: it holds no intent and needs no protection
    if (parts.length !== 3) continue;
    const tenant = parts[1]!;
    if (!DNS_LABEL_RE.test(tenant)) continue;
    if (!tenants.has(tenant)) {
      frozenTenants.add(tenant);
      continue;
    }
    const list = byFile.get(d.file) ?? [];
    list.push(d);
    byFile.set(d.file, list);
  }
  const validIds = new Set(model.intents.map((i) => i.id));
  const byId = new Map<string, InvalidIntent[]>();
  for (const [file, diagnostics] of [...byFile.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const tenant = file.split('/')[1]!;
    const good = await lastGood(model, file, tenant, opts);
    const name = good.intent?.name ?? baseName(file);
    if (!DNS_LABEL_RE.test(name)) continue;
    const id = intentId(tenant, name);
    // a duplicate of a valid intent's name: that intent keeps the id
    if (validIds.has(id)) continue;
    const inv: InvalidIntent = { id, tenant, name, file, diagnostics };
    if (good.intent) {
      inv.lastGood = good.intent;
      if (good.commit) inv.lastGoodCommit = good.commit;
    }
    byId.set(id, [...(byId.get(id) ?? []), inv]);
  }
  const invalid: InvalidIntent[] = [];
  for (const [id, list] of byId) {
    // two files claim one id (a duplicated name): what runs keeps running, the others' errors join it
    const hash = opts.runningHash?.(id);
    const pick = list.find((i) => i.lastGood && hash !== undefined && specHash(i.lastGood, model.config) === hash) ?? list[0]!;
    invalid.push({ ...pick, diagnostics: [...pick.diagnostics, ...list.filter((i) => i !== pick).flatMap((i) => i.diagnostics)] });
  }
  invalid.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { invalid, frozenTenants, all };
}

async function lastGood(
  model: RepoModel,
  file: string,
  tenant: string,
  opts: { history?: History; currentText: (file: string) => Promise<string | undefined>; cacheKey: string },
): Promise<{ intent?: Intent; commit?: string }> {
  if (!opts.history) return {};
  const text = (await opts.currentText(file)) ?? '';
  const key = `${opts.cacheKey}\0${file}\0${digest(text)}\0${digest(JSON.stringify(model.config))}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let found: { intent?: Intent; commit?: string } = {};
  const tenantDef = model.tenants.find((t) => t.name === tenant);
  try {
    for (const v of await opts.history(file, LAST_GOOD_SEARCH)) {
      const r = parseIntent(v.text, file, tenantDef ? { tenant, config: model.config, tenantDef } : { tenant, config: model.config });
      if (r.intent) {
        found = { intent: r.intent, commit: v.commit };
        break;
      }
    }
  } catch {
    // no history (shallow clone, git error): fall back to keeping what is there
    return {};
  }
  if (cache.size > 1000) cache.clear();
  cache.set(key, found);
  return found;
}

function located(d: Diagnostic): StatusDiagnostic {
  const s: StatusDiagnostic = { file: d.file, line: d.line, column: d.column, path: d.path, message: d.message };
  if (d.hint) s.hint = d.hint;
  return s;
}

export function formatDiagnostic(d: StatusDiagnostic): string {
  const at = d.line ? `${d.file}:${d.line}:${d.column}` : d.file;
  return `${at}: ${d.path ? `${d.path}: ` : ''}${d.message}`;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/**
 * The status of an invalid intent: its placements and workload as they were (nothing is
 * re-placed), phase Invalid, the located errors. Returns `prev` itself when nothing changed, so
 * an intent that stays invalid commits nothing.
 */
export function invalidStatus(inv: InvalidIntent, prev: IntentStatus | undefined, now: Date, selection: IntentStatus['selection']): IntentStatus {
  const diagnostics = inv.diagnostics.slice(0, MAX_STATUS_DIAGNOSTICS).map(located);
  const more = inv.diagnostics.length > 1 ? ` (and ${inv.diagnostics.length - 1} more)` : '';
  const keep = inv.lastGood ? `the last good version${inv.lastGoodCommit ? ` (${inv.lastGoodCommit.slice(0, 8)})` : ''} keeps running` : 'nothing runs for it yet';
  const message = `intent file is invalid, ${keep}: ${formatDiagnostic(diagnostics[0]!)}${more}`;
  if (prev?.phase === 'Invalid' && prev.message === message && JSON.stringify(prev.diagnostics) === JSON.stringify(diagnostics)) return prev;
  const s: IntentStatus = prev
    ? clone(prev)
    : { intent_id: inv.id, tenant: inv.tenant, name: inv.name, phase: 'Invalid', selection, spec_hash: '', placements: [], history: [] };
  s.phase = 'Invalid';
  s.message = message;
  s.diagnostics = diagnostics;
  if (prev?.phase !== 'Invalid' || prev.message !== message) {
    s.history = [...s.history, { time: now.toISOString(), phase: 'Invalid' as const, message }].slice(-HISTORY_LIMIT);
  }
  return s;
}

/**
 * A fixed intent resumes where it was before it became invalid: the phase of the last history
 * entry before Invalid. undefined when it was never valid (it starts afresh).
 */
export function recoveredStatus(s: IntentStatus, now: Date): IntentStatus | undefined {
  const before = [...s.history].reverse().find((h) => h.phase !== 'Invalid');
  if (!before || s.placements.length === 0) return undefined;
  const r = clone(s);
  r.phase = before.phase;
  r.message = 'intent file is valid again';
  delete r.diagnostics;
  r.history = [...r.history, { time: now.toISOString(), phase: before.phase, message: 'intent file is valid again' }].slice(-HISTORY_LIMIT);
  return r;
}
