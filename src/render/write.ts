import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IoError } from '../errors.js';

const WRITE_CONCURRENCY = 64;

async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/** Writes a file tree (relative path → content) under `dir`, which must not exist yet. */
export async function writeTree(dir: string, files: ReadonlyMap<string, string>): Promise<void> {
  const dirs = new Set<string>();
  for (const rel of files.keys()) dirs.add(path.dirname(path.join(dir, rel)));
  await mkdir(dir, { recursive: true });
  // parents before children: sorted paths put a folder before its subfolders
  for (const d of [...dirs].sort()) await mkdir(d, { recursive: true });
  await pool([...files.entries()], WRITE_CONCURRENCY, ([rel, text]) => writeFile(path.join(dir, rel), text));
}

function assertSafe(rel: string): void {
  if (rel.startsWith('/') || rel.split('/').some((p) => p === '..' || p === '')) throw new IoError(rel, 'refusing to write outside the rendered folder');
}

/**
 * Replaces `outDir` with exactly `files`, atomically for readers of the folder: the new tree is
 * built beside it, then swapped in by two renames; the old tree is removed afterwards. Stale files
 * disappear because the whole tree is replaced; a failure before the swap leaves `outDir` as it was.
 */
export async function writeRendered(outDir: string, files: ReadonlyMap<string, string>): Promise<void> {
  for (const rel of files.keys()) assertSafe(rel);
  const target = path.resolve(outDir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const tmp = path.join(parent, `.${base}.new-${tag}`);
  const old = path.join(parent, `.${base}.old-${tag}`);
  try {
    await writeTree(tmp, files);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw new IoError(tmp, `cannot write rendered files: ${(err as Error).message}`, { cause: err });
  }
  let hadOld = false;
  try {
    await rename(target, old);
    hadOld = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      await rm(tmp, { recursive: true, force: true });
      throw new IoError(target, `cannot replace: ${(err as Error).message}`, { cause: err });
    }
  }
  try {
    await rename(tmp, target);
  } catch (err) {
    if (hadOld) await rename(old, target).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
    throw new IoError(target, `cannot replace: ${(err as Error).message}`, { cause: err });
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
}

/** Every file under `dir` (relative, forward slashes), or an empty list when `dir` does not exist. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    const entries = await readdir(abs, { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(abs, e.name), r);
      else out.push(r);
    }
  };
  try {
    await stat(dir);
  } catch {
    return [];
  }
  await walk(dir, '');
  return out.sort();
}

export interface CheckResult {
  ok: boolean;
  /** Would be written but are absent. */
  missing: string[];
  /** Present with other content. */
  changed: string[];
  /** Present but no longer rendered. */
  stale: string[];
}

/** Pure comparison of the rendered files with what is on disk. */
export function compareTrees(expected: ReadonlyMap<string, string>, actual: ReadonlyMap<string, string>): CheckResult {
  const missing: string[] = [];
  const changed: string[] = [];
  const stale: string[] = [];
  for (const [rel, text] of expected) {
    const have = actual.get(rel);
    if (have === undefined) missing.push(rel);
    else if (have !== text) changed.push(rel);
  }
  for (const rel of actual.keys()) if (!expected.has(rel)) stale.push(rel);
  stale.sort();
  return { ok: missing.length + changed.length + stale.length === 0, missing, changed, stale };
}

/** `flare render --check`: compares in memory, writes nothing. */
export async function checkRendered(outDir: string, files: ReadonlyMap<string, string>): Promise<CheckResult> {
  const onDisk = await listTree(outDir);
  const actual = new Map<string, string>();
  await pool(onDisk, WRITE_CONCURRENCY, async (rel) => {
    actual.set(rel, await readFile(path.join(outDir, rel), 'utf8'));
  });
  return compareTrees(files, actual);
}
