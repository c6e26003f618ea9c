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
  /** Ends long-running commands (status --watch) as SIGINT does: embedders and tests stop them here. */
  signal?: AbortSignal;
}
