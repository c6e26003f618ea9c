import { FlareError, ValidationError } from '../errors.js';
import { formatDiagnostic, sortDiagnostics } from '../diagnostics.js';

/**
 * The single place where errors become exit codes:
 * 0 ok, 1 invalid input / check failed, 2 usage or I/O error, 3 cluster or git failure, 70 bug.
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof ValidationError) return 1;
  if (err instanceof FlareError) {
    switch (err.kind) {
      case 'usage':
      case 'io':
        return 2;
      case 'invalid':
        return 1;
      case 'cluster':
      case 'conflict':
      case 'git':
        return 3;
      default:
        return 70;
    }
  }
  // commander's own errors (unknown option, missing argument) carry exitCode 1; they are usage errors
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string' && (err as { code: string }).code.startsWith('commander.')) {
    return 2;
  }
  return 70;
}

export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): void {
  if (err instanceof ValidationError) {
    for (const d of sortDiagnostics(err.diagnostics)) stderr.write(formatDiagnostic(d) + '\n');
    stderr.write(`${err.message}\n`);
    return;
  }
  if (err instanceof FlareError) {
    stderr.write(`flare: ${err.message}\n`);
    return;
  }
  const e = err as { code?: string; message?: string; stack?: string };
  if (typeof e?.code === 'string' && e.code.startsWith('commander.')) return; // commander already printed it
  stderr.write(`flare: internal error: ${e?.stack ?? String(err)}\n`);
}

