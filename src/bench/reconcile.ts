import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createKubeCluster } from '../cluster/kube.js';
import { createBareRepo, startGitHttpServer } from '../git/http-server.js';
import type { CycleResult } from '../reconcile/cycle.js';
import { startReconciler } from '../reconcile/reconciler.js';
import { normalizeFederation } from '../sandbox/federation/model.js';
import { startSandbox } from '../sandbox/index.js';

interface BenchReconcileOptions {
  intents?: number;
  tenants?: number;
  /** Give up waiting for convergence after this long (the figures so far are still printed). */
  convergeTimeoutMs?: number;
  /** Give up waiting for the failover commit after this long (default 180 s). */
  outageTimeoutMs?: number;
  /** Print each cycle's per-phase times (default true). */
  phases?: boolean;
}

const RTX4090 = { vendor: 'nvidia', model: 'nvidia-rtx-4090', memory: '24Gi', tier: 'gaming', architecture: 'ada-lovelace', fp32_tflops: 82.6, training_score: 0.75, inference_score: 0.8 };

/** Enough EU RTX 4090s for every intent, at rates that differ per provider. */
function benchFederation(gpus: number) {
  // few large nodes: every Flavor becomes one PeeringCandidate that every Solver is interested in
  const perNode = 32;
  const nodesPerProvider = 2;
  const providers = Math.max(1, Math.ceil((gpus * 1.25) / (perNode * nodesPerProvider)));
  return normalizeFederation({
    providers: Array.from({ length: providers }, (_, p) => ({
      name: `bench-p${p}`,
      domain: `bench-p${p}.fluidos.eu`,
      nodeID: `bench-p${p}`,
      ip: `10.30.${p % 250}.1`,
      liqoClusterId: `liqo-bench-p${p}`,
      region: `eu-west-${(p % 4) + 1}`,
      latency_ms: 10 + p,
      bandwidth_gbps: 25,
      nodes: Array.from({ length: nodesPerProvider }, (_, n) => ({
        name: `rtx4090-${n}`,
        cpu: 128,
        memory: '1024Gi',
        gpu: { ...RTX4090, count: perNode, hourly_rate: Number((0.5 + 0.01 * ((p * 7 + n) % 20)).toFixed(2)) },
      })),
    })),
  });
}

function intentYaml(name: string, i: number): string {
  return [
    'apiVersion: flare.fluidos.eu/v1alpha1',
    'kind: Intent',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  objective: ${i % 3 === 0 ? 'Latency_Minimization' : 'Cost_Minimization'}`,
    '  workload:',
    '    type: service',
    '    image: nginx:1.27',
    '    resources:',
    '      gpu:',
    '        model: nvidia-rtx-4090',
    '        count: 1',
    '  constraints:',
    '    location: EU',
    '',
  ].join('\n');
}

const TENANT = (t: string) => `apiVersion: flare.fluidos.eu/v1alpha1\nkind: Tenant\nmetadata:\n  name: ${t}\nspec:\n  owners:\n    - kind: User\n      name: ${t}-admin\n`;

function s(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Milliseconds from the start of a cycle to the end of its commit (push included). */
function untilPushed(r: CycleResult): number {
  let ms = 0;
  for (const [phase, t] of Object.entries(r.timings)) {
    ms += t;
    if (phase === 'commit') return ms;
  }
  return r.durationMs;
}

/** `sync 0.41 load 1.20 …` in seconds, the phases of one cycle in the order they ran. */
function phaseLine(r: CycleResult | undefined): string {
  if (!r) return '(cycle failed)';
  return Object.entries(r.timings)
    .map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`)
    .join(' ');
}

/**
 * The reconciler at scale against the sandbox and a git http-backend remote: first sync (render +
 * apply of every intent's stage A, one commit), convergence to Running, a no-op cycle (must write
 * nothing and commit nothing), and the time from an observed change (a provider outage) to the
 * pushed status commit that records the failover.
 */
export async function benchReconcile(log: (line: string) => void, opts: BenchReconcileOptions = {}): Promise<void> {
  const n = opts.intents ?? 1000;
  const tenants = opts.tenants ?? 10;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'flare-bench-reconcile-'));
  const seed = path.join(tmp, 'seed');
  await mkdir(path.join(seed, 'tenants'), { recursive: true });
  await writeFile(
    path.join(seed, 'flare.yaml'),
    'apiVersion: flare.fluidos.eu/v1alpha1\nkind: FlareConfig\nmetadata:\n  name: flare\nspec:\n  git:\n    skip_ci: true\n  reconciler:\n    interval: 1s\n    grace_period: 2s\n    backoff: 2s\n    max_backoff: 10s\n',
  );
  for (let t = 0; t < tenants; t++) {
    await writeFile(path.join(seed, 'tenants', `team-${t}.yaml`), TENANT(`team-${t}`));
    await mkdir(path.join(seed, 'intents', `team-${t}`), { recursive: true });
  }
  for (let i = 0; i < n; i++) await writeFile(path.join(seed, 'intents', `team-${i % tenants}`, `svc-${i}.yaml`), intentYaml(`svc-${i}`, i));
  await createBareRepo(path.join(tmp, 'srv'), 'flare', { branch: 'main', seedFrom: seed });
  const server = await startGitHttpServer({ root: path.join(tmp, 'srv') });
  const sandbox = await startSandbox({ federation: benchFederation(n), stepDelayMs: 5 });
  const cluster = createKubeCluster({ kubeconfigPath: sandbox.kubeconfigPath });
  const cycles: { at: number; r: CycleResult }[] = [];
  const rec = await startReconciler({
    repo: { url: `${server.url}/flare.git`, dir: path.join(tmp, 'clone') },
    cluster,
    autoStart: false,
    onCycle: (r) => cycles.push({ at: performance.now(), r }),
    onError: (err) => log(`reconcile:   cycle failed: ${(err as Error)?.message ?? String(err)}`),
  });
  const showPhases = opts.phases !== false;
  const phases = (label: string, r: CycleResult | undefined): void => {
    if (showPhases) log(`reconcile:   ${label} phases (s): ${phaseLine(r)}`);
  };
  try {
    log(`reconcile: ${n} intents in ${tenants} tenants, ${sandbox.federation.providers.length} providers`);
    let writes0 = sandbox.stats().server.writes;
    let t0 = performance.now();
    const first = await rec.runOnce();
    const firstMs = performance.now() - t0;
    log(
      `reconcile: first sync ${s(firstMs)}: ${sandbox.stats().server.writes - writes0} API writes (${(first?.apply.applied ?? 0) + (first?.postApply?.applied ?? 0)} applies), ${first?.files ?? 0} files in ${first?.commit ? '1 commit' : 'no commit'}`,
    );
    phases('first sync', first);

    const convergeLimit = opts.convergeTimeoutMs ?? 600_000;
    const deadline = performance.now() + convergeLimit;
    t0 = performance.now();
    let last = first;
    let count = 1;
    let converged = false;
    while (performance.now() < deadline) {
      const r = await rec.runOnce();
      count++;
      if (r) last = r;
      phases(`cycle ${count} (${r?.changed.length ?? 0} changed, ${(r?.apply.applied ?? 0) + (r?.postApply?.applied ?? 0)} applies, ${r?.files ?? 0} files)`, r);
      if (r && r.intents.every((i) => i.phase === 'Running') && r.commit === undefined && r.apply.applied === 0) {
        converged = true;
        break;
      }
    }
    const byPhase = new Map<string, number>();
    for (const i of last?.intents ?? []) byPhase.set(i.phase, (byPhase.get(i.phase) ?? 0) + 1);
    const durations = cycles.map((c) => c.r.durationMs).sort((a, b) => a - b);
    log(
      `reconcile: ${converged ? 'converged' : `NOT converged (timed out after ${s(convergeLimit)})`} in ${s(performance.now() - t0)} over ${count} cycles (median cycle ${s(durations[Math.floor(durations.length / 2)] ?? 0)}); phases ${[...byPhase].map(([p, c]) => `${p}=${c}`).join(' ')}`,
    );

    writes0 = sandbox.stats().server.writes;
    t0 = performance.now();
    const noop = await rec.runOnce();
    log(
      `reconcile: no-op cycle ${s(performance.now() - t0)}: ${sandbox.stats().server.writes - writes0} API writes, ${noop?.commit ? 'a commit (unexpected)' : 'no commit'}`,
    );
    phases('no-op', noop);

    // an observed change: one provider goes down; time until the failover is pushed
    const victim = sandbox.federation.providers[0]!.name;
    const affected = new Set((noop?.intents ?? last?.intents ?? []).filter((i) => i.provider === victim).map((i) => i.id));
    const outageLimit = opts.outageTimeoutMs ?? 180_000;
    cycles.length = 0;
    t0 = performance.now();
    sandbox.faults.providerDown(victim);
    let pushedAt: number | undefined;
    let outageCycles = 0;
    while (performance.now() - t0 < outageLimit && pushedAt === undefined && affected.size > 0) {
      const cycleStart = performance.now();
      const r = await rec.runOnce();
      outageCycles++;
      phases(`outage cycle ${outageCycles} (${r?.changed.length ?? 0} changed, ${r?.files ?? 0} files)`, r);
      // the push ends the commit phase; what the cycle applies after it is not part of the figure
      if (r?.pushed && r.changed.some((id) => affected.has(id))) pushedAt = cycleStart + untilPushed(r);
    }
    log(
      `reconcile: provider outage (${affected.size} intents on ${victim}) → status commit pushed in ${pushedAt ? `${s(pushedAt - t0)} (${outageCycles} cycles)` : affected.size === 0 ? 'n/a (no intent on that provider)' : `n/a (timed out after ${s(outageLimit)})`}`,
    );
  } finally {
    await rec.stop();
    await sandbox.close();
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  }
}
