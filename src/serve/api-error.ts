import type { Suggestion } from '../select/types.js';

/** Every error_code the API answers with, and its HTTP status (the OpenAPI document lists the same). */
export const ERROR_STATUS = {
  INVALID_FORMAT: 400,
  MISSING_REQUIRED_FIELD: 400,
  INVALID_TOKEN: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_REVOKED: 401,
  AUTHENTICATION_FAILED: 401,
  COST_LIMIT_EXCEEDED: 402,
  INSUFFICIENT_PERMISSIONS: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  INSUFFICIENT_RESOURCES: 409,
  GPU_MODEL_UNAVAILABLE: 409,
  GPU_MEMORY_INSUFFICIENT: 409,
  GPU_COUNT_INSUFFICIENT: 409,
  REGION_UNAVAILABLE: 409,
  INTENT_EXISTS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  QUOTA_EXCEEDED: 429,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  UPSTREAM_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A field-level problem, with the compiler's dotted path inside the submitted intent. */
export interface FieldError {
  path: string;
  message: string;
  hint?: string;
  code: string;
}

interface ErrorBody {
  status: number;
  error_code: ErrorCode;
  message: string;
  suggestions: Array<Suggestion | { alternative: string; cost_difference: string; performance_impact: string }>;
  errors?: FieldError[];
}

/** Thrown by handlers; the server turns it into the JSON error body. Never carries internals. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly suggestions: ErrorBody['suggestions'] = [],
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }

  body(): ErrorBody {
    const b: ErrorBody = { status: this.status, error_code: this.code, message: this.message, suggestions: this.suggestions };
    if (this.errors) b.errors = this.errors;
    return b;
  }
}

/** A plain-text hint as a suggestion (for errors that have no priced alternative). */
export function hintSuggestion(alternative: string): { alternative: string; cost_difference: string; performance_impact: string } {
  return { alternative, cost_difference: 'none', performance_impact: 'none' };
}
