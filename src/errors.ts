import type { Diagnostic } from './diagnostics.js';

/**
 * The few error classes the library throws. Adapters translate library errors (yaml, ajv,
 * HTTP, git) into these; src/cli/run.ts is the single place that turns them into exit codes.
 */
type FlareErrorKind = 'usage' | 'io' | 'invalid' | 'cluster' | 'git' | 'conflict' | 'internal';

export class FlareError extends Error {
  readonly kind: FlareErrorKind;
  constructor(kind: FlareErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'FlareError';
  }
}

/** Bad command-line usage: unknown flag values, missing arguments. Exit 2. */
export class UsageError extends FlareError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'UsageError';
  }
}

/** A file or directory could not be read or written. Exit 2. */
export class IoError extends FlareError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('io', `${path}: ${message}`, options);
    this.path = path;
    this.name = 'IoError';
  }
}

/** Input was read but is invalid; carries every diagnostic found. Exit 1. */
export class ValidationError extends FlareError {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[], message = 'invalid input') {
    super('invalid', message);
    this.diagnostics = diagnostics;
    this.name = 'ValidationError';
  }
}

/** The Kubernetes API answered with an error or could not be reached. */
export class ClusterError extends FlareError {
  readonly status: number | undefined;
  readonly reason: string | undefined;
  constructor(message: string, status?: number, reason?: string, options?: { cause?: unknown }) {
    super(status === 409 ? 'conflict' : 'cluster', message, options);
    this.status = status;
    this.reason = reason;
    this.name = 'ClusterError';
  }
}

/** A git operation failed (clone, fetch, commit, push). */
export class GitError extends FlareError {
  /** e.g. 'non-fast-forward' when the remote moved under a push. */
  readonly reason: string | undefined;
  constructor(message: string, reason?: string, options?: { cause?: unknown }) {
    super('git', message, options);
    this.reason = reason;
    this.name = 'GitError';
  }
}

/**
 * This process stopped holding the leader lease while it worked: what it was about to write
 * (apply, commit) is dropped, since another replica may already be writing.
 */
export class LeadershipLostError extends FlareError {
  readonly stage: string;
  constructor(stage: string) {
    super('conflict', `lost the leader lease before ${stage}; nothing more is written this cycle`);
    this.stage = stage;
    this.name = 'LeadershipLostError';
  }
}
