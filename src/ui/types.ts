/** The shapes of the API answers the dashboard reads (see /api/v1/openapi.json). */

export interface IntentSummary {
  intent_id: string;
  tenant: string;
  name: string;
  phase: string;
  provider: string | null;
  hourly_cost: number | null;
  gpu?: { count: number; model: string | null };
  first_seen?: string | null;
}

export interface Terms {
  cost: number;
  performance: number;
  latency: number;
  energy: number;
}

export interface Chosen {
  candidate: string;
  provider: string;
  model: string;
  count: number;
  memory: string;
  region: string;
  zone?: string;
  hourly_cost: number;
  latency_ms?: number;
  score: number;
  breakdown: Terms;
}

export interface Ranked {
  candidate: string;
  provider: string;
  model: string;
  score: number;
  hourly_cost: number;
}

export interface Rejected {
  candidate: string;
  provider: string;
  model: string;
  constraint: string;
  reason: string;
}

export interface Placement {
  location?: string;
  chosen?: Chosen;
  runners_up?: Ranked[];
  rejected?: Rejected[];
  nomatch?: { summary?: string; solver_message?: string };
  virtual_node?: { name: string; ready: boolean };
}

export interface Suggestion {
  alternative: string;
  cost_difference: string;
  performance_impact: string;
  change?: { path: string; value: unknown };
}

export interface IntentCost {
  id: string;
  tenant: string;
  name: string;
  phase: string;
  provider: string;
  currency: string;
  hourly: number;
  burn: number;
  accrued: number;
  since?: string;
  max_total_cost?: number;
  budget_left?: number;
}

export interface Describe {
  intent: string;
  tenant: string;
  name: string;
  file: string;
  spec: { objective: string; selection: string; workload: string; gpu: string; constraints: string[] };
  weights: Terms;
  phase: string;
  message: string;
  warnings: string[];
  placements: Placement[];
  suggestions: Suggestion[];
  cost: IntentCost;
  history: { time: string; phase: string; message: string }[];
}

export interface HistoryEntry {
  commit: string;
  time: string;
  subject: string;
  phase: string;
  provider: string;
  hourly_cost: number;
  accrued: number;
  currency: string;
  reason: string;
}

export interface PlanRow {
  candidate: string;
  provider: string;
  model: string;
  hourly_cost: number | null;
  feasible: boolean;
  chosen: boolean;
  rank?: number;
  score?: number;
  terms?: Terms;
  rejected?: { constraint: string; reason: string };
}

export interface Plan {
  intent: string;
  weights: Terms;
  placements: { location?: string; offers: PlanRow[]; summary: string; chosen?: string }[];
}

export interface Resource {
  model: string;
  count: number;
  memory: string | null;
  location: string | null;
  zone: string | null;
  cost_per_hour: number | null;
  currency: string;
  provider: string;
  available: boolean;
  latency_ms: number | null;
}

export interface TenantCost {
  tenant: string;
  intents: number;
  burn: number;
  accrued: number;
  held_hourly: number;
  gpus_in_use: number;
  quota_gpus?: number;
  quota_max_hourly_cost?: number;
  quota_left?: number;
}

export interface CostReport {
  currency: string;
  intents: IntentCost[];
  tenants: TenantCost[];
  total: { burn: number; accrued: number };
}
