/**
 * A stand-in for Argo CD's sync of rendered/ (automated, prune): objects are applied wave by
 * wave (argocd.argoproj.io/sync-wave), and the next wave starts only when every object of the
 * current one is healthy by its health check: the Lua checks of argocd/resource_customizations
 * run in the Argo CD-equivalent VM; kinds without a check count as healthy, as in Argo CD.
 * A Degraded object stops the sync at its wave. Then what is managed by FLARE but no longer
 * rendered is pruned.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { Cluster } from '../../src/cluster/types.js';
import { keyOf, refOf, type KubeObject } from '../../src/k8s/object.js';
import { listManaged } from '../../src/reconcile/apply.js';
import { runGit } from '../../src/git/exec.js';
import { executeHealthLua, type HealthStatus } from './lua-runner.js';

const WAVE = 'argocd.argoproj.io/sync-wave';
const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

function loadChecks(): Map<string, string> {
  const dir = path.join(repoRoot, 'argocd', 'resource_customizations');
  const out = new Map<string, string>();
  for (const group of readdirSync(dir)) for (const kind of readdirSync(path.join(dir, group))) {
    out.set(`${group}/${kind}`, readFileSync(path.join(dir, group, kind, 'health.lua'), 'utf8'));
  }
  return out;
}
const CHECKS = loadChecks();

export function healthOf(o: KubeObject): HealthStatus | undefined {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '';
  const script = CHECKS.get(`${group}/${o.kind}`);
  return script === undefined ? undefined : executeHealthLua(o, script);
}

/** The objects of rendered/ at the remote's head (what Argo CD would read), via a clone kept in dir. */
export async function renderedAtHead(url: string, dir: string): Promise<KubeObject[]> {
  try {
    statSync(path.join(dir, '.git'));
    await runGit(['fetch', '-q', 'origin'], { cwd: dir, timeoutMs: 30_000 });
    await runGit(['reset', '-q', '--hard', 'origin/main'], { cwd: dir });
  } catch {
    await runGit(['clone', '-q', '-b', 'main', url, dir], { cwd: path.dirname(dir), timeoutMs: 30_000 });
  }
  const out: KubeObject[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.yaml') && e.name !== 'kustomization.yaml') out.push(parse(readFileSync(p, 'utf8')) as KubeObject);
    }
  };
  try {
    walk(path.join(dir, 'rendered'));
  } catch {
    // nothing rendered yet
  }
  return out;
}

export interface SyncResult {
  /** Waves applied, in order. */
  waves: number[];
  /** Set when an object of a wave read Degraded: the sync stopped there. */
  degraded?: { key: string; health: HealthStatus }[];
  /** Set when a wave did not become healthy in time. */
  waiting?: number;
}

export interface SyncOptions {
  /** Plays Capsule's part, which the sandbox does not simulate: an applied Tenant gets its status. */
  capsule?: boolean;
  waveTimeoutMs?: number;
}

export async function argoSync(cluster: Cluster, desired: readonly KubeObject[], o: SyncOptions = {}): Promise<SyncResult> {
  const byWave = new Map<number, KubeObject[]>();
  for (const d of desired) {
    const w = Number(d.metadata.annotations?.[WAVE] ?? 0);
    byWave.set(w, [...(byWave.get(w) ?? []), d]);
  }
  const result: SyncResult = { waves: [] };
  for (const w of [...byWave.keys()].sort((a, b) => a - b)) {
    const objs = byWave.get(w)!;
    for (const d of objs) await cluster.apply(d, { fieldManager: 'argocd-controller', force: true });
    result.waves.push(w);
    if (o.capsule) {
      for (const t of objs.filter((x) => x.kind === 'Tenant')) {
        const live = await cluster.get(refOf(t));
        if (!live?.status?.state) {
          await cluster.patch(refOf(t), { status: { size: 0, state: 'Active', conditions: [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: 'reconciled', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } }, { subresource: 'status' });
        }
      }
    }
    const until = Date.now() + (o.waveTimeoutMs ?? 10_000);
    for (;;) {
      const healths: { key: string; health: HealthStatus }[] = [];
      for (const d of objs) {
        const live = await cluster.get(refOf(d));
        const h = live ? healthOf(live) : { status: 'Missing', message: '' };
        if (h) healths.push({ key: keyOf(d), health: h });
      }
      const degraded = healths.filter((h) => h.health.status === 'Degraded');
      if (degraded.length > 0) {
        result.degraded = degraded;
        return result;
      }
      if (healths.every((h) => h.health.status === 'Healthy' || h.health.status === 'Suspended')) break;
      if (Date.now() > until) {
        result.waiting = w;
        return result;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const want = new Set(desired.map((d) => keyOf(d)));
  for (const live of await listManaged(cluster, undefined)) if (!want.has(keyOf(live))) await cluster.delete(refOf(live));
  return result;
}
