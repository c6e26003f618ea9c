import { Option } from 'commander';
import { UsageError } from '../errors.js';

/** Every format some command prints; each command accepts `text` and `json` and may add its own. */
export type OutputFormat = 'text' | 'json' | 'markdown' | 'github' | 'yaml';

/** Checks an `--output` value against the formats a command has; the one error every command gives. */
export function parseOutput<F extends OutputFormat>(value: string, formats: readonly F[]): F {
  if (!(formats as readonly string[]).includes(value)) {
    throw new UsageError(`--output must be one of ${formats.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as F;
}

/**
 * The one `-o, --output <format>` option of every command: same flag, same validation, same
 * error (a UsageError, exit 2, raised while parsing, before the command does anything).
 */
export function outputOption<F extends OutputFormat>(formats: readonly F[], fallback: F, what = 'output format'): Option {
  return new Option('-o, --output <format>', `${what}: ${formats.join(', ')}`).default(fallback).argParser((v: string) => parseOutput(v, formats));
}

/** One JSON document on stdout (pretty, newline-terminated): the result of a command in `-o json`. */
export function writeJson(out: NodeJS.WritableStream, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}
