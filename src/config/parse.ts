import type { Diagnostic } from '../diagnostics.js';
import { hasErrors } from '../diagnostics.js';
import type { FlareConfig, NotifyEventName, ObjectiveWeights, Tenant, TenantOwner, WebhookConfig } from './model.js';
import { NOTIFY_EVENTS } from './model.js';
import { DEFAULT_CONFIG } from './model.js';
import { OBJECTIVES } from '../intent/model.js';
import type { Objective } from '../intent/model.js';
import { loadDocument } from '../doc/yaml-reader.js';
import type { DocReader, Fields, Val } from '../doc/yaml-reader.js';
import { API_VERSION, SELECTION_MODES } from '../intent/fields.js';
import { DNS_LABEL_RE, DNS_SUBDOMAIN_RE, HOSTNAME_RE, REGION_PATTERN_RE } from '../doc/patterns.js';
import { readLocation, readMoney } from '../intent/read-constraints.js';
import { isScalar } from 'yaml';

const CONFIG_SPEC_FIELDS = ['consumer', 'namespaces', 'currency', 'selection', 'default_runtime', 'locations', 'weights', 'git', 'reconciler', 'notifications'] as const;
const TENANT_SPEC_FIELDS = ['owners', 'quota', 'allowed_locations', 'allowed_wildcard_hosts'] as const;
const RECONCILER_DURATIONS = {
  interval: 'interval_seconds',
  grace_period: 'grace_period_seconds',
  backoff: 'backoff_seconds',
  max_backoff: 'max_backoff_seconds',
  deploy_timeout: 'deploy_timeout_seconds',
} as const;

function cloneDefault(): FlareConfig {
  return JSON.parse(JSON.stringify(DEFAULT_CONFIG)) as FlareConfig;
}

function readEnvelope(r: DocReader, root: Val, kind: string): { metadata?: Fields; spec?: Fields; specVal?: Val; nameVal?: Val } {
  const f = r.map(root, ['apiVersion', 'kind', 'metadata', 'spec']);
  if (!f) return {};
  const av = r.need(f, 'apiVersion', `apiVersion: ${API_VERSION}`);
  if (av) {
    const s = r.str(av);
    if (s !== undefined && s !== API_VERSION) r.error(av, 'bad-api-version', `apiVersion ${JSON.stringify(s)} is not supported`, `use ${API_VERSION}`);
  }
  const kv = r.need(f, 'kind', `kind: ${kind}`);
  if (kv) r.enumOf(kv, [kind]);
  const out: { metadata?: Fields; spec?: Fields; specVal?: Val; nameVal?: Val } = {};
  const mv = r.opt(f, 'metadata');
  if (mv) {
    const mf = r.map(mv, ['name', 'labels', 'annotations']);
    if (mf) {
      out.metadata = mf;
      const nv = r.opt(mf, 'name');
      if (nv) out.nameVal = nv;
    }
  }
  const sv = r.opt(f, 'spec');
  if (sv) {
    out.specVal = sv;
    const sf = r.map(sv, kind === 'Tenant' ? TENANT_SPEC_FIELDS : CONFIG_SPEC_FIELDS);
    if (sf) out.spec = sf;
  }
  return out;
}

interface ParseConfigResult {
  /** DEFAULT_CONFIG merged with the file; DEFAULT_CONFIG alone when the file has errors. */
  config: FlareConfig;
  diagnostics: Diagnostic[];
}

/** flare.yaml: `kind: FlareConfig`, fields under `spec`, merged over DEFAULT_CONFIG (locations merge per name). */
export function parseConfig(text: string, file: string): ParseConfigResult {
  const { reader: r, root } = loadDocument(text, file);
  if (!root) return { config: cloneDefault(), diagnostics: r.diagnostics };
  const env = readEnvelope(r, root, 'FlareConfig');
  const c = cloneDefault();
  const f = env.spec;
  if (f) {
    const cons = r.opt(f, 'consumer');
    if (cons) {
      const cf = r.map(cons, ['domain', 'nodeID', 'ip']);
      if (cf) {
        const d = r.opt(cf, 'domain');
        if (d) {
          const s = r.str(d, { pattern: DNS_SUBDOMAIN_RE, patternName: 'a domain name', max: 253 });
          if (s !== undefined) c.consumer.domain = s;
        }
        const n = r.opt(cf, 'nodeID');
        if (n) {
          const s = r.str(n, { pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, patternName: 'a node ID', max: 253 });
          if (s !== undefined) c.consumer.nodeID = s;
        }
        const ip = r.opt(cf, 'ip');
        if (ip) {
          const s = r.str(ip, { pattern: /^[A-Za-z0-9.:[\]-]+(:\d+)?$/, patternName: 'an IP address (optionally with a port)', max: 64 });
          if (s !== undefined) c.consumer.ip = s;
        }
      }
    }
    const ns = r.opt(f, 'namespaces');
    if (ns) {
      const nf = r.map(ns, ['fluidos']);
      const fl = nf && r.opt(nf, 'fluidos');
      if (fl) {
        const s = r.str(fl, { pattern: DNS_LABEL_RE, patternName: 'a namespace name', max: 63 });
        if (s !== undefined) c.namespaces.fluidos = s;
      }
    }
    const cur = r.opt(f, 'currency');
    if (cur) {
      const s = r.str(cur, { pattern: /^[A-Z]{3}$/, patternName: 'an ISO 4217 currency code', hint: 'e.g. EUR' });
      if (s !== undefined) c.currency = s;
    }
    const sel = r.opt(f, 'selection');
    if (sel) {
      const s = r.enumOf(sel, SELECTION_MODES);
      if (s) c.selection = s;
    }
    const rt = r.opt(f, 'default_runtime');
    if (rt) {
      const s = r.duration(rt);
      if (s !== undefined && s <= 0) r.error(rt, 'out-of-range', 'must be longer than 0');
      else if (s !== undefined) c.default_runtime_seconds = s;
    }
    const locs = r.opt(f, 'locations');
    if (locs) readLocations(r, locs, c);
    const w = r.opt(f, 'weights');
    if (w) {
      const wf = r.map(w, OBJECTIVES);
      if (wf) {
        for (const o of OBJECTIVES) {
          const ov = r.opt(wf, o);
          if (!ov) continue;
          const of = r.map(ov, ['cost', 'performance', 'latency', 'energy']);
          if (!of) continue;
          const weights: ObjectiveWeights = { ...c.weights[o as Objective] };
          for (const k of ['cost', 'performance', 'latency', 'energy'] as const) {
            const kv = r.opt(of, k);
            if (!kv) continue;
            const n = r.num(kv, { min: 0, max: 1 });
            if (n !== undefined) weights[k] = n;
          }
          c.weights[o as Objective] = weights;
        }
      }
    }
    const g = r.opt(f, 'git');
    if (g) {
      const gf = r.map(g, ['author', 'branch', 'message', 'skip_ci']);
      if (gf) {
        const a = r.opt(gf, 'author');
        const af = a && r.map(a, ['name', 'email']);
        if (af) {
          const n = r.opt(af, 'name');
          const nn = n && r.str(n, { max: 200 });
          if (nn) c.git.author.name = nn;
          const e = r.opt(af, 'email');
          const ee = e && r.str(e, { pattern: /^[^\s@<>]+@[^\s@<>]+$/, patternName: 'an e-mail address', max: 254 });
          if (ee) c.git.author.email = ee;
        }
        const b = r.opt(gf, 'branch');
        const bb = b && r.str(b, { pattern: /^(?!.*\.\.)(?!\/)[A-Za-z0-9._/-]+(?<![./])$/, patternName: 'a branch name', max: 200 });
        if (bb) c.git.branch = bb;
        const m = r.opt(gf, 'message');
        const mm = m && r.str(m, { max: 200 });
        if (mm) c.git.message = mm;
        const s = r.opt(gf, 'skip_ci');
        const ss = s && r.bool(s);
        if (ss !== undefined && ss !== null && typeof ss === 'boolean') c.git.skip_ci = ss;
      }
    }
    const rc = r.opt(f, 'reconciler');
    if (rc) {
      const rf = r.map(rc, [...Object.keys(RECONCILER_DURATIONS), 'push_retries', 'replace_margin']);
      if (rf) {
        for (const [k, target] of Object.entries(RECONCILER_DURATIONS)) {
          const kv = r.opt(rf, k);
          if (!kv) continue;
          const s = r.duration(kv);
          if (s !== undefined && s <= 0) r.error(kv, 'out-of-range', 'must be longer than 0');
          else if (s !== undefined) c.reconciler[target] = s;
        }
        const pr = r.opt(rf, 'push_retries');
        const n = pr && r.int(pr, { min: 0, max: 100 });
        if (typeof n === 'number') c.reconciler.push_retries = n;
        const rm = r.opt(rf, 'replace_margin');
        const m = rm && r.num(rm, { min: 0, max: 1 });
        if (typeof m === 'number') c.reconciler.replace_margin = m;
        if (c.reconciler.backoff_seconds > c.reconciler.max_backoff_seconds) {
          r.error(rf.get('max_backoff') ?? rf.val, 'min-greater-than-max', 'max_backoff is shorter than backoff');
        }
      }
    }
    const nt = r.opt(f, 'notifications');
    if (nt) readNotifications(r, nt, c);
  } else if (!env.specVal && !hasErrors(r.diagnostics)) {
    r.report('error', root.node, 'spec', 'missing-field', 'required field "spec" is missing');
  }
  return { config: hasErrors(r.diagnostics) ? cloneDefault() : c, diagnostics: r.diagnostics };
}

function readLocations(r: DocReader, v: Val, c: FlareConfig): void {
  const node = v.node;
  if (!node || !('items' in node) || !Array.isArray((node as { items: unknown[] }).items) || (node as { items: unknown[] }).items.some((p) => !(p && typeof p === 'object' && 'key' in p))) {
    r.error(v, 'wrong-type', 'expected an object: location name → list of region patterns');
    return;
  }
  for (const pair of (node as { items: { key: unknown; value: unknown }[] }).items) {
    const key = pair.key && isScalar(pair.key as never) ? (pair.key as { value: unknown }).value : undefined;
    const path = `${v.path}.${String(key)}`;
    if (typeof key !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(key) || key.toLowerCase() === 'any') {
      r.report('error', pair.key as never, path, 'bad-key', `${JSON.stringify(key)} is not a usable location name`, key === 'any' ? '"any" is built in' : 'letters, digits, "-" and "_"');
      continue;
    }
    const lv: Val = { node: pair.value as never, path, key: pair.key as never };
    const items = r.list(lv, { min: 1, max: 100 });
    if (!items) continue;
    const pats: string[] = [];
    for (const it of items) {
      const s = r.str(it, { pattern: REGION_PATTERN_RE, patternName: 'a region pattern (lowercase, digits, "-", "*" wildcard)', max: 128 });
      if (s !== undefined) pats.push(s);
    }
    c.locations[key] = pats;
  }
}

interface ParseTenantOptions {
  /** Needed to check the money quota's currency and the allowed locations; DEFAULT_CONFIG otherwise. */
  config?: FlareConfig;
}

export interface ParseTenantResult {
  tenant?: Tenant;
  diagnostics: Diagnostic[];
  /** Positions of the quota fields, for the cross-file quota checks. */
  quotaPositions?: { gpus?: { line: number; column: number }; max_hourly_cost?: { line: number; column: number } };
}

/** tenants/<tenant>.yaml: `kind: Tenant`; metadata.name must equal the file's base name. */
export function parseTenant(text: string, file: string, opts: ParseTenantOptions = {}): ParseTenantResult {
  const config = opts.config ?? DEFAULT_CONFIG;
  const { reader: r, root } = loadDocument(text, file);
  if (!root) return { diagnostics: r.diagnostics };
  const env = readEnvelope(r, root, 'Tenant');
  const base = (file.split('/').pop() ?? file).replace(/\.(ya?ml|json)$/, '');
  let name: string | undefined;
  if (!env.nameVal) {
    r.report('error', root.node, 'metadata.name', 'missing-field', 'required field "metadata.name" is missing', `metadata: {name: ${base}}`);
  } else {
    name = r.str(env.nameVal, { pattern: DNS_LABEL_RE, patternName: 'a DNS-1123 label', max: 63 - 'flare--x'.length });
    if (name !== undefined && name !== base) {
      r.error(env.nameVal, 'name-mismatch', `the tenant is named ${JSON.stringify(name)} but the file is ${base}.yaml`, `rename the file to tenants/${name}.yaml or set metadata.name: ${base}`);
    }
  }
  const tenant: Tenant = { name: name ?? base, file, owners: [], quota: {} };
  const quotaPositions: NonNullable<ParseTenantResult['quotaPositions']> = {};
  const f = env.spec;
  if (!env.specVal) r.report('error', root.node, 'spec', 'missing-field', 'required field "spec" is missing');
  if (f) {
    const ov = r.opt(f, 'owners');
    if (ov) {
      const items = r.list(ov, { max: 200 });
      for (const it of items ?? []) {
        const of = r.map(it, ['kind', 'name']);
        if (!of) continue;
        const kv = r.need(of, 'kind', 'User, Group or ServiceAccount');
        const kind = kv ? r.enumOf(kv, ['User', 'Group', 'ServiceAccount'] as const) : undefined;
        const nv = r.need(of, 'name');
        const n = nv ? r.str(nv, { max: 253, pattern: /^[^\s]+$/, patternName: 'an owner name without spaces' }) : undefined;
        if (kind && n !== undefined) tenant.owners.push({ kind, name: n } as TenantOwner);
      }
    }
    const qv = r.opt(f, 'quota');
    if (qv) {
      const qf = r.map(qv, ['gpus', 'max_hourly_cost']);
      if (qf) {
        const g = r.opt(qf, 'gpus');
        if (g) {
          const n = r.int(g, { min: 0, max: 1_000_000 });
          if (n !== undefined) tenant.quota.gpus = n;
          quotaPositions.gpus = r.position(g.node);
        }
        const m = r.opt(qf, 'max_hourly_cost');
        if (m) {
          const money = readMoney(r, m, config);
          if (money) tenant.quota.max_hourly_cost = money.amount;
          quotaPositions.max_hourly_cost = r.position(m.node);
        }
      }
    }
    const al = r.opt(f, 'allowed_locations');
    if (al) {
      const items = r.list(al, { min: 1 });
      if (items) {
        const out: string[] = [];
        for (const it of items) {
          const l = readLocation(r, it, config, true);
          if (l === null) {
            r.warn(it, 'redundant', '"any" allows every location; leave allowed_locations out instead');
          } else if (l !== undefined && !out.includes(l)) out.push(l);
        }
        tenant.allowed_locations = out;
      }
    }
    const wh = r.opt(f, 'allowed_wildcard_hosts');
    if (wh) {
      const items = r.list(wh, { min: 1, max: 100 });
      if (items) {
        const out: string[] = [];
        for (const it of items) {
          const h = r.str(it, { pattern: HOSTNAME_RE, patternName: 'a host name', max: 253 });
          if (h === undefined) continue;
          if (!h.startsWith('*.')) r.error(it, 'not-wildcard', `${h} is not a wildcard host`, 'write it as "*.<domain>"; plain hosts need no permission');
          else if (!out.includes(h)) out.push(h);
        }
        tenant.allowed_wildcard_hosts = out;
      }
    }
  }
  if (hasErrors(r.diagnostics)) return { diagnostics: r.diagnostics };
  return { tenant, diagnostics: r.diagnostics, quotaPositions };
}

const MAX_WEBHOOKS = 20;

/** `notifications.webhooks[]`: http(s) URLs without credentials; the secret only by env var name. */
function readNotifications(r: DocReader, v: Val, c: FlareConfig): void {
  const nf = r.map(v, ['webhooks']);
  const wv = nf && r.opt(nf, 'webhooks');
  const items = wv && r.list(wv, { max: MAX_WEBHOOKS });
  if (!items) return;
  for (const item of items) {
    const f = r.map(item, ['url', 'secret_env', 'events']);
    if (!f) continue;
    const uv = r.need(f, 'url', 'url: https://hooks.example.com/flare');
    const raw = uv && r.str(uv, { max: 2048 });
    if (uv && raw === undefined) continue;
    let url: URL | undefined;
    try {
      url = raw !== undefined ? new URL(raw) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      if (uv) r.error(uv, 'bad-url', 'url must be an http or https URL');
      continue;
    }
    if (url.username || url.password) {
      r.error(uv!, 'secret-in-repo', 'url must not carry credentials', 'sign requests with secret_env instead; its value comes from the environment');
      continue;
    }
    const hook: WebhookConfig = { url: url.toString() };
    const se = r.opt(f, 'secret_env');
    const sv = se && r.str(se, { pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, patternName: 'an environment variable name', max: 128 });
    if (sv) hook.secret_env = sv;
    const ev = r.opt(f, 'events');
    const evs = ev && r.list(ev, { min: 1, max: NOTIFY_EVENTS.length });
    if (evs) {
      const picked: NotifyEventName[] = [];
      for (const e of evs) {
        const s = r.enumOf(e, NOTIFY_EVENTS);
        if (s !== undefined && !picked.includes(s as NotifyEventName)) picked.push(s as NotifyEventName);
      }
      hook.events = picked;
    }
    (c.notifications ??= { webhooks: [] }).webhooks.push(hook);
  }
}
