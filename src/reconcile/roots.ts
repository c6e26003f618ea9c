import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { IoError } from '../errors.js';

/** The folders whose content decides what is applied and pruned. */
const TRUSTED_ROOTS = ['intents', 'tenants', 'status'] as const;

/**
 * Why a root folder of the repo can't be read as it is (undefined: it can, or it is absent). A
 * symlinked root would swap every intent's status (or every intent) for whatever it points to, and
 * an unreadable one reads as empty: both would prune every tenant's workloads.
 */
async function rootProblem(dir: string, root: string): Promise<string | undefined> {
  const abs = path.join(dir, root);
  let st;
  try {
    st = await lstat(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `${root}/ cannot be read: ${(err as Error).message}`;
  }
  if (st.isSymbolicLink()) return `${root}/ is a symlink; FLARE reads only real folders (replace it by the folder itself)`;
  if (!st.isDirectory()) return `${root} is not a folder`;
  try {
    await readdir(abs);
  } catch (err) {
    return `${root}/ cannot be read: ${(err as Error).message}`;
  }
  return undefined;
}

/** Every root problem, in TRUSTED_ROOTS order. */
export async function rootProblems(dir: string): Promise<{ root: string; message: string }[]> {
  const out: { root: string; message: string }[] = [];
  for (const root of TRUSTED_ROOTS) {
    const message = await rootProblem(dir, root);
    if (message) out.push({ root, message });
  }
  return out;
}

/** Throws before anything is applied or pruned when a root is symlinked or unreadable. */
export async function assertRoots(dir: string): Promise<void> {
  const problems = await rootProblems(dir);
  if (problems.length > 0) throw new IoError(path.join(dir, problems[0]!.root), problems.map((p) => p.message).join('; '));
}

/** The root problems as located errors, for `flare validate`. */
export async function rootDiagnostics(dir: string): Promise<Diagnostic[]> {
  return (await rootProblems(dir)).map((p) => ({
    severity: 'error' as const,
    file: p.root,
    line: 0,
    column: 0,
    path: '',
    code: p.message.includes('symlink') ? 'symlinked-root' : 'unreadable-root',
    message: p.message,
    hint: 'the reconciler refuses to apply or prune anything while this holds',
  }));
}
