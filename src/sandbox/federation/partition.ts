import type { KubeObject } from '../../k8s/object.js';
import type { SolverFilters } from '../../fluidos/types.js';
import { flavorGpu } from '../../fluidos/types.js';
import { formatBytes, parseQuantity } from '../../util/quantity.js';
import type { Usage } from './flavors.js';

/** A K8Slice partition: what a Reservation buys of a Flavor. */
export interface Partition extends Usage {
  /** The GPU part as written in the configuration (model, memory, ...), count normalized. */
  gpu: Record<string, unknown>;
}

function q(v: unknown): number | undefined {
  return typeof v === 'string' || typeof v === 'number' ? parseQuantity(v) : undefined;
}

/**
 * Reads `configuration {type: K8Slice, data: {cpu, memory, pods, gpu}}`. `gpu` may be a count
 * (`2`, `"2"`) or an object with `count`. No configuration at all buys the whole Flavor, as
 * FLUIDOS does; a missing GPU count takes the minimum (1); missing cpu, memory or pods hold nothing
 * (the virtual node then shows what the Flavor had left).
 * Returns an error message for malformed values.
 */
export function partitionOf(configuration: unknown, flavor: KubeObject): Partition | string {
  const ch = flavor.spec?.flavorType?.typeData?.characteristics ?? {};
  const fgpu = flavorGpu(flavor) ?? {};
  if (configuration === undefined || configuration === null) {
    return {
      cpu: q(ch.cpu) ?? 0,
      memory: q(ch.memory) ?? 0,
      pods: 0,
      gpus: fgpu.count ?? 0,
      gpu: { ...fgpu },
    };
  }
  const c = configuration as { type?: unknown; data?: unknown };
  if (c.type !== undefined && c.type !== 'K8Slice') return `configuration type ${String(c.type)} is not K8Slice`;
  const d = (c.data ?? {}) as Record<string, unknown>;
  const cpu = d.cpu === undefined ? 0 : q(d.cpu);
  const memory = d.memory === undefined ? 0 : q(d.memory);
  const pods = d.pods === undefined ? 0 : q(d.pods);
  if (cpu === undefined) return `configuration cpu ${JSON.stringify(d.cpu)} is not a quantity`;
  if (memory === undefined) return `configuration memory ${JSON.stringify(d.memory)} is not a quantity`;
  if (pods === undefined) return `configuration pods ${JSON.stringify(d.pods)} is not a quantity`;
  let gpus = 1;
  let gpu: Record<string, unknown> = {};
  if (d.gpu !== undefined) {
    if (d.gpu !== null && typeof d.gpu === 'object') {
      gpu = { ...(d.gpu as Record<string, unknown>) };
      const n = gpu.count ?? gpu.value;
      gpus = n === undefined ? 1 : Number(n);
    } else gpus = Number(d.gpu);
    if (!Number.isInteger(gpus) || gpus < 0) return `configuration gpu count ${JSON.stringify(d.gpu)} is not a whole number`;
  }
  if (gpu.model === undefined && fgpu.model) gpu.model = fgpu.model;
  if (gpu.memory === undefined && fgpu.memory) gpu.memory = fgpu.memory;
  if (gpu.vendor === undefined && fgpu.vendor) gpu.vendor = fgpu.vendor;
  gpu.count = gpus;
  return { cpu, memory, pods, gpus, gpu };
}

/** The configuration data of a partition, as written into Reservations and Contracts. */
export function configurationData(p: Partition): Record<string, unknown> {
  const data: Record<string, unknown> = { gpu: p.gpu };
  if (p.cpu > 0) data.cpu = Number.isInteger(p.cpu) ? String(p.cpu) : `${Math.round(p.cpu * 1000)}m`;
  if (p.memory > 0) data.memory = formatBytes(p.memory);
  if (p.pods > 0) data.pods = String(p.pods);
  return data;
}

function lowerBound(f: { data?: { value?: string; min?: string } } | undefined): string | undefined {
  return f?.data?.min ?? f?.data?.value;
}

/**
 * The partition FLUIDOS reserves on its own (selection mode `fluidos`): the lower bounds of the
 * Solver's filters (cpu, memory, GPU count), the rest from the Flavor.
 */
export function partitionFromFilters(filters: SolverFilters | undefined, flavor: KubeObject): Partition | string {
  const countFilter = filters?.gpuFilters?.find((f) => f.field === 'count');
  let gpus = 1;
  if (countFilter && typeof countFilter.data === 'object') {
    const d = countFilter.data as { value?: unknown; min?: unknown };
    const n = Number(d.min ?? d.value ?? 1);
    if (Number.isInteger(n) && n > 0) gpus = n;
  }
  const data: Record<string, unknown> = { gpu: { count: gpus } };
  const cpu = lowerBound(filters?.cpuFilter);
  const memory = lowerBound(filters?.memoryFilter);
  const pods = lowerBound(filters?.podsFilter);
  if (cpu !== undefined) data.cpu = cpu;
  if (memory !== undefined) data.memory = memory;
  if (pods !== undefined) data.pods = pods;
  return partitionOf({ type: 'K8Slice', data }, flavor);
}
