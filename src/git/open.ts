import { GitError } from '../errors.js';
import { isHttpRemote, openIsoRemoteRepo } from './iso-repo.js';
import { openLocalRepo, openRemoteRepo } from './repo.js';
import type { RetryOptions } from './repo.js';
import type { GitRepo } from './types.js';

/** Which git drives a clone: isomorphic-git in-process, the `git` binary, or iso where it can (http(s)). */
export type GitImpl = 'iso' | 'cli' | 'auto';

export const GIT_IMPLS: readonly GitImpl[] = ['auto', 'iso', 'cli'];

export type GitSource =
  | { url: string; dir: string; branch?: string; auth?: { username: string; password: string } }
  | { path: string; branch?: string };

export function parseGitImpl(value: string): GitImpl {
  if ((GIT_IMPLS as readonly string[]).includes(value)) return value as GitImpl;
  throw new GitError(`--git must be one of ${GIT_IMPLS.join(', ')} (got ${JSON.stringify(value)})`, 'invalid-option');
}

/**
 * Opens a repository with the chosen implementation. isomorphic-git speaks only smart HTTP, so
 * ssh/file remotes and local working trees always use the CLI; asking for `iso` there is an error.
 */
export async function openGitRepo(src: GitSource, impl: GitImpl = 'auto', retry: RetryOptions = {}): Promise<GitRepo> {
  const branch = src.branch ?? 'main';
  if ('path' in src) {
    if (impl === 'iso') throw new GitError('--git iso needs an http(s) remote; a local working tree uses --git cli', 'invalid-option');
    return openLocalRepo({ path: src.path, branch, ...retry });
  }
  const useIso = impl === 'iso' || (impl === 'auto' && isHttpRemote(src.url));
  const opts = { url: src.url, dir: src.dir, branch, ...retry, ...(src.auth ? { auth: src.auth } : {}) };
  return useIso ? openIsoRemoteRepo(opts) : openRemoteRepo(opts);
}
