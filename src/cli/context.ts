import { getEventListeners } from 'node:events';

/**
 * Each command module exports `xxxCommand(ctx)` returning a commander Command whose action
 * stores its exit code in ctx.exitCode (no process.exit anywhere in the library).
 */
export interface CliContext {
  exitCode: number;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /**
   * Ends long-running commands (reconcile, serve, sandbox up, demo, status --watch): main() wires
   * it to SIGINT/SIGTERM once; embedders and tests abort it themselves.
   */
  signal?: AbortSignal;
}

export type StopSignal = 'SIGINT' | 'SIGTERM';

/**
 * An AbortSignal aborted (reason: the signal's name) by the first SIGINT or SIGTERM. When no
 * command listens to it (a short command such as validate), the process signal is re-raised
 * with the default handling, so Ctrl-C still ends the process at once. `detach` removes the
 * process handlers; main() calls it when the command is done.
 */
export function processStopSignal(proc: NodeJS.Process = process): { signal: AbortSignal; detach: () => void } {
  const ac = new AbortController();
  const detach = (): void => {
    proc.off('SIGINT', onSignal);
    proc.off('SIGTERM', onSignal);
  };
  function onSignal(sig: StopSignal): void {
    detach();
    if (getEventListeners(ac.signal, 'abort').length === 0) {
      proc.kill(proc.pid, sig);
      return;
    }
    ac.abort(sig);
  }
  proc.on('SIGINT', onSignal);
  proc.on('SIGTERM', onSignal);
  return { signal: ac.signal, detach };
}

/**
 * Resolves when `signal` is aborted, with its reason when that is a signal name ('stop'
 * otherwise); never when there is no signal. The one wait of every long-running command.
 */
export function untilStopped(signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    if (!signal) return;
    const done = (): void => resolve(typeof signal.reason === 'string' ? signal.reason : 'stop');
    if (signal.aborted) done();
    else signal.addEventListener('abort', done, { once: true });
  });
}
