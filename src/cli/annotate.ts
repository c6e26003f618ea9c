import { resolve } from 'node:path';
import { Command } from 'commander';
import { clusterFromFlags } from '../cluster/kubeconfig.js';
import type { Cluster } from '../cluster/types.js';
import { UsageError } from '../errors.js';
import type { KubeObject } from '../k8s/object.js';
import { type AdminValues, type AdminValuesFile, adminValuesFor, readAdminValues } from '../provider/admin-values.js';
import { formatPlans, patchFor, planNode, readNodes, type NodePlan } from '../provider/annotate.js';
import { checkAnnotations, type Violation } from '../provider/check.js';
import { isFluidosKey } from '../provider/keys.js';
import type { CliContext } from './context.js';
import { outputOption } from './output.js';

interface AnnotateFlags {
  kubeconfig?: string;
  context?: string;
  from?: string[];
  node?: string;
  region?: string;
  zone?: string;
  rate?: string;
  currency?: string;
  provider?: string;
  preemptible?: boolean;
  adminValues?: string;
  apply?: boolean;
  check?: boolean;
  output: string;
}

function flagValues(f: AnnotateFlags): AdminValues {
  const v: AdminValues = {};
  if (f.region !== undefined) v.region = f.region;
  if (f.zone !== undefined) v.zone = f.zone;
  if (f.rate !== undefined) {
    const n = Number(f.rate);
    if (f.rate.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--rate must be a non-negative number (EUR per GPU per hour), got '${f.rate}'`);
    v.hourlyRate = n;
  }
  if (f.currency !== undefined) v.currency = f.currency;
  if (f.provider !== undefined) v.provider = f.provider;
  if (f.preemptible !== undefined) v.preemptible = f.preemptible;
  return v;
}

async function loadNodes(f: AnnotateFlags, ctx: CliContext): Promise<{ nodes: KubeObject[]; cluster?: Cluster }> {
  let nodes: KubeObject[];
  let cluster: Cluster | undefined;
  if (f.from && f.from.length > 0) {
    if (f.kubeconfig) throw new UsageError('--from and --kubeconfig are exclusive');
    if (f.apply) throw new UsageError('--apply needs a cluster; --from reads node files');
    nodes = [];
    for (const file of f.from) nodes.push(...(await readNodes(resolve(ctx.cwd, file))));
  } else {
    cluster = clusterFromFlags({ ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}), ...(f.context ? { context: f.context } : {}) }, ctx.env, ctx.cwd);
    nodes = await cluster.list('v1', 'Node');
  }
  if (f.node) {
    nodes = nodes.filter((n) => n.metadata.name === f.node);
    if (nodes.length === 0) throw new UsageError(`no node named '${f.node}'`);
  }
  nodes.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return cluster ? { nodes, cluster } : { nodes };
}

function runCheck(nodes: KubeObject[], f: AnnotateFlags, ctx: CliContext): void {
  const results: { node: string; violations: Violation[] }[] = [];
  for (const n of nodes) {
    const annotations = n.metadata.annotations ?? {};
    const hasFluidos = Object.keys(annotations).some(isFluidosKey);
    if (!hasFluidos && !f.node) continue;
    results.push({ node: n.metadata.name, violations: checkAnnotations(annotations) });
  }
  const bad = results.filter((r) => r.violations.length > 0).length;
  if (f.output === 'json') {
    ctx.stdout.write(`${JSON.stringify({ ok: bad === 0, nodes: results }, null, 2)}\n`);
  } else {
    for (const r of results) {
      if (r.violations.length === 0) {
        ctx.stdout.write(`node ${r.node}: ok\n`);
        continue;
      }
      ctx.stdout.write(`node ${r.node}: ${r.violations.length} violation${r.violations.length === 1 ? '' : 's'}\n`);
      for (const v of r.violations) ctx.stdout.write(`  ${v.key}${v.value !== undefined ? `=${v.value}` : ''}: ${v.message}\n`);
    }
    if (results.length === 0) ctx.stderr.write('no node carries FLUIDOS annotations\n');
  }
  ctx.exitCode = bad > 0 ? 1 : 0;
}

export function annotateCommand(ctx: CliContext): Command {
  return new Command('annotate')
    .description('provider side: turn NVIDIA/AMD GPU operator node labels into FLUIDOS gpu.fluidos.eu/* annotations, show the diff, apply or check them')
    .option('--kubeconfig <path>', 'kubeconfig of the provider cluster (default: $KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--from <file...>', 'read Node objects from YAML files instead of a cluster')
    .option('--node <name>', 'only this node')
    .option('--region <region>', 'location.fluidos.eu/region, e.g. eu-west-1')
    .option('--zone <zone>', 'location.fluidos.eu/zone')
    .option('--rate <eur>', 'cost.fluidos.eu/hourly-rate: EUR per GPU per hour')
    .option('--currency <code>', 'cost.fluidos.eu/currency (EUR)')
    .option('--provider <name>', 'provider.fluidos.eu/name')
    .option('--preemptible', 'provider.fluidos.eu/preemptible=true')
    .option('--no-preemptible', 'provider.fluidos.eu/preemptible=false')
    .option('--admin-values <file>', 'YAML with `defaults` and per-node `nodes` admin values (flags win)')
    .option('--apply', 'merge-patch the nodes (annotations and the FLUIDOS node labels)')
    .option('--check', 'validate the annotations already on the nodes; exit 1 on any violation')
    .addOption(outputOption(['text', 'json'], 'text'))
    .action(async (f: AnnotateFlags) => {
      if (f.check && f.apply) throw new UsageError('--check and --apply are exclusive');
      const flags = flagValues(f);
      const file: AdminValuesFile | undefined = f.adminValues ? await readAdminValues(resolve(ctx.cwd, f.adminValues)) : undefined;
      const { nodes, cluster } = await loadNodes(f, ctx);
      if (f.check) return runCheck(nodes, f, ctx);

      const plans: NodePlan[] = nodes.map((n) => planNode(n, adminValuesFor(n.metadata.name, file, flags)));
      const applied: Record<string, boolean> = {};
      let failed = false;
      for (const p of plans) {
        for (const w of p.warnings) ctx.stderr.write(`warning: ${w}\n`);
        if (!p.gpu) continue;
        if (p.violations.length > 0) {
          failed = true;
          if (f.apply) ctx.stderr.write(`node ${p.node}: not patched, its annotations would break the annotation rules\n`);
          continue;
        }
        if (f.apply && cluster && (p.changes.length > 0 || p.labelChanges.length > 0)) {
          await cluster.patch({ apiVersion: 'v1', kind: 'Node', name: p.node }, patchFor(p), { fieldManager: 'flare-annotate' });
          applied[p.node] = true;
          ctx.stderr.write(`node ${p.node}: patched\n`);
        }
      }
      if (f.output === 'json') {
        const out = plans.map((p) => ({
          node: p.node,
          gpu: p.gpu,
          ...(p.model ? { model: p.model } : {}),
          annotations: p.annotations,
          changes: p.changes,
          labelChanges: p.labelChanges,
          warnings: p.warnings,
          violations: p.violations,
          applied: applied[p.node] ?? false,
        }));
        ctx.stdout.write(`${JSON.stringify({ nodes: out }, null, 2)}\n`);
      } else {
        ctx.stdout.write(formatPlans(plans));
      }
      ctx.exitCode = failed ? 1 : 0;
    });
}
