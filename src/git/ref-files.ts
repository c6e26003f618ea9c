import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const SHA = /^[0-9a-f]{40}$/;
const MAX_SYMREF_DEPTH = 5;

/** The sha `ref` has in a `packed-refs` file's text, or '' when it is not there. Pure. */
export function packedRef(text: string, ref: string): string {
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.startsWith('^')) continue;
    const space = line.indexOf(' ');
    if (space === 40 && line.slice(space + 1).trimEnd() === ref && SHA.test(line.slice(0, 40))) return line.slice(0, 40);
  }
  return '';
}

/** What a loose ref file says: a sha, a symbolic ref to follow, or nothing usable. Pure. */
export function parseRefFile(text: string): { sha: string } | { symref: string } | undefined {
  const t = text.trim();
  if (SHA.test(t)) return { sha: t };
  const m = /^ref: (refs\/\S+)$/.exec(t);
  return m ? { symref: m[1]! } : undefined;
}

async function readOrUndefined(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * A ref's commit read straight from a repository's `files` ref store (loose ref, then
 * packed-refs), without starting git: the reconciler reads HEAD and the remote-tracking ref
 * several times a cycle, and on slow machines a process costs milliseconds. '' when the ref does
 * not exist; undefined when the files do not answer plainly (a reftable store, a ref that is
 * neither a sha nor a symref): the caller asks git then.
 */
export async function readRefFromFiles(gitDir: string, ref: string): Promise<string | undefined> {
  if (await stat(path.join(gitDir, 'reftable')).then(() => true, () => false)) return undefined;
  let name = ref;
  for (let depth = 0; depth < MAX_SYMREF_DEPTH; depth++) {
    if (name !== 'HEAD' && !name.startsWith('refs/')) return undefined;
    const loose = await readOrUndefined(path.join(gitDir, name));
    if (loose !== undefined) {
      const parsed = parseRefFile(loose);
      if (!parsed) return undefined;
      if ('sha' in parsed) return parsed.sha;
      name = parsed.symref;
      continue;
    }
    if (name === 'HEAD') return undefined;
    const packed = await readOrUndefined(path.join(gitDir, 'packed-refs'));
    return packed === undefined ? '' : packedRef(packed, name);
  }
  return undefined;
}
