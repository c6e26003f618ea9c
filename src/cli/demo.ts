import { Command } from 'commander';
import path from 'node:path';
import type { CliContext } from './context.js';
import { outputOption } from './output.js';
import { runDemo } from '../demo/run-demo.js';
import { parseDuration } from '../util/quantity.js';
import { UsageError } from '../errors.js';
import { formatStatusTable } from '../reconcile/status-table.js';
import { serveDemoDashboard } from './demo-ui.js';

export function demoCommand(ctx: CliContext): Command {
  return new Command('demo')
    .description(
      'run the whole flow on one machine: sandbox cluster + simulated FLUIDOS federation, a local git http-backend remote, and the reconciler over the repo\'s intents; exits 0 when none failed',
    )
    .option('--repo <dir>', "FLARE repo whose flare.yaml, tenants/ and intents/ are used (default: this project's examples)")
    .addOption(outputOption(['text', 'json'], 'text', 'final result format'))
    .option('--timeout <duration>', 'give up after this long', '120s')
    .option('--keep', 'keep the temp dir (git remote, clone, kubeconfig) for inspection', false)
    .option('-v, --verbose', 'also print the reconciler log', false)
    .option('--ui', 'then serve the dashboard over the demo (read-only token in the printed URL) until Ctrl-C', false)
    .option('--ui-port <port>', 'port of the dashboard (default: a free one)', '0')
    .action(async (opts: { repo?: string; output: 'text' | 'json'; timeout: string; keep: boolean; verbose: boolean; ui: boolean; uiPort: string }) => {
      const timeoutSeconds = parseDuration(opts.timeout);
      if (timeoutSeconds === undefined || timeoutSeconds <= 0) throw new UsageError(`--timeout: not a duration: ${opts.timeout}`);
      const progress = (line: string) => ctx.stderr.write(line + '\n');
      const demoOpts: Parameters<typeof runDemo>[0] = {
        timeoutMs: timeoutSeconds * 1000,
        keep: opts.keep,
        progress,
      };
      if (ctx.signal) demoOpts.signal = ctx.signal;
      if (opts.repo) demoOpts.repo = path.resolve(ctx.cwd, opts.repo);
      if (opts.verbose) demoOpts.log = (l) => ctx.stderr.write(`  | ${l}\n`);
      const uiPort = Number(opts.uiPort);
      if (!Number.isInteger(uiPort) || uiPort < 0 || uiPort > 65535) throw new UsageError(`--ui-port: expected an integer in [0, 65535] (got ${opts.uiPort})`);
      if (opts.ui) demoOpts.keepAlive = true;
      const result = await runDemo(demoOpts);
      const failed = result.rows.filter((r) => r.phase === 'Failed');
      const invalid = result.rows.filter((r) => r.phase === 'Invalid');
      if (result.empty) {
        ctx.stdout.write(opts.output === 'json' ? JSON.stringify({ intents: [], commits: 0, timedOut: false, elapsedSeconds: 0 }, null, 2) + '\n' : 'nothing to run: the repo has no intents\n');
        ctx.exitCode = 0;
        return;
      }
      if (opts.output === 'json') {
        ctx.stdout.write(
          JSON.stringify(
            {
              intents: result.rows.map((r) => ({ id: r.id, tenant: r.tenant, name: r.intent, phase: r.phase, provider: r.provider === '-' ? null : r.provider, gpu: r.gpu, hourly_cost: r.hourly_cost, message: r.message })),
              commits: result.commits.length,
              timedOut: result.timedOut,
              interrupted: result.interrupted,
              elapsedSeconds: Math.round(result.elapsedMs / 100) / 10,
            },
            null,
            2,
          ) + '\n',
        );
      } else {
        ctx.stdout.write(formatStatusTable(result.rows));
        for (const r of invalid) ctx.stdout.write(`\ninvalid: ${r.tenant}/${r.intent}: ${r.message}\n`);
        ctx.stdout.write(`\ngit log (${result.commits.length} commits):\n`);
        for (const c of result.commits) ctx.stdout.write(`  ${c}\n`);
      }
      if (result.workDir) progress(`kept ${result.workDir}`);
      if (result.timedOut) progress(`demo: timed out after ${opts.timeout} with intents still in progress`);
      if (result.interrupted) progress('demo: interrupted with intents still in progress');
      progress(`demo: ${result.rows.length} intents, ${failed.length} failed, ${invalid.length} invalid, ${(result.elapsedMs / 1000).toFixed(1)} s`);
      ctx.exitCode = failed.length > 0 || invalid.length > 0 || result.timedOut || result.interrupted ? 1 : 0;
      if (result.live) await serveDemoDashboard(ctx, result.live, { port: uiPort, verbose: opts.verbose });
    });
}
