import { chmod, lstat, mkdir, readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/**
 * Git credentials for the reconciler's private clone. They come from the environment or a file
 * (a mounted Kubernetes Secret in a pod), never from the repository URL, and FLARE never writes
 * them to disk: the remote adapter hands them to each git child as an `http.extraHeader` through
 * GIT_CONFIG_* environment variables, so `.git/config` holds only the bare URL.
 */
interface GitCredentials {
  username: string;
  password: string;
}

/** The user name hosting services accept with a token as the password (GitHub, Gitea, …). */
const TOKEN_USERNAME = 'x-access-token';

const CREDENTIAL_SOURCES =
  'FLARE_GIT_USERNAME and FLARE_GIT_PASSWORD, FLARE_GIT_TOKEN, or a credentials file (--git-credentials-file / FLARE_GIT_CREDENTIALS_FILE, one line "user:password" or a token)';

function parseCredentialsFile(text: string, file: string, env: NodeJS.ProcessEnv): GitCredentials {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '')?.trim();
  if (!line) throw new UsageError(`${file}: the credentials file is empty`);
  const colon = line.indexOf(':');
  if (colon > 0) return { username: line.slice(0, colon), password: line.slice(colon + 1) };
  return { username: env.FLARE_GIT_USERNAME ?? TOKEN_USERNAME, password: line };
}

/**
 * The credentials to use, or undefined for an anonymous remote. A file (`file`, else
 * FLARE_GIT_CREDENTIALS_FILE) wins over FLARE_GIT_TOKEN, which wins over username/password.
 */
export async function gitCredentials(env: NodeJS.ProcessEnv, file?: string): Promise<GitCredentials | undefined> {
  const f = file ?? env.FLARE_GIT_CREDENTIALS_FILE;
  if (f) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read the git credentials file ${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return parseCredentialsFile(text, f, env);
  }
  if (env.FLARE_GIT_TOKEN) return { username: env.FLARE_GIT_USERNAME || TOKEN_USERNAME, password: env.FLARE_GIT_TOKEN };
  if (env.FLARE_GIT_USERNAME || env.FLARE_GIT_PASSWORD) {
    if (!env.FLARE_GIT_USERNAME || !env.FLARE_GIT_PASSWORD) throw new UsageError('set both FLARE_GIT_USERNAME and FLARE_GIT_PASSWORD (or FLARE_GIT_TOKEN)');
    return { username: env.FLARE_GIT_USERNAME, password: env.FLARE_GIT_PASSWORD };
  }
  return undefined;
}

/**
 * Refuses a URL that carries credentials (`https://user:pass@host/…`, `https://token@host/…`):
 * git would store it in `.git/config` and print it in errors. The message never repeats them.
 */
export function refuseUrlCredentials(url: string): void {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)@/i.exec(url);
  if (!m) return;
  const scheme = m[1]!.toLowerCase();
  const userinfo = m[2]!;
  // ssh://git@host carries a user name only; the key does the authenticating
  if ((scheme === 'ssh' || scheme === 'git+ssh') && !userinfo.includes(':')) return;
  const safe = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
  throw new UsageError(`the repository URL carries credentials; they would be written to the private clone's .git/config. Use ${safe} with ${CREDENTIAL_SOURCES}`);
}

/**
 * Creates (or tightens) a folder only this user can enter: the private clone holds the repo and,
 * in git's own files, the remote URL. A symlink or a folder of another user (a predictable name
 * under a shared temp dir) is refused rather than used.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new UsageError(`${dir} is not a directory (a symlink is not accepted for the private clone)`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new UsageError(`${dir} belongs to another user (uid ${st.uid}); use --workdir with a folder of your own`);
  if ((st.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
}
