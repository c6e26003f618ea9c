import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { packageRoot } from '../util/package-root.js';

/** Where `npm run build` (and `prepare`) writes the dashboard bundle. */
export function uiDirDefault(): string {
  return path.join(packageRoot(), 'dist', 'ui');
}

/** The bundle's files by URL; anything else under / is not ours (404 from the API router). */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ui/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/ui/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/ui/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

/**
 * Everything the page loads comes from this server, scripts only from files (no inline script,
 * no eval), and it talks only to this server's API: a token in the page cannot be sent elsewhere.
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves one file of the dashboard bundle, with its content type and the CSP; undefined when
 * the path is not one of the bundle's (the API router answers it).
 */
export async function serveUi(dir: string, pathname: string, req: IncomingMessage, res: ServerResponse): Promise<{ status: number; template: string } | undefined> {
  const entry = FILES[pathname];
  if (!entry) return undefined;
  let body: Buffer;
  try {
    body = await readFile(path.join(dir, entry.file));
  } catch {
    const text = 'The dashboard is not built: run `npm run build` (it writes dist/ui/).\n';
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'x-content-type-options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : text);
    return { status: 404, template: '/ui' };
  }
  res.writeHead(200, {
    'content-type': entry.type,
    'content-length': body.length,
    // The bundle changes only with a new build; revalidating keeps an upgraded server consistent.
    'cache-control': 'no-cache',
    'content-security-policy': UI_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return { status: 200, template: '/ui' };
}
