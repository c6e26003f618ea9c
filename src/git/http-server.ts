import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GitError } from '../errors.js';
import { gitEnv, runGit } from './exec.js';

interface GitHttpServerOptions {
  /** Directory holding the bare repositories (`<name>.git`). */
  root: string;
  host?: string;
  port?: number;
  /** Recorded as the pushing user; git refuses pushes from an anonymous CGI request. */
  remoteUser?: string;
  /** Require HTTP basic auth with these credentials (tests of credential handling). */
  auth?: { username: string; password: string };
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

function handle(req: IncomingMessage, res: ServerResponse, options: GitHttpServerOptions): void {
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
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  if (options.auth && header('authorization') !== `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`) {
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
    return;
  }
  const cgi = spawn('git', ['http-backend'], {
    env: gitEnv(process.env, {
      hooks: true, // server-side receive hooks are the remote's business
      env: {
        GIT_PROJECT_ROOT: options.root,
        GIT_HTTP_EXPORT_ALL: '1',
        REMOTE_USER: options.remoteUser ?? 'flare',
        REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
        PATH_INFO: pathInfo,
        QUERY_STRING: url.search.replace(/^\?/, ''),
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
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (head === undefined) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const parsed = parseCgiHead(head);
    if (!parsed) return;
    head = undefined;
    res.statusCode = parsed.status;
    for (const [name, value] of parsed.headers) res.appendHeader(name, value);
    if (parsed.body.length > 0) res.write(parsed.body);
  });
  cgi.stdout.on('end', () => {
    if (head !== undefined && !res.headersSent) res.statusCode = 502;
    res.end();
  });
  cgi.on('error', () => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
  cgi.stdin.on('error', () => undefined);
  req.pipe(cgi.stdin);
  res.on('close', () => {
    if (cgi.exitCode === null) cgi.kill();
  });
}

/**
 * A real smart-HTTP git remote on `host:port`: node:http in front of `git http-backend` (CGI).
 * Used by tests, benchmarks and `flare demo`; binds 127.0.0.1 on a free port by default.
 */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const root = path.resolve(options.root);
  const server = createServer((req, res) => handle(req, res, { ...options, root }));
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
