import { ClusterError } from '../../errors.js';

type StatusReason =
  | 'BadRequest'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'InternalError'
  | 'TooManyRequests'
  | 'NotAcceptable'
  | 'Forbidden'
  | 'Unauthorized';

interface StatusCause {
  type?: string;
  message?: string;
  field?: string;
}

interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The meta/v1 Status object a Kubernetes API server answers errors with. */
interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: StatusReason | '';
  details?: StatusDetails;
  code: number;
}

/**
 * An error the sandbox API answers with. It is a ClusterError (status = HTTP code, reason = the
 * Status reason), so in-process callers handle it like an error from a real cluster.
 */
export class ApiError extends ClusterError {
  readonly code: number;
  readonly statusReason: StatusReason;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails) {
    super(message, code, reason);
    this.name = 'ApiError';
    this.code = code;
    this.statusReason = reason;
    this.details = details;
  }

  toStatus(): StatusObject {
    const s: StatusObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.statusReason,
      code: this.code,
    };
    if (this.details) s.details = this.details;
    return s;
  }
}
