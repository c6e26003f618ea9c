import { resolve } from 'node:path';
import { Command } from 'commander';
import { untilStopped, type CliContext } from './context.js';
import { outputOption, parseOutput } from './output.js';
import { UsageError } from '../errors.js';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../sandbox/index.js';

interface UpOptions {
  federation?: string;
  kubeconfig?: string;
  port?: string;
  stepDelay?: string;
  jobDuration?: string;
  output?: string;
}

function intOption(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new UsageError(`${name} must be a whole number between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/**
 * `flare sandbox up`: the sandbox API server and simulated federation, served until ctx.signal
 * is aborted (SIGINT/SIGTERM from the command line). Exposed for tests.
 */
export async function sandboxUp(ctx: CliContext, opts: UpOptions): Promise<void> {
  const sopts: SandboxOptions = {};
  const port = intOption('--port', opts.port, 0, 65535);
  const step = intOption('--step-delay', opts.stepDelay, 0, 60_000);
  const job = intOption('--job-duration', opts.jobDuration, 0, 86_400_000);
  const output = parseOutput(opts.output ?? 'text', ['text', 'json'] as const);
  if (port !== undefined) sopts.port = port;
  if (step !== undefined) sopts.stepDelayMs = step;
  if (job !== undefined) sopts.jobDurationMs = job;
  if (opts.federation) sopts.federation = resolve(ctx.cwd, opts.federation);
  if (opts.kubeconfig) sopts.kubeconfigPath = resolve(ctx.cwd, opts.kubeconfig);
  sopts.onError = (key, err) => ctx.stderr.write(`sandbox: reconcile ${key}: ${err instanceof Error ? err.message : String(err)}\n`);
  const sb: SandboxHandle = await startSandbox(sopts);
  try {
    const flavors = sb.store.list('nodecore.fluidos.eu/v1alpha1', 'Flavor').items.length;
    if (output === 'json') {
      ctx.stdout.write(JSON.stringify({ url: sb.url, kubeconfig: sb.kubeconfigPath, providers: sb.federation.providers.length, flavors }) + '\n');
    } else {
      ctx.stdout.write(
        [
          `kubeconfig: ${sb.kubeconfigPath}`,
          `server: ${sb.url}`,
          `federation: ${sb.federation.providers.length} providers, ${flavors} flavors`,
          '',
          'Try:',
          `  kubectl --kubeconfig ${sb.kubeconfigPath} get flavors -A`,
          `  kubectl --kubeconfig ${sb.kubeconfigPath} get solvers,peeringcandidates -n fluidos -w`,
          '',
        ].join('\n'),
      );
    }
    ctx.stderr.write('sandbox: serving; press Ctrl-C to stop\n');
    const sig = await untilStopped(ctx.signal);
    ctx.stderr.write(`sandbox: ${sig} received, shutting down\n`);
  } finally {
    await sb.close();
  }
  ctx.exitCode = 0;
}

export function sandboxCommand(ctx: CliContext): Command {
  const cmd = new Command('sandbox').description('Local sandbox: an in-process Kubernetes API server with a simulated FLUIDOS/Liqo federation');
  cmd
    .command('up')
    .description('Start the sandbox and serve until interrupted (prints the kubeconfig path)')
    .option('--federation <file>', 'federation YAML (providers and GPU nodes); the built-in default federation when omitted')
    .option('--kubeconfig <path>', 'where to write the kubeconfig (a temp file, removed on exit, when omitted)')
    .option('--port <n>', 'API server port (0 picks a free one)', '0')
    .option('--step-delay <ms>', 'delay between simulated controller steps', '20')
    .option('--job-duration <ms>', 'how long a simulated Job runs', '1000')
    .addOption(outputOption(['text', 'json'], 'text'))
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) })
    .action(async (opts: UpOptions) => sandboxUp(ctx, opts));
  return cmd;
}
