import { Command, Option } from 'commander';
import path from 'node:path';
import type { CliContext } from './main.js';
import { runDemo } from '../demo/run-demo.js';
import { parseDuration } from '../util/quantity.js';
import { UsageError } from '../errors.js';

export function demoCommand(ctx: CliContext): Command {
  return new Command('demo')
    .description(
      'run the whole flow on one machine: sandbox cluster + simulated FLUIDOS federation, a local git http-backend remote, and the reconciler over the repo\'s intents; exits 0 when none failed',
    )
    .option('--repo <dir>', "FLARE repo whose flare.yaml, tenants/ and intents/ are used (default: this project's examples)")
    .addOption(new Option('--output <format>', 'final result format').choices(['text', 'json']).default('text'))
    .option('--timeout <duration>', 'give up after this long', '120s')
    .option('--keep', 'keep the temp dir (git remote, clone, kubeconfig) for inspection', false)
    .option('-v, --verbose', 'also print the reconciler log', false)
    .action(async (opts: { repo?: string; output: 'text' | 'json'; timeout: string; keep: boolean; verbose: boolean }) => {
      const timeoutSeconds = parseDuration(opts.timeout);
      if (timeoutSeconds === undefined || timeoutSeconds <= 0) throw new UsageError(`--timeout: not a duration: ${opts.timeout}`);
      const progress = (line: string) => ctx.stderr.write(line + '\n');
      const demoOpts: Parameters<typeof runDemo>[0] = {
        timeoutMs: timeoutSeconds * 1000,
        keep: opts.keep,
        progress,
      };
      if (opts.repo) demoOpts.repo = path.resolve(ctx.cwd, opts.repo);
      if (opts.verbose) demoOpts.log = (l) => ctx.stderr.write(`  | ${l}\n`);
      const result = await runDemo(demoOpts);
      const failed = result.intents.filter((i) => i.phase === 'Failed');
      if (opts.output === 'json') {
        ctx.stdout.write(
          JSON.stringify(
            {
              intents: result.intents.map((i) => ({ id: i.id, tenant: i.tenant, name: i.name, phase: i.phase, provider: i.provider ?? null })),
              commits: result.commits.length,
              timedOut: result.timedOut,
              elapsedSeconds: Math.round(result.elapsedMs / 100) / 10,
            },
            null,
            2,
          ) + '\n',
        );
      } else {
        const rows = result.intents.map((i) => [i.tenant, i.name, i.phase, i.provider ?? '-']);
        const head = ['TENANT', 'INTENT', 'PHASE', 'PROVIDER'];
        const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
        const line = (r: string[]) => r.map((v, c) => v.padEnd(widths[c]!)).join('  ').trimEnd() + '\n';
        ctx.stdout.write(line(head));
        for (const r of rows) ctx.stdout.write(line(r));
        ctx.stdout.write(`\ngit log (${result.commits.length} commits):\n`);
        for (const c of result.commits) ctx.stdout.write(`  ${c}\n`);
      }
      if (result.workDir) progress(`kept ${result.workDir}`);
      if (result.timedOut) progress(`demo: timed out after ${opts.timeout} with intents still in progress`);
      progress(`demo: ${result.intents.length} intents, ${failed.length} failed, ${(result.elapsedMs / 1000).toFixed(1)} s`);
      ctx.exitCode = failed.length > 0 || result.timedOut ? 1 : 0;
    });
}
