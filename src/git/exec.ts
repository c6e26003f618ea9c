import { spawn } from 'node:child_process';
import { GitError } from '../errors.js';

/**
 * Why a git command failed. The first three mean "the remote moved under our push" and are the
 * only ones worth a fetch-and-retry.
 */
type GitFailureReason =
  | 'non-fast-forward'
  | 'fetch-first'
  | 'remote-moved'
  | 'remote-rejected'
  | 'auth'
  | 'not-found'
  | 'missing-ref'
  | 'network'
  | 'timeout'
  | 'locked'
  | 'spawn'
  | 'failed';

export const RETRYABLE_PUSH_REASONS: readonly string[] = ['non-fast-forward', 'fetch-first', 'remote-moved'];

export interface RunGitOptions {
  cwd: string;
  /** Extra environment; wins over the sanitized defaults. */
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  /** Kills git after this long (network commands must never hang a reconcile cycle). */
  timeoutMs?: number;
  /**
   * Config for this one command, passed through GIT_CONFIG_COUNT: never on argv (ps shows argv,
   * and an auth header may be among them) and never persisted in .git/config.
   */
  config?: Record<string, string>;
  /** Run repository hooks (a server's receive hooks); client commands never do. */
  hooks?: boolean;
  /** Exit codes that are answers rather than failures (`diff --quiet` exits 1 on a difference). */
  okCodes?: number[];
}

export interface RunGitResult {
  stdout: string;
  stderr: string;
  code: number;
}

// Variables that would point git at another repository, index or config, or change its output.
const KEEP_GIT_VARS = new Set([
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_SSH_VARIANT',
  'GIT_SSL_CAINFO',
  'GIT_SSL_CAPATH',
  'GIT_SSL_NO_VERIFY',
  'GIT_PROXY_COMMAND',
]);

/**
 * The environment every git child runs with: independent of the user's global and system config
 * (no identity, signing, credential helper, hooks or excludes leak in, and nothing is written to
 * them), never prompting, English messages (failures are classified from stderr), and none of
 * the GIT_DIR-style variables a parent process (e.g. a git hook running our tests) may have set.
 */
export function gitEnv(
  base: NodeJS.ProcessEnv,
  options: { env?: Record<string, string | undefined>; config?: Record<string, string>; hooks?: boolean } = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined) continue;
    if (key.startsWith('GIT_') && !KEEP_GIT_VARS.has(key)) continue;
    if (key === 'SSH_ASKPASS') continue;
    env[key] = value;
  }
  Object.assign(env, {
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_LITERAL_PATHSPECS: '1',
    GIT_ASKPASS: 'true',
    LC_ALL: 'C',
    LANG: 'C',
  });
  const config: Record<string, string> = {
    'core.excludesFile': '/dev/null',
    'core.attributesFile': '/dev/null',
    'core.autocrlf': 'false',
    'commit.gpgSign': 'false',
    'gc.autoDetach': 'false',
    'maintenance.auto': 'false',
    'advice.detachedHead': 'false',
    ...(options.hooks ? {} : { 'core.hooksPath': '/dev/null' }),
    ...options.config,
  };
  const entries = Object.entries(config);
  env.GIT_CONFIG_COUNT = String(entries.length);
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Maps git's (C-locale) stderr to a reason. Pure, so every branch is unit-tested. */
export function classifyGitFailure(stderr: string): GitFailureReason {
  const s = stderr.toLowerCase();
  if (s.includes('(fetch first)')) return 'fetch-first';
  if (s.includes('(non-fast-forward)')) return 'non-fast-forward';
  if (s.includes('(failed to update ref)') || s.includes('(stale info)') || /cannot lock ref .*but expected/.test(s)) {
    return 'remote-moved';
  }
  if (s.includes('[remote rejected]') || s.includes('hook declined')) return 'remote-rejected';
  if (s.includes('.lock') && (s.includes('file exists') || s.includes('unable to create'))) return 'locked';
  if (
    s.includes('authentication failed') ||
    s.includes('could not read username') ||
    s.includes('could not read password') ||
    s.includes('permission denied (publickey') ||
    /returned error: 40[13]\b/.test(s)
  ) {
    return 'auth';
  }
  if (s.includes("couldn't find remote ref")) return 'missing-ref';
  if (
    s.includes('repository not found') ||
    /repository '[^']*' not found/.test(s) ||
    s.includes('does not appear to be a git repository') ||
    /returned error: 404\b/.test(s)
  ) {
    return 'not-found';
  }
  if (
    s.includes('could not resolve host') ||
    s.includes('failed to connect') ||
    s.includes('connection refused') ||
    s.includes('connection reset') ||
    s.includes('timed out') ||
    s.includes('the remote end hung up')
  ) {
    return 'network';
  }
  return 'failed';
}

interface PushRefResult {
  /** porcelain flag: ' ' fast-forward, '+' forced, '-' deleted, '*' new, '!' rejected, '=' up to date */
  flag: string;
  ref: string;
  summary: string;
}

/** Parses `git push --porcelain` stdout (the per-ref lines between "To <url>" and "Done"). */
export function parsePushPorcelain(stdout: string): PushRefResult[] {
  const results: PushRefResult[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^([ +\-*!=])\t([^\t]+)\t(.*)$/.exec(line);
    if (m) results.push({ flag: m[1] ?? '', ref: m[2] ?? '', summary: (m[3] ?? '').trim() });
  }
  return results;
}

/** Hides `user:secret@` in URLs that git echoes back in its messages. */
export function redactUrls(text: string): string {
  return text.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1***@');
}

function summarize(stderr: string): string {
  const lines = redactUrls(stderr)
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l) => l && !/^(hint|To |Done$)/.test(l));
  const text = lines.join('; ');
  return text.length > 800 ? `${text.slice(0, 800)}…` : text;
}

/**
 * Runs git asynchronously (a synchronous network git in a process that also serves the smart-HTTP
 * remote deadlocks). Resolves with the output; rejects with a GitError carrying a reason. Only the
 * subcommand name appears in messages: arguments may hold URLs or paths of no use to a reader.
 */
export function runGit(args: string[], options: RunGitOptions): Promise<RunGitResult> {
  const command = args.find((a) => !a.startsWith('-')) ?? 'git';
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: gitEnv(process.env, options),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            // Settle now: a grandchild (git-remote-http, an alias' shell) may keep the pipes open.
            timedOut = true;
            child.kill('SIGKILL');
            child.stdout.destroy();
            child.stderr.destroy();
            reject(new GitError(`git ${command} timed out after ${options.timeoutMs} ms`, 'timeout'));
          }, options.timeoutMs)
        : undefined;
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (cause) => {
      if (timer) clearTimeout(timer);
      if (timedOut) return;
      reject(new GitError(`git ${command}: cannot run git: ${cause.message}`, 'spawn', { cause }));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const exit = code ?? -1;
      if (timedOut) return;
      if (exit === 0 || options.okCodes?.includes(exit)) {
        resolve({ stdout, stderr, code: exit });
      } else {
        // push --porcelain reports per-ref rejections on stdout, the rest on stderr.
        const text = `${stderr}\n${stdout}`;
        const detail = summarize(text) || (signal ? `killed by ${signal}` : `exit ${exit}`);
        reject(new GitError(`git ${command} failed: ${detail}`, classifyGitFailure(text)));
      }
    });
    child.stdin.on('error', () => undefined); // git may exit before reading all input
    child.stdin.end(options.input ?? '');
  });
}
