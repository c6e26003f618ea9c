import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RefList } from './ref-advertisement.js';

const SHA = /^[0-9a-f]{40}$/;
const MAX_SYMREF_DEPTH = 5;

/** The sha `ref` has in a `packed-refs` file's text, '' when it is not there, undefined when the text is not sha1 packed refs. Pure. */
export function packedRef(text: string, ref: string): string | undefined {
  const refs = packedRefs(text);
  return refs && (refs.find((r) => r.name === ref)?.sha ?? '');
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

/**
 * Every `<sha> <name>` line of a packed-refs file (peeled `^` lines and the header skipped), or
 * undefined when a line is not a sha1 ref line (a sha256 repository): missing is not an answer
 * the caller may guess. Pure.
 */
export function packedRefs(text: string): Array<{ name: string; sha: string }> | undefined {
  const out: Array<{ name: string; sha: string }> = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('^')) {
      if (!SHA.test(line.slice(1).trimEnd())) return undefined;
      continue;
    }
    const sha = line.slice(0, 40);
    if (line[40] !== ' ' || !SHA.test(sha)) return undefined;
    out.push({ name: line.slice(41).trimEnd(), sha });
  }
  return out;
}

/** A ref name git would list (check-ref-format's rules that a file name can break). Pure. */
export function isListableRefName(name: string): boolean {
  if (/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|\/\/|\.$/.test(name)) return false;
  return name.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'));
}

/**
 * All of a bare repository's refs and its HEAD, read from its `files` ref store. Loose refs are
 * read before packed-refs: `git pack-refs` writes packed-refs before it deletes the loose files,
 * so a ref being packed meanwhile is found in one or the other. Undefined when the files do not
 * answer plainly (a reftable store, a symbolic ref below refs/, a file that is not a ref).
 */
export async function readAllRefsFromFiles(gitDir: string): Promise<RefList | undefined> {
  if (await stat(path.join(gitDir, 'reftable')).then(() => true, () => false)) return undefined;
  const loose = new Map<string, string>();
  let plain = true;
  const walk = async (rel: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(gitDir, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const name = `${rel}/${e.name}`;
      if (e.name.endsWith('.lock') && e.isFile()) continue; // a ref being written
      if (e.isSymbolicLink() || !isListableRefName(name)) {
        plain = false;
      } else if (e.isDirectory()) {
        if (depth > 32) plain = false;
        else await walk(name, depth + 1);
      } else {
        const text = await readOrUndefined(path.join(gitDir, name));
        if (text === undefined) continue; // deleted while listed
        const parsed = parseRefFile(text);
        if (parsed && 'sha' in parsed) loose.set(name, parsed.sha);
        else plain = false;
      }
    }
  };
  await walk('refs', 0);
  if (!plain) return undefined;
  const packed = packedRefs((await readOrUndefined(path.join(gitDir, 'packed-refs'))) ?? '');
  if (!packed || packed.some((r) => !isListableRefName(r.name))) return undefined;
  const all = new Map<string, string>();
  for (const r of packed) all.set(r.name, r.sha);
  for (const [name, sha] of loose) all.set(name, sha);
  const headText = await readOrUndefined(path.join(gitDir, 'HEAD'));
  const head = headText === undefined ? undefined : parseRefFile(headText);
  if (!head) return undefined;
  const refs = [...all].map(([name, sha]) => ({ name, sha }));
  if ('sha' in head) return { head: { sha: head.sha }, refs };
  return { head: { target: head.symref, sha: all.get(head.symref) ?? '' }, refs };
}
