/**
 * The field vocabulary of intent-fields.md in one place: the parser, the JSON Schema test and
 * `flare explain` read the same lists, so a field added here is known everywhere.
 */
export const API_VERSION = 'flare.fluidos.eu/v1alpha1';

export const WORKLOAD_TYPES = ['service', 'deployment', 'batch', 'job'] as const;
export const SELECTION_MODES = ['flare', 'fluidos'] as const;

/** Keys of the intent body (`intent:` of the API shape, `spec:` of the envelope, top level of the one-call shape). */
export const BODY_FIELDS = ['objective', 'workload', 'requirements', 'constraints', 'sla', 'selection'] as const;
export const ONE_CALL_TOP_FIELDS = ['name', ...BODY_FIELDS] as const;
export const ENVELOPE_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec'] as const;
export const API_TOP_FIELDS = ['intent', 'selection'] as const;

export const WORKLOAD_FIELDS = [
  'type',
  'name',
  'image',
  'commands',
  'env',
  'ports',
  'resources',
  'storage',
  'secrets',
  'deployment_strategy',
  'communication_pattern',
  'scaling',
  'batch',
  'replicas',
  'containers',
] as const;
export const WORKLOAD_ALIASES: Record<string, string> = { job: 'batch' };

export const CONTAINER_FIELDS = ['name', 'image', 'command', 'args', 'resources'] as const;
export const CONTAINER_RESOURCES_FIELDS = ['requests', 'limits'] as const;

export const RESOURCES_FIELDS = ['cpu', 'memory', 'gpu'] as const;
export const REQUIREMENTS_FIELDS = ['gpu', 'cpu', 'memory'] as const;

export const GPU_FIELDS = [
  'model',
  'count',
  'memory_min',
  'memory_max',
  'cores_min',
  'cores_max',
  'clock_speed_min',
  'compute_capability',
  'architecture',
  'tier',
  'interconnect',
  'topology',
  'shared',
  'interruptible',
  'multi_instance',
  'dedicated',
  'fp32_tflops',
  'multi_gpu_efficiency',
] as const;
export const GPU_ALIASES: Record<string, string> = { memory: 'memory_min' };

export const GPU_VENDORS = ['nvidia', 'amd', 'intel', 'custom'] as const;
export const ARCHITECTURES = ['hopper', 'ada-lovelace', 'ampere', 'turing', 'volta', 'blackwell', 'cdna3', 'cdna2', 'rdna3', 'any'] as const;
export const TIERS = ['premium', 'standard', 'gaming', 'inference', 'budget', 'any'] as const;
export const INTERCONNECTS = ['nvlink', 'nvswitch', 'infiniband', 'pcie', 'infinity-fabric', 'any'] as const;
export const TOPOLOGIES = ['all-to-all', 'nvswitch', 'ring', 'mesh', 'any'] as const;

export const PORT_FIELDS = ['port', 'protocol', 'expose', 'domain', 'tls'] as const;
export const PROTOCOLS = ['TCP', 'UDP'] as const;
export const STORAGE_FIELDS = ['volumes'] as const;
export const VOLUME_FIELDS = ['name', 'size', 'type', 'path', 'source'] as const;
export const VOLUME_TYPES = ['persistent', 'temporary'] as const;
export const VOLUME_SOURCE_FIELDS = ['type', 'uri', 'credentials'] as const;
export const VOLUME_SOURCE_TYPES = ['s3', 'gcs', 'azure'] as const;
export const SECRET_FIELDS = ['name', 'env'] as const;
export const DEPLOYMENT_STRATEGIES = ['colocated', 'distributed', 'flexible'] as const;
export const COMMUNICATION_PATTERNS = ['all-reduce', 'pipeline', 'independent'] as const;
export const SCALING_FIELDS = ['min_replicas', 'max_replicas', 'auto_scale', 'target_cpu_percent', 'target_gpu_percent'] as const;
export const BATCH_FIELDS = ['parallel_tasks', 'max_retries', 'timeout', 'completion_policy'] as const;
export const COMPLETION_POLICIES = ['All', 'Any'] as const;

export const CONSTRAINT_FIELDS = [
  'max_hourly_cost',
  'max_total_cost',
  'location',
  'regions',
  'availability_zone',
  'max_latency_ms',
  'max_latency_between_regions',
  'deadline',
  'preemptible',
  'providers',
  'availability',
  'energy',
  'security',
  'performance',
  'compliance',
  'negotiation',
] as const;
export const CONSTRAINT_ALIASES: Record<string, string> = { max_network_latency: 'max_latency_ms' };

export const DAYS_OF_WEEK = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export const MAINTENANCE_FREQUENCIES = ['weekly', 'monthly'] as const;
export const ENERGY_RATINGS = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
export const NETWORK_ISOLATION = ['public', 'private'] as const;
export const FIREWALL_ACTIONS = ['allow', 'deny'] as const;
export const FALLBACK_STRATEGIES = ['queue', 'lower_tier', 'shared', 'spot'] as const;
export const METADATA_FIELDS = ['name', 'labels', 'annotations'] as const;
/** Label keys FLARE sets on what it renders: an intent may not set them. */
export const RESERVED_LABEL_PREFIXES = ['flare.io/', 'capsule.clastix.io/', 'app.kubernetes.io/managed-by', 'liqo.io/'] as const;

