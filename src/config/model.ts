import type { Objective, SelectionMode } from '../intent/model.js';

/** The consumer cluster's FLUIDOS identity: the buyer of every Reservation. */
export interface FluidosIdentity {
  domain: string;
  nodeID: string;
  ip: string;
}

/** Weights of the normalized score terms; each in [0,1], they need not sum to 1. */
export interface ObjectiveWeights {
  cost: number;
  performance: number;
  latency: number;
  energy: number;
}

export interface GitSettings {
  author: { name: string; email: string };
  branch: string;
  /** Commit subject template; `{count}` and `{summary}` are replaced. */
  message: string;
  skip_ci: boolean;
}

export interface ReconcilerSettings {
  /** Seconds between timer-triggered cycles. */
  interval_seconds: number;
  /** Seconds a virtual node may be NotReady before failover. */
  grace_period_seconds: number;
  /** Seconds for the first NoMatch retry; doubles up to max_backoff_seconds. */
  backoff_seconds: number;
  max_backoff_seconds: number;
  /**
   * Seconds a placed workload may stay not ready (Deploying) before the reconciler acts: a
   * placement problem (unschedulable pods, lost node) fails over, a workload problem (image pull
   * error, crashing or failed containers) ends Failed.
   */
  deploy_timeout_seconds: number;
  /**
   * A change that touches placement keeps the current placement when it is still feasible and
   * scores at least (1 - replace_margin) × the best candidate's score (0.1: within 10%).
   */
  replace_margin: number;
  push_retries: number;
}

/** Phase changes a webhook can subscribe to; `failover` is a placement moving to another provider. */
export const NOTIFY_EVENTS = ['Running', 'Completed', 'NoMatch', 'Failed', 'Invalid', 'failover'] as const;
export type NotifyEventName = (typeof NOTIFY_EVENTS)[number];

/** flare.yaml `notifications.webhooks[]`: where the reconciler posts phase changes. */
export interface WebhookConfig {
  url: string;
  /** Name of the environment variable holding the HMAC secret (the value never enters the repo). */
  secret_env?: string;
  /** Events to send; all of NOTIFY_EVENTS when absent. */
  events?: NotifyEventName[];
}

/**
 * flare.yaml, normalized. Every field has a default (DEFAULT_CONFIG), so a repo without
 * flare.yaml still renders.
 */
export interface FlareConfig {
  consumer: FluidosIdentity;
  namespaces: { fluidos: string };
  currency: string;
  selection: SelectionMode;
  /** Expected runtime used to turn max_total_cost into an hourly cap, in seconds. */
  default_runtime_seconds: number;
  /**
   * Location name → region patterns (`*` matches any run of `[a-z0-9-]`). A location that is
   * not in the catalog is taken as a literal region name.
   */
  locations: Record<string, string[]>;
  weights: Record<Objective, ObjectiveWeights>;
  git: GitSettings;
  reconciler: ReconcilerSettings;
  /** Optional so configs built in code (tests, tools) need not spell it out. */
  notifications?: { webhooks: WebhookConfig[] };
}

export interface TenantOwner {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
}

export interface Tenant {
  name: string;
  /** Repo-relative file it came from. */
  file: string;
  owners: TenantOwner[];
  quota: {
    /** Total GPUs across the tenant's intents. */
    gpus?: number;
    /** Total hourly spend cap across the tenant's intents, config currency. */
    max_hourly_cost?: number;
  };
  /** Locations the tenant's intents may use; undefined = any. */
  allowed_locations?: string[];
  /** Wildcard Ingress hosts (`*.apps.example.com`) the tenant's intents may claim; none when absent. */
  allowed_wildcard_hosts?: string[];
}

export const DEFAULT_CONFIG: FlareConfig = {
  consumer: { domain: 'consumer.fluidos.local', nodeID: 'flare-consumer', ip: '127.0.0.1' },
  namespaces: { fluidos: 'fluidos' },
  currency: 'EUR',
  selection: 'flare',
  default_runtime_seconds: 3600,
  locations: {
    EU: ['eu-*'],
    Europe: ['eu-*'],
    US: ['us-*'],
    'US-East': ['us-east-*'],
    'US-West': ['us-west-*'],
    Asia: ['ap-*'],
    'Asia-Pacific': ['ap-*'],
    Canada: ['ca-*'],
    Australia: ['ap-southeast-2*'],
    Brazil: ['sa-east-*'],
    India: ['ap-south-*'],
    Japan: ['ap-northeast-1*'],
    Singapore: ['ap-southeast-1*'],
    edge: ['*edge*'],
  },
  weights: {
    Cost_Minimization: { cost: 1, performance: 0.05, latency: 0.05, energy: 0 },
    Performance_Maximization: { cost: 0.05, performance: 1, latency: 0.05, energy: 0 },
    Latency_Minimization: { cost: 0.05, performance: 0.05, latency: 1, energy: 0 },
    Energy_Efficiency: { cost: 0.05, performance: 0.05, latency: 0, energy: 1 },
    Balanced_Optimization: { cost: 0.4, performance: 0.3, latency: 0.2, energy: 0.1 },
  },
  git: {
    author: { name: 'flare-bot', email: 'flare-bot@users.noreply.local' },
    branch: 'main',
    message: 'flare: {summary}',
    skip_ci: true,
  },
  reconciler: {
    interval_seconds: 30,
    grace_period_seconds: 30,
    backoff_seconds: 10,
    max_backoff_seconds: 600,
    deploy_timeout_seconds: 600,
    replace_margin: 0.1,
    push_retries: 5,
  },
  notifications: { webhooks: [] },
};
