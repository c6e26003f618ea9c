import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { clusterFromFlags } from '../cluster/kubeconfig.js';
import { parseConfig } from '../config/parse.js';
import { DEFAULT_CONFIG } from '../config/model.js';
import { UsageError } from '../errors.js';
import { API } from '../fluidos/types.js';
import { formatRows, memoryGi, rowsFromCandidates, rowsFromFlavors, selectRows, type ResourceSort } from '../provider/resources.js';
import type { CliContext } from './context.js';
import { outputOption } from './output.js';

interface ResourcesFlags {
  kubeconfig?: string;
  context?: string;
  source: string;
  model?: string;
  location?: string;
  sort: string;
  output: string;
}

const SORTS: readonly ResourceSort[] = ['price', 'model', 'memory', 'latency'];

/** The location catalog: flare.yaml in the working directory when there is one, else the defaults. */
async function locationCatalog(ctx: CliContext): Promise<Record<string, string[]>> {
  let text: string;
  try {
    text = await readFile(join(ctx.cwd, 'flare.yaml'), 'utf8');
  } catch {
    return DEFAULT_CONFIG.locations;
  }
  const { config, diagnostics } = parseConfig(text, 'flare.yaml');
  if (diagnostics.some((d) => d.severity === 'error')) {
    ctx.stderr.write('warning: flare.yaml has errors; using the default location catalog\n');
    return DEFAULT_CONFIG.locations;
  }
  return config.locations;
}

export function resourcesCommand(ctx: CliContext): Command {
  return new Command('resources')
    .description("list the federation's GPUs (from Flavors or PeeringCandidates), filtered and sorted")
    .option('--kubeconfig <path>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--source <source>', 'flavors or candidates', 'flavors')
    .option('--model <model>', 'only this GPU model (e.g. nvidia-h100, or h100)')
    .option('--location <location>', 'only this location (a location catalog name such as EU, or a region)')
    .option('--sort <key>', 'price, model, memory or latency', 'price')
    .addOption(outputOption(['text', 'json'], 'text'))
    .action(async (f: ResourcesFlags) => {
      if (f.source !== 'flavors' && f.source !== 'candidates') throw new UsageError(`--source must be flavors or candidates, got '${f.source}'`);
      if (!SORTS.includes(f.sort as ResourceSort)) throw new UsageError(`--sort must be one of ${SORTS.join(', ')}, got '${f.sort}'`);
      const catalog = await locationCatalog(ctx);
      const cluster = clusterFromFlags({ ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}), ...(f.context ? { context: f.context } : {}) }, ctx.env, ctx.cwd);
      const rows =
        f.source === 'flavors'
          ? rowsFromFlavors(await cluster.list(API.nodecore, 'Flavor'))
          : rowsFromCandidates(await cluster.list(API.advertisement, 'PeeringCandidate'));
      const query: { model?: string; location?: string; sort: ResourceSort } = { sort: f.sort as ResourceSort };
      if (f.model) query.model = f.model;
      if (f.location) query.location = f.location;
      const picked = selectRows(rows, query, catalog);
      if (f.output === 'json') {
        const out = picked.map((r) => ({ ...r, memoryGi: memoryGi(r) ?? null, ratePerGpu: r.ratePerGpu ?? null, latencyMs: r.latencyMs ?? null }));
        ctx.stdout.write(`${JSON.stringify({ source: f.source, resources: out }, null, 2)}\n`);
      } else if (picked.length === 0) {
        ctx.stderr.write(rows.length === 0 ? `no GPU ${f.source} in the federation\n` : 'no GPU matches the filters\n');
      } else {
        ctx.stdout.write(formatRows(picked));
      }
      ctx.exitCode = 0;
    });
}
