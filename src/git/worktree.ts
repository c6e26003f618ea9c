import { lstat, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GitError, IoError } from '../errors.js';
import type { CommitRequest, FileChange } from './types.js';

const MAX_PATH = 1024;
const MAX_CHANGES = 10_000;

/**
 * Checks a repository-relative path a caller wants written: POSIX separators, no `.`/`..`
 * segments, not absolute, nothing under `.git`. Pure; returns the problem or undefined.
 */
export function changePathProblem(p: string): string | undefined {
  if (!p) return 'empty path';
  if (p.length > MAX_PATH) return 'path too long';
  if (p.includes('\0') || p.includes('\\')) return 'path contains NUL or backslash';
  if (p.startsWith('/')) return 'path is absolute';
  const segments = p.split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') return 'path has an empty, "." or ".." segment';
    if (s.toLowerCase() === '.git') return 'path is inside .git';
  }
  return undefined;
}

/** Validates a commit request up front, before any git command runs. */
export function validateCommitRequest(req: CommitRequest): void {
  if (req.changes.length > MAX_CHANGES) {
    throw new GitError(`too many changes in one commit (${req.changes.length} > ${MAX_CHANGES})`, 'invalid-request');
  }
  const seen = new Set<string>();
  for (const change of req.changes) {
    const problem = changePathProblem(change.path);
    if (problem) throw new GitError(`${JSON.stringify(change.path)}: ${problem}`, 'invalid-path');
    if (seen.has(change.path)) throw new GitError(`${change.path}: changed twice in one commit`, 'invalid-path');
    seen.add(change.path);
  }
  if (!req.message.trim()) throw new GitError('commit message is empty', 'invalid-message');
  const { name, email } = req.author;
  if (!name.trim() || !email.trim() || /[<>\n\r\0]/.test(name + email)) {
    throw new GitError(`invalid commit author ${JSON.stringify(`${name} <${email}>`)}`, 'invalid-author');
  }
}

/**
 * A copy of a request taken when it is queued: a caller mutating its arrays while the request
 * waits changes nothing.
 */
export function freezeRequest(req: CommitRequest): CommitRequest {
  const frozen: CommitRequest = {
    changes: req.changes.map((c) => ({ path: c.path, content: c.content })),
    message: req.message,
    author: { ...req.author },
  };
  if (req.maxAttempts !== undefined) frozen.maxAttempts = Math.max(1, Math.floor(req.maxAttempts));
  return frozen;
}

async function lstatOrUndefined(p: string) {
  try {
    return await lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

// A symlink committed to the repo (say `status -> /etc`) must not carry our writes out of the
// working copy, so every parent is checked and a symlink at the file itself is replaced.
async function writeInside(root: string, rel: string, content: string | null, dirs: Set<string>): Promise<void> {
  const segments = rel.split('/');
  let current = root;
  for (const segment of segments.slice(0, -1)) {
    current = path.join(current, segment);
    // a directory checked (or made) earlier in this change set is still one: only we write here
    if (dirs.has(current)) continue;
    const st = await lstatOrUndefined(current);
    if (st?.isSymbolicLink()) throw new GitError(`${rel}: parent ${path.relative(root, current)} is a symlink`, 'invalid-path');
    if (!st) {
      if (content === null) return;
      await mkdir(current);
    } else if (!st.isDirectory()) {
      if (content === null) return;
      throw new GitError(`${rel}: parent ${path.relative(root, current)} is a file`, 'invalid-path');
    }
    dirs.add(current);
  }
  const file = path.join(root, rel);
  const st = await lstatOrUndefined(file);
  if (st?.isDirectory()) throw new GitError(`${rel}: is a directory`, 'invalid-path');
  if (st && (content === null || st.isSymbolicLink())) await rm(file);
  if (content !== null) await writeFile(file, content, 'utf8');
}

/** Writes (content) or deletes (null) each change in the working copy rooted at root. */
export async function applyChanges(root: string, changes: FileChange[]): Promise<void> {
  const dirs = new Set<string>();
  for (const change of changes) {
    try {
      await writeInside(root, change.path, change.content, dirs);
    } catch (err) {
      if (err instanceof GitError) throw err;
      throw new IoError(path.join(root, change.path), (err as Error).message, { cause: err });
    }
  }
}

/** NUL-separated pathspec list for `--pathspec-from-file=- --pathspec-file-nul`. */
export function pathspecInput(paths: string[]): string {
  return paths.map((p) => `${p}\0`).join('');
}
