/**
 * The normalized intent: every input shape (API body, Kubernetes-style envelope, the GPU Pooling
 * Guide's one-call form) becomes this before anything else happens. Field names are the
 * canonical names of intent-fields.md (aliases resolved, defaults applied, values parsed), so a
 * diagnostic path and an `explain` line use the same words the user wrote.
 */
export type Objective =
  | 'Performance_Maximization'
  | 'Cost_Minimization'
  | 'Latency_Minimization'
  | 'Energy_Efficiency'
  | 'Balanced_Optimization';

export const OBJECTIVES: readonly Objective[] = [
  'Performance_Maximization',
  'Cost_Minimization',
  'Latency_Minimization',
  'Energy_Efficiency',
  'Balanced_Optimization',
];

export type InputShape = 'api' | 'envelope' | 'one-call';
export type SelectionMode = 'flare' | 'fluidos';
/** `service`/`deployment` → service (Deployment); `batch`/`job` → batch (Job). */
export type WorkloadType = 'service' | 'batch';

export interface GpuRequest {
  /** Lowercase vendor-prefixed model; undefined means `any`. */
  model?: string;
  count: number;
  /** Per-GPU memory bounds as written (quantity strings, e.g. "40Gi"). */
  memory_min?: string;
  memory_max?: string;
  cores_min?: number;
  cores_max?: number;
  clock_speed_min?: string;
  /** undefined means `any` for these string traits. */
  compute_capability?: string;
  architecture?: string;
  tier?: string;
  interconnect?: string;
  topology?: string;
  shared: boolean;
  interruptible: boolean;
  multi_instance: boolean;
  dedicated: boolean;
  fp32_tflops?: number;
  multi_gpu_efficiency?: number;
}

export interface Resources {
  /** Quantity strings as written ("8", "500m", "32Gi"). */
  cpu?: string;
  memory?: string;
  gpu: GpuRequest;
}

export interface EnvVar {
  name: string;
  value: string;
}

export interface Port {
  port: number;
  protocol: 'TCP' | 'UDP';
  expose: boolean;
  domain?: string;
  /** TLS on the Ingress for `domain` (secret `<workload>-tls`); set only when true. */
  tls?: boolean;
}

export interface Volume {
  name: string;
  size: string;
  type: 'persistent' | 'temporary';
  path: string;
  source?: { type: 's3' | 'gcs' | 'azure'; uri: string; credentials?: string };
}

export interface SecretRef {
  /** Name of a Secret that must already exist in the namespace; its value never enters the repo. */
  name: string;
  /** Environment variable that receives it. */
  env: string;
}

export interface Container {
  name: string;
  image: string;
  /** Resolved from `commands` by the documented rule (see README "commands"). */
  command?: string[];
  args?: string[];
}

export interface Scaling {
  min_replicas: number;
  max_replicas: number;
  auto_scale: boolean;
  target_cpu_percent: number;
  target_gpu_percent: number;
}

export interface Batch {
  parallel_tasks: number;
  max_retries: number;
  /** Seconds; undefined when not given. */
  timeout?: number;
  completion_policy: 'All' | 'Any';
}

export interface Workload {
  type: WorkloadType;
  name: string;
  /** At least one; the API shape yields one container named after the workload. */
  containers: Container[];
  env: EnvVar[];
  ports: Port[];
  volumes: Volume[];
  secrets: SecretRef[];
  deployment_strategy?: 'colocated' | 'distributed' | 'flexible';
  communication_pattern?: 'all-reduce' | 'pipeline' | 'independent';
  /** Replicas of a service: the one-call `replicas`, else scaling.min_replicas. */
  replicas: number;
  scaling: Scaling;
  /** Present for batch workloads (defaults applied). */
  batch?: Batch;
}

export interface Constraints {
  /** Hourly cap for the whole workload, in the config currency ("25 EUR/hour" under max_total_cost lands here). */
  max_hourly_cost?: number;
  /** Total budget in the config currency. */
  max_total_cost?: number;
  location?: string;
  regions?: string[];
  availability_zone?: string;
  max_latency_ms?: number;
  max_latency_between_regions?: number;
  /** RFC 3339, as written. */
  deadline?: string;
  preemptible: boolean;
  providers?: string[];
  /** Accepted and recorded, not enforced on FLUIDOS (listed by `flare explain`). */
  availability?: Record<string, unknown>;
  energy?: Record<string, unknown>;
  security?: Record<string, unknown>;
  performance?: Record<string, unknown>;
  compliance?: Record<string, unknown>;
  negotiation?: Record<string, unknown>;
}

export interface Sla {
  availability?: string;
  max_interruption_time?: string;
  backup_strategy?: string;
}

export interface IntentSpec {
  objective: Objective;
  /** Per-intent override of flare.yaml `selection`. */
  selection?: SelectionMode;
  resources: Resources;
  /** Absent for capacity-only intents (reserve and peer GPUs, deploy nothing). */
  workload?: Workload;
  constraints: Constraints;
  sla?: Sla;
}

export interface Intent {
  /** `<tenant>-<name>` */
  id: string;
  tenant: string;
  /** metadata.name, workload.name or name: authoritative, independent of the file name. */
  name: string;
  /** Repo-relative path of the file it came from. */
  file: string;
  shape: InputShape;
  labels: Record<string, string>;
  spec: IntentSpec;
}
