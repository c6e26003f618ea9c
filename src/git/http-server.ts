import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { GitError } from '../errors.js';
import { gitEnv, runGit } from './exec.js';
import { capabilitiesOf, lsRefsResponse, parseLsRefsRequest, receivePackAdvertisement, uploadPackAdvertisement } from './ref-advertisement.js';
import { readAllRefsFromFiles } from './ref-files.js';
import { readLimited } from '../util/read-limited.js';

interface GitHttpServerOptions {
  /** Directory holding the bare repositories (`<name>.git`). */
  root: string;
  host?: string;
  port?: number;
  /** Recorded as the pushing user; git refuses pushes from an anonymous CGI request. */
  remoteUser?: string;
  /** Require HTTP basic auth with these credentials (tests of credential handling). */
  auth?: { username: string; password: string };
  /**
   * Answer ref listings (protocol-v2 ls-refs, a push's advertisement) from the ref files instead
   * of starting git http-backend (default true; false is the all-CGI server, kept for comparison).
   */
  refsInProcess?: boolean;
}

export interface GitHttpServer {
  /** Base URL; a repository's URL is `${url}/${name}.git`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Splits CGI output at the blank line that ends the headers. Pure; undefined until complete. */
export function parseCgiHead(
  buffer: Buffer,
): { status: number; headers: Array<[string, string]>; body: Buffer } | undefined {
  let end = buffer.indexOf('\r\n\r\n');
  let sep = 4;
  const lf = buffer.indexOf('\n\n');
  if (lf !== -1 && (end === -1 || lf < end)) {
    end = lf;
    sep = 2;
  }
  if (end === -1) return undefined;
  let status = 200;
  const headers: Array<[string, string]> = [];
  for (const line of buffer.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers.push([name, value]);
  }
  return { status, headers, body: buffer.subarray(end + sep) };
}

type Header = (name: string) => string | undefined;

interface BackendCall {
  pathInfo: string;
  query: string;
  header: Header;
  /** The request body when it was already read (a ref listing declined in-process); else piped. */
  body?: Buffer;
  /** Told the whole answer once it ends (only answers this small are kept: ref advertisements). */
  capture?: (status: number, body: Buffer) => void;
}

const CAPTURE_LIMIT = 1 << 20;

function runBackend(req: IncomingMessage, res: ServerResponse, options: GitHttpServerOptions, call: BackendCall): void {
  const { header } = call;
  const cgi = spawn('git', ['http-backend'], {
    env: gitEnv(process.env, {
      hooks: true, // server-side receive hooks are the remote's business
      env: {
        GIT_PROJECT_ROOT: options.root,
        GIT_HTTP_EXPORT_ALL: '1',
        REMOTE_USER: options.remoteUser ?? 'flare',
        REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
        PATH_INFO: call.pathInfo,
        QUERY_STRING: call.query,
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: header('content-type') ?? '',
        CONTENT_LENGTH: header('content-length'),
        HTTP_CONTENT_ENCODING: header('content-encoding'),
        GIT_PROTOCOL: header('git-protocol'),
      },
    }),
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  let head: Buffer | undefined = Buffer.alloc(0);
  const kept: Buffer[] = [];
  let keptBytes = 0;
  const keep = (chunk: Buffer) => {
    if (!call.capture || keptBytes > CAPTURE_LIMIT) return;
    kept.push(chunk);
    keptBytes += chunk.length;
  };
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (head === undefined) {
      keep(chunk);
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const parsed = parseCgiHead(head);
    if (!parsed) return;
    head = undefined;
    res.statusCode = parsed.status;
    for (const [name, value] of parsed.headers) res.appendHeader(name, value);
    keep(parsed.body);
    if (parsed.body.length > 0) res.write(parsed.body);
  });
  cgi.stdout.on('end', () => {
    if (head !== undefined && !res.headersSent) res.statusCode = 502;
    res.end();
  });
  cgi.on('close', (code) => {
    if (code === 0 && head === undefined && keptBytes <= CAPTURE_LIMIT) call.capture?.(res.statusCode, Buffer.concat(kept));
  });
  cgi.on('error', () => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
  cgi.stdin.on('error', () => undefined);
  if (call.body) cgi.stdin.end(call.body);
  else req.pipe(cgi.stdin);
  res.on('close', () => {
    if (cgi.exitCode === null) cgi.kill();
  });
}

/** What a repository's real services answered, valid while its config file stays the same. */
interface RepoMemo {
  stamp: string;
  /** ls-refs is ours only when no config can hide or rename refs. */
  plainConfig: boolean;
  /** The v2 capability advertisement of upload-pack (config-dependent only). */
  uploadV2?: Buffer;
  /** The capabilities receive-pack offers after the NUL of its first line. */
  receiveCaps?: string;
  /** The same for a protocol-v0 upload-pack (its `symref=` is rewritten to the current HEAD). */
  uploadCaps?: string;
}

type RefRoute = { repo: string; kind: 'upload-v2-adv' | 'upload-v0-adv' | 'receive-adv' | 'ls-refs' };

const LS_REFS_BODY_LIMIT = 64 * 1024;
// settings that change which refs git shows or how (hidden refs, namespaces, included files, a
// sha256 object format, unborn HEADs withheld, signed-push nonces that must be fresh): git decides then
const UNPLAIN_CONFIG = /hiderefs|namespace|\[include|objectformat|unborn|certnonce/i;
const NO_CACHE_HEADERS = {
  Expires: 'Fri, 01 Jan 1980 00:00:00 GMT',
  Pragma: 'no-cache',
  'Cache-Control': 'no-cache, max-age=0, must-revalidate',
};

/** The requests that only list refs, which this server may answer itself. Pure. */
export function refRouteOf(method: string, pathInfo: string, query: URLSearchParams, gitProtocol: string | undefined): RefRoute | undefined {
  const m = /^\/(.+\.git)\/(info\/refs|git-upload-pack)$/.exec(pathInfo);
  if (!m) return undefined;
  const repo = m[1]!;
  if (method === 'GET' && m[2] === 'info/refs') {
    const service = query.get('service');
    if (service === 'git-upload-pack' && gitProtocol === 'version=2') return { repo, kind: 'upload-v2-adv' };
    if (service === 'git-upload-pack' && !gitProtocol) return { repo, kind: 'upload-v0-adv' };
    if (service === 'git-receive-pack' && !gitProtocol) return { repo, kind: 'receive-adv' };
    return undefined;
  }
  if (method === 'POST' && m[2] === 'git-upload-pack' && gitProtocol === 'version=2') return { repo, kind: 'ls-refs' };
  return undefined;
}

/**
 * Answers ref listings (a protocol-v2 ls-refs; a v0 fetch's or a push's advertisement) from the
 * ref files, so an idle fetch starts no process here. Each repository's real services answer
 * first, and what they offered (status, capabilities) is what is replayed until its config
 * changes; anything unusual (hidden refs, alternates, a tag to peel, an unknown argument) goes to
 * git http-backend.
 */
class RefLister {
  private readonly memos = new Map<string, RepoMemo>();

  constructor(private readonly root: string) {}

  private async memo(gitDir: string): Promise<RepoMemo | undefined> {
    const st = await stat(path.join(gitDir, 'config')).catch(() => undefined);
    if (!st) return undefined;
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    const known = this.memos.get(gitDir);
    if (known?.stamp === stamp) return known;
    const text = await readFile(path.join(gitDir, 'config'), 'utf8');
    const hasAlternates = await stat(path.join(gitDir, 'objects', 'info', 'alternates')).then(() => true, () => false);
    const fresh: RepoMemo = { stamp, plainConfig: !UNPLAIN_CONFIG.test(text) && !hasAlternates };
    this.memos.set(gitDir, fresh);
    return fresh;
  }

  /** True when answered; false leaves the request (and `body`, when read) to git. */
  async serve(route: RefRoute, req: IncomingMessage, res: ServerResponse, call: BackendCall): Promise<{ served: boolean; call: BackendCall }> {
    const gitDir = path.join(this.root, route.repo);
    const memo = await this.memo(gitDir);
    if (!memo) return { served: false, call };
    const answer = (contentType: string, body: string | Buffer) => {
      res.writeHead(200, { ...NO_CACHE_HEADERS, 'Content-Type': contentType }).end(body);
      return { served: true, call };
    };
    if (route.kind === 'upload-v2-adv') {
      if (memo.uploadV2) return answer('application/x-git-upload-pack-advertisement', memo.uploadV2);
      const capture = (status: number, body: Buffer) => {
        if (status === 200 && body.toString('latin1', 4, 14) === 'version 2\n') memo.uploadV2 = body;
      };
      return { served: false, call: { ...call, capture } };
    }
    if (route.kind === 'receive-adv' || route.kind === 'upload-v0-adv') {
      if (!memo.plainConfig) return { served: false, call };
      const upload = route.kind === 'upload-v0-adv';
      const caps = upload ? memo.uploadCaps : memo.receiveCaps;
      if (caps === undefined) {
        const capture = (status: number, body: Buffer) => {
          const offered = status === 200 ? capabilitiesOf(body) : undefined;
          if (offered === undefined || /(^| )push-cert=/.test(offered)) return; // a nonce is never replayed
          if (upload) memo.uploadCaps = offered;
          else memo.receiveCaps = offered;
        };
        return { served: false, call: { ...call, capture } };
      }
      // a shallow repository's push advertisement names its shallow commits: git's to say
      const shallow = !upload && (await stat(path.join(gitDir, 'shallow')).then(() => true, () => false));
      const list = shallow ? undefined : await readAllRefsFromFiles(gitDir).catch(() => undefined);
      if (!list) return { served: false, call };
      if (!upload) return answer('application/x-git-receive-pack-advertisement', receivePackAdvertisement(list.refs, caps));
      const text = uploadPackAdvertisement(list, caps);
      return text === undefined ? { served: false, call } : answer('application/x-git-upload-pack-advertisement', text);
    }
    // ls-refs: only after the real upload-pack said this repository is served over HTTP at all
    const length = Number(call.header('content-length'));
    if (!memo.uploadV2 || !memo.plainConfig || !Number.isInteger(length) || length > LS_REFS_BODY_LIMIT) {
      return { served: false, call };
    }
    if (call.header('content-type') !== 'application/x-git-upload-pack-request') return { served: false, call };
    const body = await readLimited(req, LS_REFS_BODY_LIMIT);
    if (!body) {
      req.destroy(); // it declared fewer bytes than it sent
      return { served: true, call };
    }
    const withBody = { ...call, body };
    let plain = body;
    const encoding = call.header('content-encoding');
    if (encoding === 'gzip' || encoding === 'x-gzip') {
      try {
        plain = gunzipSync(body, { maxOutputLength: LS_REFS_BODY_LIMIT });
      } catch {
        return { served: false, call: withBody };
      }
    } else if (encoding) return { served: false, call: withBody };
    const args = parseLsRefsRequest(plain);
    if (!args) return { served: false, call: withBody };
    const list = await readAllRefsFromFiles(gitDir).catch(() => undefined);
    const text = list && lsRefsResponse(list, args);
    if (text === undefined) return { served: false, call: withBody };
    return answer('application/x-git-upload-pack-result', text);
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, options: GitHttpServerOptions, refs: RefLister | undefined): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let pathInfo: string;
  try {
    pathInfo = decodeURIComponent(url.pathname);
  } catch {
    // a malformed %-escape is the client's mistake, never a reason to stop serving
    res.writeHead(400, { 'content-type': 'text/plain' }).end('malformed path\n');
    return;
  }
  if (pathInfo.split('/').some((s) => s === '..') || pathInfo.includes('\0')) {
    res.writeHead(404).end();
    return;
  }
  const header: Header = (name) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  if (options.auth && header('authorization') !== `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`) {
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
    return;
  }
  let call: BackendCall = { pathInfo, query: url.search.replace(/^\?/, ''), header };
  const route = refs && refRouteOf(req.method ?? 'GET', pathInfo, url.searchParams, header('git-protocol'));
  if (refs && route) {
    const outcome = await refs.serve(route, req, res, call);
    if (outcome.served) return;
    call = outcome.call;
  }
  runBackend(req, res, options, call);
}

/**
 * A real smart-HTTP git remote on `host:port`: node:http in front of `git http-backend` (CGI), which
 * answers plain ref listings itself (see RefLister).
 * Used by tests, benchmarks and `flare demo`; binds 127.0.0.1 on a free port by default.
 */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const root = path.resolve(options.root);
  const refs = options.refsInProcess === false ? undefined : new RefLister(root);
  const server = createServer((req, res) => {
    handle(req, res, { ...options, root }, refs).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface CreateBareRepoOptions {
  branch: string;
  /** Commits this directory's files (its .gitignore honoured, its .git skipped) as the first commit. */
  seedFrom?: string;
  seedMessage?: string;
}

/** Creates `<root>/<name>.git`, accepting pushes over HTTP; returns its path. */
export async function createBareRepo(root: string, name: string, options: CreateBareRepoOptions): Promise<string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.includes('..')) {
    throw new GitError(`invalid repository name ${JSON.stringify(name)}`, 'invalid-name');
  }
  const bare = path.join(path.resolve(root), `${name}.git`);
  await mkdir(bare, { recursive: true });
  await runGit(['init', '--quiet', '--bare', `--initial-branch=${options.branch}`, bare], { cwd: bare });
  await runGit(['config', 'http.receivepack', 'true'], { cwd: bare });
  if (options.seedFrom !== undefined) {
    // A throwaway index: the seed directory is read as a work tree without becoming a repo.
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'flare-seed-'));
    try {
      const env = {
        GIT_DIR: bare,
        GIT_WORK_TREE: path.resolve(options.seedFrom),
        GIT_INDEX_FILE: path.join(tmp, 'index'),
        GIT_AUTHOR_NAME: 'flare',
        GIT_AUTHOR_EMAIL: 'flare@localhost',
        GIT_COMMITTER_NAME: 'flare',
        GIT_COMMITTER_EMAIL: 'flare@localhost',
      };
      await runGit(['add', '-A', '.'], { cwd: path.resolve(options.seedFrom), env });
      const tree = (await runGit(['write-tree'], { cwd: bare, env })).stdout.trim();
      const commit = (
        await runGit(['commit-tree', tree, '-F', '-'], { cwd: bare, env, input: options.seedMessage ?? 'Seed repository\n' })
      ).stdout.trim();
      await runGit(['update-ref', `refs/heads/${options.branch}`, commit], { cwd: bare, env });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  return bare;
}
