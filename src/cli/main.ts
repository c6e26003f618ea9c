import { Command, CommanderError } from 'commander';
import { processStopSignal, type CliContext } from './context.js';
import { exitCodeFor, reportError } from './run.js';
import { validateCommand } from './validate.js';
import { renderCommand } from './render.js';
import { explainCommand } from './explain.js';
import { sandboxCommand } from './sandbox.js';
import { reconcileCommand } from './reconcile.js';
import { statusCommand } from './status.js';
import { demoCommand } from './demo.js';
import { annotateCommand } from './annotate.js';
import { resourcesCommand } from './resources.js';
import { argocdCommand } from './argocd.js';
import { initCommand } from './init.js';
import { serveCommand } from './serve.js';
import { planCommand } from './plan.js';
import { describeCommand } from './describe.js';
import { historyCommand } from './history.js';
import { costCommand } from './cost.js';
import { diffCommand } from './diff.js';

export type { CliContext } from './context.js';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('flare')
    .description('FLARE GitOps: GPU workloads on a FLUIDOS federation from intent files in Git')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    });
  for (const make of [
    validateCommand,
    renderCommand,
    explainCommand,
    sandboxCommand,
    reconcileCommand,
    statusCommand,
    demoCommand,
    annotateCommand,
    resourcesCommand,
    argocdCommand,
    initCommand,
    serveCommand,
    planCommand,
    describeCommand,
    historyCommand,
    costCommand,
    diffCommand,
  ]) {
    program.addCommand(make(ctx).exitOverride());
  }
  return program;
}

export async function main(argv: string[], partial: Partial<CliContext> = {}): Promise<number> {
  const ctx: CliContext = {
    exitCode: 0,
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    ...partial,
  };
  // one SIGINT/SIGTERM wiring for every command; an embedder's own signal wins
  let detach = (): void => {};
  if (!ctx.signal) ({ signal: ctx.signal, detach } = processStopSignal());
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv);
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')) {
      return 0;
    }
    reportError(err, ctx.stderr);
    return exitCodeFor(err);
  } finally {
    detach();
  }
}
