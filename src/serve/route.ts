import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';
import { isAdmin } from './tokens.js';
import type { Permission, Principal } from './tokens.js';

// The route table's types and the tenant rule, apart from the server so that route modules
// (the dashboard's views) need not import the server that mounts them.

export type Handler = (ctx: RequestContext) => Promise<{ status: number; body: unknown; headers?: Record<string, string> }>;

export interface Route {
  method: string;
  pattern: RegExp;
  /** The OpenAPI path template, also the metrics label. */
  template: string;
  /** undefined: no token needed; 'any': any valid token. */
  auth?: Permission | 'any';
  handler: Handler;
}

export interface RequestContext {
  req: IncomingMessage;
  url: URL;
  params: string[];
  principal: Principal;
  body: () => Promise<unknown>;
  rawBody: () => Promise<string>;
}

/** The tenant a request acts on: the token's, or for an admin `?tenant=` (required when writing). */
export function tenantScope(p: Principal, url: URL, required: boolean): string | null {
  const q = url.searchParams.get('tenant');
  if (isAdmin(p)) {
    if (q) return q;
    if (p.tenant) return p.tenant;
    if (required) throw new ApiError('MISSING_REQUIRED_FIELD', 'an admin token names the tenant: add ?tenant=<name>');
    return null;
  }
  if (q && q !== p.tenant) throw new ApiError('INSUFFICIENT_PERMISSIONS', `the token belongs to tenant ${p.tenant ?? '-'}, not ${q}`);
  return p.tenant;
}
