import type { GpuCharacteristics } from './types.js';
import { isQuantity } from '../util/quantity.js';

/**
 * How an annotation value is read: `int` a positive integer, `number` a finite decimal,
 * `quantity` a Kubernetes quantity kept as written, `bool` lowercase true/false, `string` as is.
 */
type AnnotationValueType = 'string' | 'int' | 'number' | 'quantity' | 'bool';

interface GpuAnnotation {
  /** The documented key (annotation reference). */
  key: string;
  /** The key the GPU fork's code reads; equal to `key` when both agree. */
  forkKey: string;
  /** The Flavor GPU field it fills; null when it fills none (currency: EUR only today). */
  field: keyof GpuCharacteristics | null;
  type: AnnotationValueType;
}

const a = (key: string, field: keyof GpuCharacteristics | null, type: AnnotationValueType, forkKey = key): GpuAnnotation => ({
  key,
  forkKey,
  field,
  type,
});

/** The annotation table of fluidos-facts.md, both spellings. */
export const GPU_ANNOTATIONS: readonly GpuAnnotation[] = [
  a('gpu.fluidos.eu/vendor', 'vendor', 'string'),
  a('gpu.fluidos.eu/model', 'model', 'string'),
  a('gpu.fluidos.eu/count', 'count', 'int'),
  a('gpu.fluidos.eu/memory', 'memory', 'quantity', 'gpu.fluidos.eu/memory-per-gpu'),
  a('gpu.fluidos.eu/tier', 'tier', 'string'),
  a('gpu.fluidos.eu/architecture', 'architecture', 'string'),
  a('gpu.fluidos.eu/compute_capability', 'compute_capability', 'string', 'gpu.fluidos.eu/compute-capability'),
  a('gpu.fluidos.eu/fp32_tflops', 'fp32_tflops', 'number', 'gpu.fluidos.eu/fp32-tflops'),
  a('gpu.fluidos.eu/cores', 'cores', 'quantity'),
  a('gpu.fluidos.eu/clock_speed', 'clock_speed', 'quantity', 'gpu.fluidos.eu/clock-speed'),
  a('gpu.fluidos.eu/interconnect', 'interconnect', 'string'),
  a('gpu.fluidos.eu/interconnect_bandwidth', 'interconnect_bandwidth', 'string', 'gpu.fluidos.eu/interconnect-bandwidth-gbps'),
  a('gpu.fluidos.eu/topology', 'topology', 'string'),
  // A string on the Flavor (as the fork writes it), even though it reads as a number.
  a('gpu.fluidos.eu/multi_gpu_efficiency', 'multi_gpu_efficiency', 'string', 'gpu.fluidos.eu/multi-gpu-efficiency'),
  a('gpu.fluidos.eu/shared', 'shared', 'bool', 'gpu.fluidos.eu/sharing-capable'),
  a('gpu.fluidos.eu/sharing_strategy', 'sharing_strategy', 'string', 'gpu.fluidos.eu/sharing-strategy'),
  a('gpu.fluidos.eu/dedicated', 'dedicated', 'bool'),
  a('gpu.fluidos.eu/interruptible', 'interruptible', 'bool'),
  a('nvidia.fluidos.eu/mig_capable', 'multi_instance', 'bool', 'nvidia.fluidos.eu/mig-capable'),
  a('location.fluidos.eu/region', 'region', 'string'),
  a('location.fluidos.eu/zone', 'zone', 'string'),
  a('cost.fluidos.eu/hourly-rate', 'hourly_rate', 'number'),
  a('cost.fluidos.eu/currency', null, 'string'),
  a('provider.fluidos.eu/name', 'provider', 'string'),
  a('provider.fluidos.eu/preemptible', 'pre_emptible', 'bool'),
  a('workload.fluidos.eu/training-score', 'training_score', 'number'),
  a('workload.fluidos.eu/inference-score', 'inference_score', 'number'),
  a('workload.fluidos.eu/hpc-score', 'hpc_score', 'number'),
  a('workload.fluidos.eu/graphics-score', 'graphics_score', 'number'),
  a('network.fluidos.eu/bandwidth-gbps', 'network_bandwidth', 'string'),
  a('network.fluidos.eu/latency-ms', 'network_latency_ms', 'number'),
  a('network.fluidos.eu/tier', 'network_tier', 'string'),
];

/** Annotation for a Flavor GPU field (documented spelling), for writers such as the federation loader. */
export function annotationForField(field: keyof GpuCharacteristics): GpuAnnotation | undefined {
  return GPU_ANNOTATIONS.find((x) => x.field === field);
}

/** Parses one annotation value; undefined when malformed (the trait is then treated as absent). */
function parseAnnotationValue(type: AnnotationValueType, raw: string): string | number | boolean | undefined {
  const v = raw.trim();
  switch (type) {
    case 'string':
      return v === '' ? undefined : v;
    case 'quantity':
      return isQuantity(v) ? v : undefined;
    case 'int':
      return /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : undefined;
    case 'number':
      return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(v) ? Number(v) : undefined;
    case 'bool':
      if (v.toLowerCase() === 'true') return true;
      if (v.toLowerCase() === 'false') return false;
      return undefined;
  }
}

/**
 * The Flavor GPU traits a node's annotations describe, accepting the documented and the fork's
 * spellings (documented wins when both are set). Region and zone are read as named: the fork's
 * swap is a bug this does not reproduce. Malformed values are left out. undefined when the node
 * carries no `gpu.fluidos.eu/*` (or `nvidia.fluidos.eu/*`) annotation: it is not a GPU node.
 */
export function gpuFromAnnotations(annotations: Record<string, string> | undefined): GpuCharacteristics | undefined {
  if (!annotations) return undefined;
  const isGpuNode = Object.keys(annotations).some((k) => k.startsWith('gpu.fluidos.eu/') || k.startsWith('nvidia.fluidos.eu/'));
  if (!isGpuNode) return undefined;
  const gpu: Record<string, unknown> = {};
  for (const entry of GPU_ANNOTATIONS) {
    if (!entry.field) continue;
    const raw = annotations[entry.key] ?? annotations[entry.forkKey];
    if (raw === undefined) continue;
    const value = parseAnnotationValue(entry.type, raw);
    if (value !== undefined) gpu[entry.field] = value;
  }
  return gpu as GpuCharacteristics;
}

/** The inverse: annotations (documented spelling) for GPU traits; booleans written lowercase. */
export function annotationsFromGpu(gpu: GpuCharacteristics): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of GPU_ANNOTATIONS) {
    if (!entry.field) continue;
    const v = gpu[entry.field];
    if (v === undefined || v === null) continue;
    out[entry.key] = String(v);
  }
  return out;
}
