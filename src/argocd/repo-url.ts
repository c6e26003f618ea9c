import { runGit } from '../git/exec.js';

/** Where Argo CD is told to clone from when nothing better is known; `flare argocd` warns about it. */
export const PLACEHOLDER_REPO_URL = 'https://github.com/OWNER/REPO.git';

/** A git URL without any user:password@ part: Applications are stored in the cluster and in Git. */
export function publicRepoUrl(url: string): string {
  return url.trim().replace(/^(\w[\w+.-]*:\/\/)[^/@\s]*@/, '$1');
}

/** The origin remote of the repo at dir, credentials removed; undefined when there is none. */
export async function originUrl(dir: string): Promise<string | undefined> {
  try {
    const r = await runGit(['config', '--get', 'remote.origin.url'], { cwd: dir, timeoutMs: 5000 });
    const url = publicRepoUrl(r.stdout);
    return url === '' ? undefined : url;
  } catch {
    return undefined;
  }
}
