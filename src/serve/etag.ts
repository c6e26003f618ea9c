import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A weak ETag of a response body: the same body, the same tag. */
export function etagOf(text: string): string {
  return `W/"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
}

/** Whether the client's If-None-Match names `etag` (a list, weak or strong, or `*`). */
export function notModified(req: IncomingMessage, etag: string): boolean {
  const h = req.headers['if-none-match'];
  if (!h) return false;
  const bare = (t: string): string => t.trim().replace(/^W\//, '');
  const want = bare(etag);
  return h.split(',').some((t) => t.trim() === '*' || bare(t) === want);
}
