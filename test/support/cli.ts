import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface FlareRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stream that keeps what is written to it. */
export function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Runs `flare <args>` in-process (as the CLI does) with captured stdout/stderr and an empty environment. */
export async function runFlare(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<FlareRun> {
  const out = sink();
  const err = sink();
  const code = await main(['node', 'flare', ...args], { stdout: out.stream, stderr: err.stream, cwd, env });
  return { code, stdout: out.text(), stderr: err.text() };
}
