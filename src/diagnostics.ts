/**
 * Problems are data: every reader and validator returns Diagnostics instead of throwing,
 * so one run can report every problem of every file at once.
 */
export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  /** Repo-relative path with forward slashes (or the path as given on the command line). */
  file: string;
  /** 1-based; 0 when the problem has no position (e.g. a cross-file check on a missing file). */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
  /** Dotted path inside the document, e.g. `workload.resources.gpu.count` ('' for the document). */
  path: string;
  message: string;
  /** What would be right: a did-you-mean, the allowed values, an example. */
  hint?: string;
  /** Stable machine-readable code, e.g. `unknown-field`, `bad-enum`, `quota-gpus`. */
  code: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Stable order: by file, then position, then path and message. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      cmp(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      cmp(a.path, b.path) ||
      cmp(a.message, b.message),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const path = d.path ? `  ${d.path}` : '';
  const hint = d.hint ? `; ${d.hint}` : '';
  return `${where}${path}  ${d.severity === 'error' ? '' : d.severity + ': '}${d.message}${hint}`;
}
