import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { IoError, UsageError } from '../errors.js';

/**
 * What only the provider's admin knows about a node (no GPU operator label carries it):
 * where it is, what one GPU of it costs per hour, who provides it.
 */
export interface AdminValues {
  region?: string;
  zone?: string;
  /** EUR per GPU per hour (fluidos-facts.md: the rate is per GPU). */
  hourlyRate?: number;
  currency?: string;
  provider?: string;
  preemptible?: boolean;
  interruptible?: boolean;
  dedicated?: boolean;
  networkBandwidthGbps?: number;
  networkLatencyMs?: number;
  networkTier?: string;
}

/**
 * An admin values file:
 *
 * ```yaml
 * defaults: { region: eu-west-1, hourlyRate: 2, currency: EUR, provider: acme }
 * nodes:
 *   gpu-worker-1: { zone: eu-west-1a, hourlyRate: 2.5 }
 * ```
 *
 * Keys are accepted in camelCase, snake_case or kebab-case (`hourly_rate`, `hourly-rate`).
 */
export interface AdminValuesFile {
  defaults: AdminValues;
  nodes: Record<string, AdminValues>;
}

type FieldType = 'string' | 'number' | 'boolean';
const FIELDS: Record<keyof AdminValues, FieldType> = {
  region: 'string',
  zone: 'string',
  hourlyRate: 'number',
  currency: 'string',
  provider: 'string',
  preemptible: 'boolean',
  interruptible: 'boolean',
  dedicated: 'boolean',
  networkBandwidthGbps: 'number',
  networkLatencyMs: 'number',
  networkTier: 'string',
};
const ALIASES: Record<string, keyof AdminValues> = {
  rate: 'hourlyRate',
  providername: 'provider',
  bandwidthgbps: 'networkBandwidthGbps',
  latencyms: 'networkLatencyMs',
};

const squash = (k: string): string => k.toLowerCase().replace(/[-_]/g, '');
const BY_SQUASHED: ReadonlyMap<string, keyof AdminValues> = new Map([
  ...(Object.keys(FIELDS) as (keyof AdminValues)[]).map((k) => [squash(k), k] as const),
  ...Object.entries(ALIASES),
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseValues(raw: unknown, where: string, errors: string[]): AdminValues {
  const out: AdminValues = {};
  if (raw === undefined || raw === null) return out;
  if (!isRecord(raw)) {
    errors.push(`${where}: expected a mapping`);
    return out;
  }
  for (const [k, v] of Object.entries(raw)) {
    const field = BY_SQUASHED.get(squash(k));
    if (!field) {
      errors.push(`${where}.${k}: unknown admin value (known: ${Object.keys(FIELDS).join(', ')})`);
      continue;
    }
    const type = FIELDS[field];
    if (type === 'number') {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n) || n < 0) errors.push(`${where}.${k}: expected a non-negative number, got ${JSON.stringify(v)}`);
      else (out as Record<string, unknown>)[field] = n;
    } else if (type === 'boolean') {
      if (typeof v === 'boolean') (out as Record<string, unknown>)[field] = v;
      else if (v === 'true' || v === 'false') (out as Record<string, unknown>)[field] = v === 'true';
      else errors.push(`${where}.${k}: expected true or false, got ${JSON.stringify(v)}`);
    } else if (typeof v === 'string' || typeof v === 'number') {
      (out as Record<string, unknown>)[field] = String(v);
    } else {
      errors.push(`${where}.${k}: expected a string, got ${JSON.stringify(v)}`);
    }
  }
  return out;
}

/** Parses an admin values file; throws UsageError listing every problem. */
export function parseAdminValues(text: string, file: string): AdminValuesFile {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not valid YAML: ${(e as Error).message}`);
  }
  const errors: string[] = [];
  const result: AdminValuesFile = { defaults: {}, nodes: {} };
  if (doc === null || doc === undefined) return result;
  if (!isRecord(doc)) throw new UsageError(`${file}: expected a mapping with 'defaults' and/or 'nodes'`);
  for (const k of Object.keys(doc)) {
    if (k !== 'defaults' && k !== 'nodes') errors.push(`${file}: unknown top-level key '${k}' (expected 'defaults' or 'nodes')`);
  }
  result.defaults = parseValues(doc.defaults, `${file}: defaults`, errors);
  if (doc.nodes !== undefined && doc.nodes !== null) {
    if (!isRecord(doc.nodes)) errors.push(`${file}: nodes: expected a mapping of node name to values`);
    else for (const [name, v] of Object.entries(doc.nodes)) result.nodes[name] = parseValues(v, `${file}: nodes.${name}`, errors);
  }
  if (errors.length > 0) throw new UsageError(errors.join('\n'));
  return result;
}

export async function readAdminValues(path: string): Promise<AdminValuesFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new IoError(path, (e as Error).message, { cause: e });
  }
  return parseAdminValues(text, path);
}

/** Flags beat the node's entry, which beats the file's defaults. */
export function adminValuesFor(node: string, file: AdminValuesFile | undefined, flags: AdminValues): AdminValues {
  const merged: AdminValues = { ...(file?.defaults ?? {}), ...(file?.nodes[node] ?? {}) };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  return merged;
}
