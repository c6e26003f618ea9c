import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import * as path from 'node:path';
import { IoError } from '../errors.js';
import type { RepoModel } from './model.js';
import type { SourceFile } from '../doc/source-file.js';
import { parseRepo } from './parse.js';
import { findSymlinks } from '../files/symlinks.js';
import { sortDiagnostics } from '../diagnostics.js';
import { LIMITS } from '../doc/yaml-reader.js';

/** The folders and files of a FLARE repo that the parsers read; everything else is ignored. */
const ROOTS = ['flare.yaml', 'tenants', 'intents', 'status'];
const DATA_EXT = /\.(ya?ml|json)$/;

/**
 * Reads a file but never more than one byte past the size bound: the parser reports
 * `file-too-large` from the length without a huge file ever being held in memory.
 * Synchronous on purpose: a repo is thousands of small files, and one blocking read each is
 * several times faster than as many promises (this runs in CLI commands and tests, not servers).
 */
function readBounded(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const cap = LIMITS.maxFileBytes + 1;
    if (fstatSync(fd).size < cap) {
      const buf = readFileSync(fd);
      return (buf.length > cap ? buf.subarray(0, cap) : buf).toString('utf8');
    }
    const buf = Buffer.allocUnsafe(cap);
    let n = 0;
    while (n < cap) {
      const got = readSync(fd, buf, n, cap - n, n);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The repo's FLARE files as SourceFiles (repo-relative paths, sorted). Symlinks are not followed. */
export async function readRepoFiles(dir: string): Promise<SourceFile[]> {
  const root = path.resolve(dir);
  let st: Stats;
  try {
    st = statSync(root);
  } catch (err) {
    throw new IoError(dir, 'cannot read the repository directory', { cause: err });
  }
  if (!st.isDirectory()) throw new IoError(dir, 'not a directory');
  const out: SourceFile[] = [];
  const walk = (rel: string, depth: number): void => {
    const abs = path.join(root, rel);
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch (err) {
      throw new IoError(abs, 'cannot read directory', { cause: err });
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const childRel = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (depth < 4) walk(childRel, depth + 1);
      } else if (e.isFile() && DATA_EXT.test(e.name)) {
        if (out.length >= LIMITS.maxFiles) throw new IoError(path.join(root, childRel), `more than ${LIMITS.maxFiles} files under ${rel}`);
        try {
          out.push({ path: childRel, text: readBounded(path.join(root, childRel)) });
        } catch (err) {
          throw new IoError(path.join(root, childRel), 'cannot read file', { cause: err });
        }
      }
    }
  };
  for (const r of ROOTS) {
    const abs = path.join(root, r);
    let s: Stats;
    try {
      // lstat: a root that is a symlink is neither read nor followed (findSymlinks reports it)
      s = lstatSync(abs);
    } catch {
      continue;
    }
    if (r === 'flare.yaml') {
      if (s.isFile()) {
        try {
          out.push({ path: r, text: readBounded(abs) });
        } catch (err) {
          throw new IoError(abs, 'cannot read file', { cause: err });
        }
      }
    } else if (s.isDirectory()) {
      walk(r, 1);
    }
  }
  return out;
}

interface LoadRepoOptions {
  /** Files or folders (absolute, or relative to `dir`) whose intents are reported; see ParseRepoOptions.only. */
  paths?: string[];
}

/** The fs adapter of parseRepo: reads the repo at `dir` and parses it. Throws IoError for unreadable paths. */
export async function loadRepo(dir: string, opts: LoadRepoOptions = {}): Promise<RepoModel> {
  const root = path.resolve(dir);
  const files = await readRepoFiles(root);
  let only: string[] | undefined;
  if (opts.paths && opts.paths.length) {
    only = [];
    for (const p of opts.paths) {
      const abs = path.resolve(root, p);
      const rel = path.relative(root, abs);
      if (rel.startsWith('..') || path.isAbsolute(rel)) throw new IoError(p, `is outside the repository ${root}`);
      try {
        statSync(abs);
      } catch (err) {
        throw new IoError(p, 'no such file or directory', { cause: err });
      }
      only.push(rel.split(path.sep).join('/'));
    }
  }
  const model = parseRepo(files, only ? { only } : {});
  // templates/ are checked where they are loaded (loadTemplates)
  const links = findSymlinks(root, ['flare.yaml', 'tenants', 'intents', 'status']);
  if (links.diagnostics.length) model.diagnostics = sortDiagnostics([...model.diagnostics, ...links.diagnostics]);
  return model;
}
