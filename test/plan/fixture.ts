import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A small repo and federation whose plan is worked out by hand in plan.test.ts. Every trait the
 * ranker reads is explicit (fp32_tflops, tier, scores) so nothing comes from the GPU catalog.
 *
 * | offer          | model       | GPUs | mem  | tier      | fp32 | train | infer | EUR/GPU/h | region       | ms  |
 * | p-a h100       | nvidia-h100 | 4    | 80Gi | premium   | 60   | 0.9   | 0.9   | 4         | eu-west-1    | 20  |
 * | p-a l4         | nvidia-l4   | 2    | 24Gi | inference | 30   | 0.5   | 0.8   | 1         | eu-west-1    | 20  |
 * | p-b h100       | nvidia-h100 | 8    | 80Gi | premium   | 60   | 1     | 0.9   | 3         | eu-central-1 | 50  |
 * | p-b a100       | nvidia-a100 | 4    | 40Gi | premium   | 20   | 0.8   | 0.8   | 2         | eu-central-1 | 50  |
 * | p-c h100       | nvidia-h100 | 4    | 80Gi | premium   | 60   | 1     | 0.9   | 2.5       | us-east-1    | 100 |
 */
export const FEDERATION = `
providers:
  - name: p-a
    region: eu-west-1
    latency_ms: 20
    nodes:
      - {name: h100, cpu: 64, memory: 512Gi, gpu: {vendor: nvidia, model: nvidia-h100, memory: 80Gi, tier: premium, fp32_tflops: 60, training_score: 0.9, inference_score: 0.9, count: 4, hourly_rate: 4}}
      - {name: l4, cpu: 16, memory: 64Gi, gpu: {vendor: nvidia, model: nvidia-l4, memory: 24Gi, tier: inference, fp32_tflops: 30, training_score: 0.5, inference_score: 0.8, count: 2, hourly_rate: 1}}
  - name: p-b
    region: eu-central-1
    latency_ms: 50
    nodes:
      - {name: h100, cpu: 64, memory: 512Gi, gpu: {vendor: nvidia, model: nvidia-h100, memory: 80Gi, tier: premium, fp32_tflops: 60, training_score: 1, inference_score: 0.9, count: 8, hourly_rate: 3}}
      - {name: a100, cpu: 64, memory: 512Gi, gpu: {vendor: nvidia, model: nvidia-a100, memory: 40Gi, tier: premium, fp32_tflops: 20, training_score: 0.8, inference_score: 0.8, count: 4, hourly_rate: 2}}
  - name: p-c
    region: us-east-1
    latency_ms: 100
    nodes:
      - {name: h100, cpu: 64, memory: 512Gi, gpu: {vendor: nvidia, model: nvidia-h100, memory: 80Gi, tier: premium, fp32_tflops: 60, training_score: 1, inference_score: 0.9, count: 4, hourly_rate: 2.5}}
`;

const TENANT = `apiVersion: flare.fluidos.eu/v1alpha1
kind: Tenant
metadata:
  name: team
spec:
  owners:
    - kind: Group
      name: team
  quota:
    gpus: 16
    max_hourly_cost: 20 EUR
`;

function service(name: string, objective: string, gpu: string, constraints: string): string {
  return `apiVersion: flare.fluidos.eu/v1alpha1
kind: Intent
metadata:
  name: ${name}
spec:
  objective: ${objective}
  workload:
    type: service
    image: nginx:1.27
    resources:
      cpu: "1"
      memory: 1Gi
      gpu: ${gpu}
  constraints: ${constraints}
`;
}

export const INTENTS: Record<string, string> = {
  // batch → training scores; H100 only, EU only
  train: `apiVersion: flare.fluidos.eu/v1alpha1
kind: Intent
metadata:
  name: train
spec:
  objective: Performance_Maximization
  workload:
    type: batch
    image: pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime
    resources:
      cpu: "4"
      memory: 16Gi
      gpu: {model: nvidia-h100, count: 2}
    batch:
      timeout: 2h
  constraints: {location: EU, max_total_cost: 30 EUR}
`,
  chat: service('chat', 'Cost_Minimization', '{count: 1, memory_min: 24Gi}', '{location: EU, max_hourly_cost: 3.5 EUR}'),
  edge: service('edge', 'Latency_Minimization', '{count: 1}', '{max_latency_ms: 60}'),
  big: service('big', 'Balanced_Optimization', '{model: nvidia-h100, count: 2}', '{location: EU, max_hourly_cost: 5 EUR}'),
};

/** A status file of tenant `team` placed on one candidate. */
export function statusYaml(name: string, phase: string, specHash: string, chosen: { candidate: string; provider: string; model: string; rate: number; count: number; region: string }): string {
  const hourly = chosen.rate * chosen.count;
  return `apiVersion: flare.fluidos.eu/v1alpha1
kind: IntentStatus
metadata:
  name: ${name}
  tenant: team
status:
  intent_id: team-${name}
  tenant: team
  name: ${name}
  phase: ${phase}
  selection: flare
  spec_hash: ${specHash}
  cost: {hourly: ${hourly}, currency: EUR, accrued: 0, since: "2026-11-28T08:00:00.000Z"}
  history:
    - {time: "2026-11-28T08:00:00.000Z", phase: ${phase}, message: placed}
  placements:
    - solver: flare-team-${name}
      attempt: 1
      chosen:
        candidate: ${chosen.candidate}
        flavor: ${chosen.candidate.replace(/^pc-/, '')}
        provider: ${chosen.provider}
        owner: {domain: ${chosen.provider}.fluidos.eu, nodeID: ${chosen.provider}, ip: 10.0.0.1}
        model: ${chosen.model}
        count: 4
        memory: 40Gi
        region: ${chosen.region}
        hourly_rate: ${chosen.rate}
        hourly_cost: ${hourly}
        score: 0.5
        breakdown: {cost: 0.5, performance: 0.5, latency: 0.5, energy: 0.5}
`;
}

export async function makeRepo(statuses: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'flare-plan-'));
  await mkdir(path.join(dir, 'tenants'), { recursive: true });
  await mkdir(path.join(dir, 'intents', 'team'), { recursive: true });
  await mkdir(path.join(dir, 'status', 'team'), { recursive: true });
  await writeFile(path.join(dir, 'tenants', 'team.yaml'), TENANT);
  await writeFile(path.join(dir, 'federation.yaml'), FEDERATION);
  for (const [n, text] of Object.entries(INTENTS)) await writeFile(path.join(dir, 'intents', 'team', `${n}.yaml`), text);
  for (const [n, text] of Object.entries(statuses)) await writeFile(path.join(dir, 'status', 'team', `${n}.yaml`), text);
  return dir;
}
