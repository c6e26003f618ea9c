import { candidateFlavor, flavorGpu } from '../fluidos/types.js';
import type { KubeObject } from '../k8s/object.js';
import { compareQuantity, parseQuantity } from '../util/quantity.js';
import { lookupGpu } from '../gpu/catalog.js';

/** One GPU offer of the federation, as `flare resources` lists it. */
export interface ResourceRow {
  /** Flavor (or PeeringCandidate) namespace/name. */
  source: string;
  provider: string;
  model: string;
  count: number;
  memory: string;
  region: string;
  zone: string;
  /** Price of one GPU per hour (fluidos-facts.md); undefined when the provider gives none. */
  ratePerGpu: number | undefined;
  latencyMs: number | undefined;
  available: boolean;
}

export type ResourceSort = 'price' | 'model' | 'memory' | 'latency';

function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** A row per GPU Flavor (objects without GPU traits are not GPU offers and are left out). */
function rowFromFlavor(flavor: KubeObject, available: boolean | undefined, source: string): ResourceRow | undefined {
  const gpu = flavorGpu(flavor);
  if (!gpu?.model) return undefined;
  const spec = flavor.spec ?? {};
  return {
    source,
    provider: gpu.provider ?? spec.owner?.domain ?? spec.providerID ?? '',
    model: gpu.model,
    count: num(gpu.count) ?? 0,
    memory: gpu.memory ?? '',
    region: gpu.region ?? '',
    zone: gpu.zone ?? '',
    ratePerGpu: num(gpu.hourly_rate),
    latencyMs: num(gpu.network_latency_ms) ?? num(spec.flavorType?.typeData?.properties?.latency),
    available: available ?? spec.availability !== false,
  };
}

export function rowsFromFlavors(flavors: readonly KubeObject[]): ResourceRow[] {
  return flavors.flatMap((f) => rowFromFlavor(f, undefined, `${f.metadata.namespace ?? ''}/${f.metadata.name}`) ?? []);
}

export function rowsFromCandidates(candidates: readonly KubeObject[]): ResourceRow[] {
  return candidates.flatMap((pc) => {
    const f = candidateFlavor(pc);
    if (!f) return [];
    return rowFromFlavor(f, pc.spec?.available !== false && f.spec?.availability !== false, `${pc.metadata.namespace ?? ''}/${pc.metadata.name}`) ?? [];
  });
}

function globToRegex(pattern: string): RegExp {
  const body = pattern
    .toLowerCase()
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[a-z0-9-]*');
  return new RegExp(`^${body}$`);
}

/**
 * Whether a region belongs to a location: a name of the location catalog (case-insensitive,
 * `*` in its patterns matches any run of `[a-z0-9-]`), else a literal region; `any` matches all.
 */
export function regionInLocation(region: string, location: string, catalog: Readonly<Record<string, readonly string[]>>): boolean {
  if (location.toLowerCase() === 'any') return true;
  const entry = Object.entries(catalog).find(([name]) => name.toLowerCase() === location.toLowerCase());
  const patterns = entry ? entry[1] : [location];
  return patterns.some((p) => globToRegex(p).test(region.toLowerCase()));
}

interface ResourceQuery {
  model?: string;
  location?: string;
  sort?: ResourceSort;
}

/** Filters and sorts rows; ties break on provider then source so the order is stable. */
export function selectRows(rows: readonly ResourceRow[], q: ResourceQuery, catalog: Readonly<Record<string, readonly string[]>>): ResourceRow[] {
  // `h100`, `H100` and `NVIDIA-H100-80GB-HBM3` all mean nvidia-h100.
  const model = q.model ? (lookupGpu(q.model)?.model ?? q.model.toLowerCase()) : undefined;
  const picked = rows.filter(
    (r) =>
      (!model || model === 'any' || r.model === model || r.model.endsWith(`-${model}`)) &&
      (!q.location || regionInLocation(r.region, q.location, catalog)),
  );
  const undefLast = (a: number | undefined, b: number | undefined): number =>
    a === undefined ? (b === undefined ? 0 : 1) : b === undefined ? -1 : a - b;
  const primary: Record<ResourceSort, (a: ResourceRow, b: ResourceRow) => number> = {
    price: (a, b) => undefLast(a.ratePerGpu, b.ratePerGpu),
    model: (a, b) => a.model.localeCompare(b.model),
    memory: (a, b) => compareQuantity(b.memory, a.memory),
    latency: (a, b) => undefLast(a.latencyMs, b.latencyMs),
  };
  const by = primary[q.sort ?? 'price'];
  return [...picked].sort((a, b) => by(a, b) || a.provider.localeCompare(b.provider) || a.source.localeCompare(b.source));
}

function fmtRate(r: number | undefined): string {
  return r === undefined ? '-' : r.toFixed(2);
}

/** An aligned text table. */
export function formatRows(rows: readonly ResourceRow[]): string {
  const head = ['MODEL', 'COUNT', 'MEMORY', 'REGION', 'PROVIDER', 'EUR/H PER GPU', 'LATENCY MS', 'AVAILABLE'];
  const body = rows.map((r) => [
    r.model,
    String(r.count),
    r.memory || '-',
    r.region || '-',
    r.provider || '-',
    fmtRate(r.ratePerGpu),
    r.latencyMs === undefined ? '-' : String(r.latencyMs),
    r.available ? 'yes' : 'no',
  ]);
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** Memory in GiB as a number, for JSON consumers. */
export function memoryGi(row: ResourceRow): number | undefined {
  const b = parseQuantity(row.memory);
  return b === undefined ? undefined : b / 2 ** 30;
}
