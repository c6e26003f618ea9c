import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readLimited } from '../util/read-limited.js';
import { lsRefsRequest, offersLsRefs, parseRefLines } from './ref-advertisement.js';

const BODY_LIMIT = 1 << 20;
const AGENT = 'git/flare-probe';

/**
 * Settings under which git would reach the remote differently from node (a proxy, a CA folder,
 * TLS checks off): a probe could then disagree with git, so none is made. GIT_SSL_CAINFO is
 * honoured instead (the probe trusts that file alone, as git does).
 */
const PROXY_ENV = ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'GIT_PROXY_COMMAND'];
const TLS_ENV = ['GIT_SSL_NO_VERIFY', 'GIT_SSL_CAPATH'];

/** Whether a remote's refs can be asked over node's HTTP client as git would ask them. Pure. */
export function probeApplies(url: string, env: Record<string, string | undefined>): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (parsed.username || parsed.password || parsed.search || parsed.hash) return false;
  const blocking = parsed.protocol === 'https:' ? [...PROXY_ENV, ...TLS_ENV] : PROXY_ENV;
  return !blocking.some((k) => env[k]);
}

interface HttpAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

function send(
  url: URL,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
  ca: Buffer | undefined,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const doRequest = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = doRequest(url, { method, headers, timeout: timeoutMs, ...(ca ? { ca } : {}) }, (res) => {
      readLimited(res, BODY_LIMIT).then((body) => {
        if (body) resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body });
        else req.destroy(new Error('answer too large'));
      }, reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export interface ProbeRequest {
  url: string;
  branch: string;
  /** Sent as git would send it (http.extraHeader). */
  authorization?: string;
  timeoutMs: number;
  /** GIT_SSL_CAINFO's certificates: the only CAs git trusts then, so the only ones the probe trusts. */
  ca?: Buffer;
}

/**
 * The sha of `refs/heads/<branch>` on a smart-HTTP remote ('' when the remote has no such
 * branch), asked the way `git fetch` asks (protocol v2 ls-refs, or the v0 advertisement of a
 * server without v2) but from this process: an idle reconcile cycle then starts no git at all.
 * Throws when it cannot tell; the caller runs `git fetch`, whose errors are the ones to report.
 */
export async function probeRemoteBranch(req: ProbeRequest): Promise<string> {
  const base = req.url.replace(/\/+$/, '');
  const ref = `refs/heads/${req.branch}`;
  const headers: Record<string, string> = { 'User-Agent': AGENT, 'Git-Protocol': 'version=2', Pragma: 'no-cache' };
  if (req.authorization) headers.Authorization = req.authorization;
  const ca = base.startsWith('https:') ? req.ca : undefined;
  const adv = await send(new URL(`${base}/info/refs?service=git-upload-pack`), 'GET', headers, undefined, req.timeoutMs, ca);
  if (adv.status !== 200 || adv.contentType !== 'application/x-git-upload-pack-advertisement') {
    throw new Error(`info/refs answered ${adv.status} ${adv.contentType}`);
  }
  let refs;
  if (offersLsRefs(adv.body)) {
    const answer = await send(
      new URL(`${base}/git-upload-pack`),
      'POST',
      { ...headers, 'Content-Type': 'application/x-git-upload-pack-request', Accept: 'application/x-git-upload-pack-result' },
      lsRefsRequest([ref], AGENT),
      req.timeoutMs,
      ca,
    );
    if (answer.status !== 200 || answer.contentType !== 'application/x-git-upload-pack-result') {
      throw new Error(`ls-refs answered ${answer.status} ${answer.contentType}`);
    }
    refs = parseRefLines(answer.body);
  } else {
    refs = parseRefLines(adv.body);
  }
  if (!refs) throw new Error('the remote answered something that is not a ref list');
  return refs.find((r) => r.name === ref)?.sha ?? '';
}
