/** The API client of the dashboard: bearer token from sessionStorage, ETag revalidation. */

const KEY = 'flare.token';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function getToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setToken(t: string): void {
  sessionStorage.setItem(KEY, t);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}

/**
 * A token handed over in the URL fragment (`#token=…`, as `flare demo --ui` prints it) moves to
 * sessionStorage and leaves the address bar and history at once. The fragment never reaches the
 * server, so it is in no access log.
 */
export function takeTokenFromFragment(): void {
  const m = /^#token=([^&]+)/.exec(location.hash);
  if (!m) return;
  setToken(decodeURIComponent(m[1]!));
  history.replaceState(null, '', `${location.pathname}#/`);
}

const cache = new Map<string, { etag: string; data: unknown }>();

/**
 * GET with If-None-Match: an unchanged answer (304) reuses the cached body and says so, so a
 * poll that changed nothing re-renders nothing.
 */
export async function get<T>(path: string): Promise<{ data: T; changed: boolean }> {
  const token = getToken();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const hit = cache.get(path);
  if (hit) headers['if-none-match'] = hit.etag;
  const res = await fetch(path, { headers, cache: 'no-store', credentials: 'omit' });
  if (res.status === 304 && hit) return { data: hit.data as T, changed: false };
  const body = (await res.json().catch(() => ({}))) as { error_code?: string; message?: string };
  if (!res.ok) throw new ApiFailure(res.status, body.error_code ?? 'ERROR', body.message ?? `HTTP ${res.status}`);
  const etag = res.headers.get('etag');
  if (etag) cache.set(path, { etag, data: body });
  return { data: body as T, changed: true };
}

export function forgetCache(): void {
  cache.clear();
}
