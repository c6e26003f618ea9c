import type { KubeObject } from '../k8s/object.js';

/** API groups and versions of the kinds FLARE drives (real CRDs in ../shared/crds). */
export const API = {
  nodecore: 'nodecore.fluidos.eu/v1alpha1', // Flavor, Solver, Allocation
  advertisement: 'advertisement.fluidos.eu/v1alpha1', // Discovery, PeeringCandidate
  reservation: 'reservation.fluidos.eu/v1alpha1', // Reservation, Contract, Transaction
  offloading: 'offloading.liqo.io/v1beta1', // NamespaceOffloading
  capsule: 'capsule.clastix.io/v1beta2', // Tenant
} as const;

/**
 * `spec.flavorType.typeData.characteristics.gpu` of a Flavor, as the GPU fork writes it.
 * Field names are the gpuFilter `field` names.
 */
export interface GpuCharacteristics {
  vendor?: string;
  model?: string;
  count?: number;
  memory?: string;
  tier?: string;
  architecture?: string;
  compute_capability?: string;
  fp32_tflops?: number;
  cores?: string;
  clock_speed?: string;
  interconnect?: string;
  interconnect_bandwidth?: string;
  topology?: string;
  /** A string in the fork: a number filter on it never matches upstream. */
  multi_gpu_efficiency?: string;
  shared?: boolean;
  sharing_strategy?: string;
  dedicated?: boolean;
  interruptible?: boolean;
  multi_instance?: boolean;
  region?: string;
  zone?: string;
  hourly_rate?: number;
  provider?: string;
  pre_emptible?: boolean;
  training_score?: number;
  inference_score?: number;
  hpc_score?: number;
  graphics_score?: number;
  network_bandwidth?: string;
  network_latency_ms?: number;
  network_tier?: string;
}

type GpuFilterName =
  | 'StringFilter'
  | 'StringRangeSelector'
  | 'NumberMatchFilter'
  | 'NumberRangeFilter'
  | 'ResourceMatchSelector'
  | 'ResourceRangeSelector'
  | 'BooleanFilter';

export interface GpuFilter {
  field: keyof GpuCharacteristics;
  filter: GpuFilterName;
  /** {value} | {regex} | {min?, max?} | a bare boolean for BooleanFilter. */
  data: { value?: string | number } | { regex: string } | { min?: string | number; max?: string | number } | boolean;
}

/** K8SliceSelector `filters` of a Solver. */
export interface SolverFilters {
  architectureFilter?: { name: 'Match' | 'Range'; data: { value?: string; regex?: string } };
  cpuFilter?: { name: 'Match' | 'Range'; data: { value?: string; min?: string; max?: string } };
  memoryFilter?: { name: 'Match' | 'Range'; data: { value?: string; min?: string; max?: string } };
  podsFilter?: { name: 'Match' | 'Range'; data: { value?: string; min?: string; max?: string } };
  storageFilter?: { name: 'Match' | 'Range'; data: { value?: string; min?: string; max?: string } };
  gpuFilters?: GpuFilter[];
}

/** The GPU traits of a Flavor (or of the Flavor inside a PeeringCandidate), if any. */
export function flavorGpu(flavor: KubeObject): GpuCharacteristics | undefined {
  return flavor.spec?.flavorType?.typeData?.characteristics?.gpu;
}

export function candidateFlavor(pc: KubeObject): KubeObject | undefined {
  return pc.spec?.flavor;
}

/** The GPU resource names of every vendor FLARE knows (device plugins of NVIDIA, AMD, Intel). */
export const GPU_RESOURCE_NAMES: readonly string[] = ['nvidia.com/gpu', 'amd.com/gpu', 'gpu.intel.com/i915'];

/** Kubernetes resource name of a vendor's GPUs, for requests and quotas. */
export function gpuResourceName(vendorOrModel: string | undefined): string {
  const v = (vendorOrModel ?? 'nvidia').toLowerCase();
  if (v.startsWith('amd')) return 'amd.com/gpu';
  if (v.startsWith('intel')) return 'gpu.intel.com/i915';
  return 'nvidia.com/gpu';
}
