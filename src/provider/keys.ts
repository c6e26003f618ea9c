/**
 * Node annotation keys FLUIDOS reads GPU traits from (fluidos-facts.md). `flare annotate` writes
 * the DOCUMENTED spelling; both the documented and the GPU fork's spelling are accepted when
 * reading and checking.
 */

export const K = {
  vendor: 'gpu.fluidos.eu/vendor',
  model: 'gpu.fluidos.eu/model',
  count: 'gpu.fluidos.eu/count',
  memory: 'gpu.fluidos.eu/memory',
  tier: 'gpu.fluidos.eu/tier',
  architecture: 'gpu.fluidos.eu/architecture',
  computeCapability: 'gpu.fluidos.eu/compute_capability',
  fp32Tflops: 'gpu.fluidos.eu/fp32_tflops',
  cores: 'gpu.fluidos.eu/cores',
  clockSpeed: 'gpu.fluidos.eu/clock_speed',
  interconnect: 'gpu.fluidos.eu/interconnect',
  interconnectBandwidth: 'gpu.fluidos.eu/interconnect_bandwidth',
  topology: 'gpu.fluidos.eu/topology',
  multiGpuEfficiency: 'gpu.fluidos.eu/multi_gpu_efficiency',
  shared: 'gpu.fluidos.eu/shared',
  sharingStrategy: 'gpu.fluidos.eu/sharing_strategy',
  dedicated: 'gpu.fluidos.eu/dedicated',
  interruptible: 'gpu.fluidos.eu/interruptible',
  migCapable: 'nvidia.fluidos.eu/mig_capable',
  region: 'location.fluidos.eu/region',
  zone: 'location.fluidos.eu/zone',
  hourlyRate: 'cost.fluidos.eu/hourly-rate',
  currency: 'cost.fluidos.eu/currency',
  provider: 'provider.fluidos.eu/name',
  preemptible: 'provider.fluidos.eu/preemptible',
  trainingScore: 'workload.fluidos.eu/training-score',
  inferenceScore: 'workload.fluidos.eu/inference-score',
  hpcScore: 'workload.fluidos.eu/hpc-score',
  graphicsScore: 'workload.fluidos.eu/graphics-score',
  networkBandwidth: 'network.fluidos.eu/bandwidth-gbps',
  networkLatency: 'network.fluidos.eu/latency-ms',
  networkTier: 'network.fluidos.eu/tier',
} as const;

export type AnnotationKey = (typeof K)[keyof typeof K];

/** Documented key → the GPU fork's spelling, where they differ. */
export const FORK_SPELLING: Readonly<Partial<Record<AnnotationKey, string>>> = {
  [K.memory]: 'gpu.fluidos.eu/memory-per-gpu',
  [K.computeCapability]: 'gpu.fluidos.eu/compute-capability',
  [K.fp32Tflops]: 'gpu.fluidos.eu/fp32-tflops',
  [K.clockSpeed]: 'gpu.fluidos.eu/clock-speed',
  [K.interconnectBandwidth]: 'gpu.fluidos.eu/interconnect-bandwidth-gbps',
  [K.multiGpuEfficiency]: 'gpu.fluidos.eu/multi-gpu-efficiency',
  [K.shared]: 'gpu.fluidos.eu/sharing-capable',
  [K.sharingStrategy]: 'gpu.fluidos.eu/sharing-strategy',
  [K.migCapable]: 'nvidia.fluidos.eu/mig-capable',
};

export const DOCUMENTED_KEYS: readonly string[] = Object.values(K);

const FORK_TO_DOCUMENTED: ReadonlyMap<string, AnnotationKey> = new Map(
  Object.entries(FORK_SPELLING).map(([doc, fork]) => [fork as string, doc as AnnotationKey]),
);

/** The documented spelling of a key (itself when it is documented or unknown). */
export function documentedKey(key: string): string {
  return FORK_TO_DOCUMENTED.get(key) ?? key;
}

/** Prefixes of the annotation namespaces FLARE/FLUIDOS own on nodes. */
const FLUIDOS_PREFIXES = [
  'gpu.fluidos.eu/',
  'nvidia.fluidos.eu/',
  'location.fluidos.eu/',
  'cost.fluidos.eu/',
  'provider.fluidos.eu/',
  'workload.fluidos.eu/',
  'network.fluidos.eu/',
] as const;

export function isFluidosKey(key: string): boolean {
  return FLUIDOS_PREFIXES.some((p) => key.startsWith(p));
}

/** Labels that make FLUIDOS turn a node into a (GPU) Flavor. */
export const NODE_LABELS: Readonly<Record<string, string>> = {
  'node-role.fluidos.eu/resources': 'true',
  'node.fluidos.eu/gpu': 'true',
};
