import type { SourceFile } from '../doc/source-file.js';
import { runGit } from './exec.js';

const DATA = /\.(ya?ml|json)$/;

/**
 * The upstream of the checked-out branch (`origin/main`), fetched: what the reconciler has pushed.
 * undefined when `dir` is not a git working tree or its branch tracks nothing.
 */
export async function fetchUpstream(dir: string): Promise<string | undefined> {
  const r = await runGit(['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{u}'], { cwd: dir, okCodes: [128, 1] }).catch(() => undefined);
  const ref = r?.code === 0 ? r.stdout.trim() : '';
  if (!ref) return undefined;
  const remote = ref.split('/')[0]!;
  // a failed fetch (offline) still leaves the last fetched state to show
  await runGit(['fetch', '-q', remote], { cwd: dir, timeoutMs: 30_000 }).catch(() => undefined);
  return ref;
}

/** The FLARE files (flare.yaml, tenants/, intents/, status/) at a commit, read from git objects only. */
export async function readRepoFilesAt(dir: string, ref: string): Promise<SourceFile[]> {
  const { stdout } = await runGit(['ls-tree', '-r', '-z', ref, '--', 'flare.yaml', 'tenants', 'intents', 'status'], { cwd: dir });
  const entries = stdout
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [, type, sha] = line.slice(0, tab).split(' ');
      return { type, sha: sha!, path: line.slice(tab + 1) };
    })
    .filter((e) => e.type === 'blob' && DATA.test(e.path));
  const files: SourceFile[] = [];
  for (const e of entries) {
    let text = blobCache.get(e.sha);
    if (text === undefined) {
      text = (await runGit(['cat-file', 'blob', e.sha], { cwd: dir })).stdout;
      if (blobCache.size > 20_000) blobCache.clear();
      blobCache.set(e.sha, text);
    }
    files.push({ path: e.path, text });
  }
  return files;
}

// blobs never change: a watch re-reads only the files a new commit changed
const blobCache = new Map<string, string>();
