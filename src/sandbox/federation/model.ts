import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Diagnostic } from '../../diagnostics.js';
import { IoError, ValidationError } from '../../errors.js';
import { GPU_ANNOTATIONS, annotationForField, gpuFromAnnotations } from '../../fluidos/annotations.js';
import type { GpuCharacteristics } from '../../fluidos/types.js';
import { isQuantity } from '../../util/quantity.js';

/** One provider node of the simulated federation; `annotations` are complete (compact `gpu:` expanded, provider defaults filled in). */
export interface FederationNode {
  name: string;
  cpu: string;
  memory: string;
  pods: string;
  /** CPU architecture of the node (`characteristics.architecture`), default amd64. */
  architecture: string;
  annotations: Record<string, string>;
}

/** A FLUIDOS provider: one FLUIDOS node (identity) and one Liqo cluster. */
export interface FederationProvider {
  name: string;
  domain: string;
  nodeID: string;
  ip: string;
  liqoClusterId: string;
  region: string;
  zone?: string;
  latency_ms: number;
  bandwidth_gbps: number;
  preemptible: boolean;
  nodes: FederationNode[];
}

export interface Federation {
  providers: FederationProvider[];
}

const LIMITS = { maxBytes: 1024 * 1024, maxProviders: 200, maxNodes: 200 };
const NAME_RE = /^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/;
const REGION_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const PROVIDER_KEYS = new Set(['name', 'domain', 'nodeID', 'ip', 'liqoClusterId', 'region', 'zone', 'latency_ms', 'bandwidth_gbps', 'preemptible', 'nodes']);
const NODE_KEYS = new Set(['name', 'cpu', 'memory', 'pods', 'architecture', 'annotations', 'gpu']);
const GPU_FIELDS = new Set<string>(GPU_ANNOTATIONS.flatMap((a) => (a.field ? [a.field] : [])));

class Collector {
  readonly diags: Diagnostic[] = [];
  constructor(readonly file: string) {}
  error(path: string, message: string, code = 'invalid-federation', hint?: string): void {
    const d: Diagnostic = { severity: 'error', file: this.file, line: 0, column: 0, path, message, code };
    if (hint) d.hint = hint;
    this.diags.push(d);
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(c: Collector, o: Record<string, unknown>, key: string, path: string, opts: { required?: boolean; re?: RegExp; what?: string } = {}): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (opts.required) c.error(`${path}.${key}`, `${key} is required`, 'missing-field');
    return undefined;
  }
  if (typeof v !== 'string' && typeof v !== 'number') {
    c.error(`${path}.${key}`, `${key} must be a string`);
    return undefined;
  }
  const s = String(v);
  if (s.length > 256 || (opts.re && !opts.re.test(s))) {
    c.error(`${path}.${key}`, `${key} ${JSON.stringify(s.slice(0, 64))} is not ${opts.what ?? 'valid'}`);
    return undefined;
  }
  return s;
}

function num(c: Collector, o: Record<string, unknown>, key: string, path: string, fallback: number): number {
  const v = o[key];
  if (v === undefined || v === null) return fallback;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < 0) {
    c.error(`${path}.${key}`, `${key} must be a non-negative number`);
    return fallback;
  }
  return n;
}

function unknownKeys(c: Collector, o: Record<string, unknown>, allowed: Set<string>, path: string): void {
  for (const k of Object.keys(o)) if (!allowed.has(k)) c.error(`${path}.${k}`, `unknown field ${k}`, 'unknown-field', `allowed: ${[...allowed].join(', ')}`);
}

function quantity(c: Collector, o: Record<string, unknown>, key: string, path: string, fallback?: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (fallback === undefined) c.error(`${path}.${key}`, `${key} is required`, 'missing-field');
    return fallback;
  }
  const s = String(v);
  if ((typeof v !== 'string' && typeof v !== 'number') || !isQuantity(s)) {
    c.error(`${path}.${key}`, `${key} must be a quantity (e.g. 64, 256Gi)`);
    return fallback;
  }
  return s;
}

/**
 * Normalizes a federation document (already parsed from YAML/JSON, or TS data). Problems are
 * collected and thrown together as one ValidationError.
 */
export function normalizeFederation(doc: unknown, file = '<federation>'): Federation {
  const c = new Collector(file);
  const providers: FederationProvider[] = [];
  if (!isObj(doc) || !Array.isArray(doc.providers)) {
    c.error('providers', 'a federation needs a `providers:` list', 'missing-field');
    throw new ValidationError(c.diags, `${file}: invalid federation`);
  }
  unknownKeys(c, doc, new Set(['providers']), '');
  if (doc.providers.length > LIMITS.maxProviders) c.error('providers', `at most ${LIMITS.maxProviders} providers`);
  const seenProviders = new Set<string>();
  const seenLiqo = new Set<string>();
  doc.providers.slice(0, LIMITS.maxProviders).forEach((raw, i) => {
    const path = `providers[${i}]`;
    if (!isObj(raw)) {
      c.error(path, 'a provider must be an object');
      return;
    }
    unknownKeys(c, raw, PROVIDER_KEYS, path);
    const name = str(c, raw, 'name', path, { required: true, re: NAME_RE, what: 'a DNS label (lowercase, digits, -)' }) ?? `provider-${i}`;
    if (seenProviders.has(name)) c.error(`${path}.name`, `duplicate provider ${name}`, 'duplicate');
    seenProviders.add(name);
    const liqo = str(c, raw, 'liqoClusterId', path, { re: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, what: 'a lowercase id' }) ?? `liqo-${name}`;
    if (seenLiqo.has(liqo)) c.error(`${path}.liqoClusterId`, `duplicate liqoClusterId ${liqo}`, 'duplicate');
    seenLiqo.add(liqo);
    const region = str(c, raw, 'region', path, { required: true, re: REGION_RE, what: 'a lowercase region with hyphens' }) ?? 'unknown';
    const zone = str(c, raw, 'zone', path, { re: REGION_RE, what: 'a lowercase zone with hyphens' });
    const pre = raw.preemptible;
    if (pre !== undefined && typeof pre !== 'boolean') c.error(`${path}.preemptible`, 'preemptible must be true or false');
    const p: FederationProvider = {
      name,
      domain: str(c, raw, 'domain', path) ?? `${name}.fluidos.local`,
      nodeID: str(c, raw, 'nodeID', path) ?? name,
      ip: str(c, raw, 'ip', path) ?? '10.0.0.1',
      liqoClusterId: liqo,
      region,
      latency_ms: num(c, raw, 'latency_ms', path, 50),
      bandwidth_gbps: num(c, raw, 'bandwidth_gbps', path, 10),
      preemptible: pre === true,
      nodes: [],
    };
    if (zone) p.zone = zone;
    if (!Array.isArray(raw.nodes) || raw.nodes.length === 0) c.error(`${path}.nodes`, 'a provider needs at least one node', 'missing-field');
    const seenNodes = new Set<string>();
    (Array.isArray(raw.nodes) ? raw.nodes.slice(0, LIMITS.maxNodes) : []).forEach((rn: unknown, j: number) => {
      const npath = `${path}.nodes[${j}]`;
      if (!isObj(rn)) {
        c.error(npath, 'a node must be an object');
        return;
      }
      unknownKeys(c, rn, NODE_KEYS, npath);
      const nname = str(c, rn, 'name', npath, { required: true, re: NAME_RE, what: 'a DNS label' }) ?? `node-${j}`;
      if (seenNodes.has(nname)) c.error(`${npath}.name`, `duplicate node ${nname}`, 'duplicate');
      seenNodes.add(nname);
      p.nodes.push({
        name: nname,
        cpu: quantity(c, rn, 'cpu', npath) ?? '1',
        memory: quantity(c, rn, 'memory', npath) ?? '1Gi',
        pods: quantity(c, rn, 'pods', npath, '110') ?? '110',
        architecture: str(c, rn, 'architecture', npath) ?? 'amd64',
        annotations: nodeAnnotations(c, p, rn, npath),
      });
    });
    providers.push(p);
  });
  if (c.diags.length) throw new ValidationError(c.diags, `${file}: invalid federation`);
  return { providers };
}

/** Provider defaults, then the compact `gpu:` form, then explicit annotations (which win). */
function nodeAnnotations(c: Collector, p: FederationProvider, rn: Record<string, unknown>, path: string): Record<string, string> {
  const out: Record<string, string> = {
    'provider.fluidos.eu/name': p.name,
    'location.fluidos.eu/region': p.region,
    'network.fluidos.eu/latency-ms': String(p.latency_ms),
    'network.fluidos.eu/bandwidth-gbps': String(p.bandwidth_gbps),
    'provider.fluidos.eu/preemptible': String(p.preemptible),
    'cost.fluidos.eu/currency': 'EUR',
  };
  if (p.zone) out['location.fluidos.eu/zone'] = p.zone;
  if (rn.gpu !== undefined) {
    if (!isObj(rn.gpu)) c.error(`${path}.gpu`, 'gpu must be an object of Flavor GPU fields (model, count, memory, ...)');
    else {
      for (const [k, v] of Object.entries(rn.gpu)) {
        const ann = GPU_FIELDS.has(k) ? annotationForField(k as keyof GpuCharacteristics) : undefined;
        if (!ann) {
          c.error(`${path}.gpu.${k}`, `unknown GPU field ${k}`, 'unknown-field', `allowed: ${[...GPU_FIELDS].join(', ')}`);
          continue;
        }
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
          c.error(`${path}.gpu.${k}`, `${k} must be a scalar`);
          continue;
        }
        out[ann.key] = String(v);
      }
    }
  }
  if (rn.annotations !== undefined) {
    if (!isObj(rn.annotations)) c.error(`${path}.annotations`, 'annotations must be a map of strings');
    else for (const [k, v] of Object.entries(rn.annotations)) out[k] = String(v);
  }
  const gpu = gpuFromAnnotations(out);
  if (gpu) {
    // A GPU node must yield a usable Flavor; catch malformed values here rather than silently.
    for (const ann of GPU_ANNOTATIONS) {
      if (!ann.field) continue;
      const raw = out[ann.key] ?? out[ann.forkKey];
      if (raw !== undefined && (gpu as Record<string, unknown>)[ann.field] === undefined) {
        c.error(`${path}.annotations.${ann.key}`, `malformed ${ann.type} value ${JSON.stringify(raw)} for ${ann.key}`);
      }
    }
    if (gpu.count === undefined) c.error(`${path}.gpu.count`, 'a GPU node needs a positive GPU count', 'missing-field');
    if (gpu.model === undefined) c.error(`${path}.gpu.model`, 'a GPU node needs a model', 'missing-field');
  }
  return out;
}

/** Parses federation YAML (or JSON) text. */
export function parseFederation(text: string, file = '<federation>'): Federation {
  if (text.length > LIMITS.maxBytes) {
    throw new ValidationError([{ severity: 'error', file, line: 0, column: 0, path: '', message: `file is larger than ${LIMITS.maxBytes} bytes`, code: 'too-large' }]);
  }
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new ValidationError([{ severity: 'error', file, line: 0, column: 0, path: '', message: `not valid YAML: ${msg}`, code: 'yaml' }], `${file}: invalid federation`);
  }
  return normalizeFederation(doc, file);
}

export function readFederation(path: string): Federation {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new IoError(path, (err as Error).message, { cause: err });
  }
  return parseFederation(text, path);
}
