import type { Diagnostic } from '../diagnostics.js';
import { hasErrors } from '../diagnostics.js';
import type { IntentStatus } from './model.js';
import { PHASES } from './model.js';
import { loadDocument } from '../doc/yaml-reader.js';
import type { DocReader, Val } from '../doc/yaml-reader.js';
import { API_VERSION } from '../intent/fields.js';
import { DNS_LABEL_RE } from '../doc/patterns.js';

interface ParseStatusResult {
  status?: IntentStatus;
  /** metadata.name and metadata.tenant as written (for the cross-file checks). */
  name?: string;
  tenant?: string;
  diagnostics: Diagnostic[];
}

const STATUS_FIELDS = [
  'intent_id',
  'tenant',
  'name',
  'phase',
  'message',
  'selection',
  'spec_hash',
  'placement_hash',
  'placements',
  'retiring',
  'suggestions',
  'explanation',
  'workload',
  'cost',
  'deploying_since',
  'next_retry_at',
  'retries',
  'warnings',
  'diagnostics',
  'history',
] as const;

/**
 * status/<tenant>/<name>.yaml. The reconciler writes these, so validation is light: the envelope,
 * the identity fields, the phase, and the shape of what the renderer reads (placements). Unknown
 * keys inside placements are tolerated so an older FLARE can read a newer reconciler's status.
 */
export function parseStatus(text: string, file: string): ParseStatusResult {
  const { reader: r, root } = loadDocument(text, file);
  if (!root) return { diagnostics: r.diagnostics };
  const f = r.map(root, ['apiVersion', 'kind', 'metadata', 'status', 'signature']);
  if (!f) return { diagnostics: r.diagnostics };
  // the reconciler's HMAC (src/status/signature.ts); verified by the reconciler, not here
  const sg = r.opt(f, 'signature');
  const sgf = sg && r.map(sg, ['key_id', 'hmac_sha256']);
  if (sgf) {
    const k = r.need(sgf, 'key_id');
    if (k) r.str(k, { pattern: /^key-[A-Za-z0-9._-]{1,200}$/, patternName: 'a signing key id (key-<id>)' });
    const m = r.need(sgf, 'hmac_sha256');
    if (m) r.str(m, { pattern: /^[0-9a-f]{64}$/, patternName: 'a hex HMAC-SHA256' });
  }
  const av = r.need(f, 'apiVersion');
  if (av) {
    const s = r.str(av);
    if (s !== undefined && s !== API_VERSION) r.error(av, 'bad-api-version', `apiVersion ${JSON.stringify(s)} is not supported`, `use ${API_VERSION}`);
  }
  const kv = r.need(f, 'kind');
  if (kv) r.enumOf(kv, ['IntentStatus'] as const);
  const out: ParseStatusResult = { diagnostics: r.diagnostics };
  const mv = r.need(f, 'metadata');
  const mf = mv && r.map(mv, ['name', 'tenant']);
  if (mf) {
    const nv = r.need(mf, 'name');
    const tv = r.need(mf, 'tenant');
    const n = nv && r.str(nv, { pattern: DNS_LABEL_RE, patternName: 'a DNS-1123 label', max: 63 });
    const t = tv && r.str(tv, { pattern: DNS_LABEL_RE, patternName: 'a DNS-1123 label', max: 63 });
    if (typeof n === 'string') out.name = n;
    if (typeof t === 'string') out.tenant = t;
  }
  const sv = r.need(f, 'status');
  if (!sv) return out;
  const sf = r.map(sv, STATUS_FIELDS);
  if (!sf) return out;
  for (const k of ['intent_id', 'tenant', 'name', 'spec_hash'] as const) {
    const v = r.need(sf, k);
    if (v) r.str(v, { max: 256 });
  }
  const ph = r.need(sf, 'phase');
  if (ph) r.enumOf(ph, PHASES);
  const sel = r.need(sf, 'selection');
  if (sel) r.enumOf(sel, ['flare', 'fluidos'] as const);
  const pl = r.need(sf, 'placements');
  if (pl) {
    for (const it of r.list(pl, { max: 100 }) ?? []) checkPlacement(r, it);
  }
  const rt = r.opt(sf, 'retiring');
  if (rt) {
    for (const it of r.list(rt, { max: 100 }) ?? []) checkPlacement(r, it);
  }
  const hist = r.need(sf, 'history');
  if (hist) {
    for (const it of r.list(hist, { max: 1000 }) ?? []) {
      const hf = r.map(it, ['time', 'phase', 'message']);
      if (!hf) continue;
      const p = r.need(hf, 'phase');
      if (p) r.enumOf(p, PHASES);
      const t = r.need(hf, 'time');
      if (t) r.str(t);
    }
  }
  for (const k of ['retries'] as const) {
    const v = r.opt(sf, k);
    if (v) r.int(v, { min: 0 });
  }
  if (hasErrors(r.diagnostics)) return out;
  const js = (root.node as unknown as { toJSON(): unknown }).toJSON() as { status: IntentStatus };
  out.status = js.status;
  return out;
}

function checkPlacement(r: DocReader, v: Val): void {
  const f = r.map(v, [
    'location',
    'solver',
    'chosen',
    'runners_up',
    'rejected',
    'blocked',
    'excluded_providers',
    'attempt',
    'reservation',
    'contract',
    'allocation',
    'remote_cluster_id',
    'virtual_node',
    'nomatch',
  ]);
  if (!f) return;
  const s = r.need(f, 'solver');
  if (s) r.str(s, { pattern: DNS_LABEL_RE, patternName: 'a Solver name' });
  const a = r.need(f, 'attempt');
  if (a) r.int(a, { min: 0 });
  const ch = r.opt(f, 'chosen');
  if (ch) {
    const cf = r.map(ch, [
      'candidate', 'flavor', 'provider', 'owner', 'model', 'vendor', 'count', 'memory', 'region', 'zone', 'hourly_rate', 'latency_ms', 'hourly_cost', 'score', 'breakdown',
    ]);
    if (cf) {
      for (const k of ['candidate', 'flavor', 'provider', 'model', 'region'] as const) {
        const kv = r.need(cf, k);
        if (kv) r.str(kv);
      }
      const vv = r.opt(cf, 'vendor');
      if (vv) r.str(vv, { pattern: /^[a-z][a-z0-9-]{0,30}$/, patternName: 'a GPU vendor' });
      const o = r.need(cf, 'owner');
      const of = o && r.map(o, ['domain', 'nodeID', 'ip']);
      if (of) for (const k of ['domain', 'nodeID', 'ip']) {
        const kv = r.need(of, k);
        if (kv) r.str(kv);
      }
      for (const k of ['count'] as const) {
        const kv = r.need(cf, k);
        if (kv) r.int(kv, { min: 1 });
      }
      for (const k of ['hourly_rate', 'hourly_cost', 'score'] as const) {
        const kv = r.need(cf, k);
        if (kv) r.num(kv, { min: 0 });
      }
    }
  }
  const ct = r.opt(f, 'contract');
  if (ct) {
    const cf = r.map(ct, ['name', 'liqo_id']);
    if (cf) for (const k of ['name', 'liqo_id']) {
      const kv = r.need(cf, k);
      if (kv) r.str(kv);
    }
  }
  for (const k of ['reservation', 'allocation'] as const) {
    const kv = r.opt(f, k);
    if (!kv) continue;
    const kf = r.map(kv, ['name', k === 'reservation' ? 'phase' : 'status']);
    const n = kf && r.need(kf, 'name');
    if (n) r.str(n);
  }
  const rc = r.opt(f, 'remote_cluster_id');
  if (rc) r.str(rc, { pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, patternName: 'a Liqo cluster id' });
}
