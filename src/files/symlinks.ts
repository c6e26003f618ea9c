import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../diagnostics.js';

/** What FLARE reads from a repo; a symbolic link anywhere in them is refused. */
const HYGIENE_ROOTS = ['flare.yaml', 'tenants', 'intents', 'status', 'templates'] as const;

const MAX_DEPTH = 8;
const MAX_ENTRIES = 200_000;

export interface SymlinkScan {
  /** Repo-relative paths (forward slashes) of the links found. */
  links: Set<string>;
  diagnostics: Diagnostic[];
}

function linkDiag(rel: string, target: string): Diagnostic {
  return {
    severity: 'error',
    file: rel,
    line: 0,
    column: 0,
    path: '',
    code: 'symlink',
    message: `is a symbolic link (to ${JSON.stringify(target)}); FLARE reads nothing through links in flare.yaml, tenants/, intents/, status/ and templates/`,
    hint: 'commit the file (or folder) itself instead of a link',
  };
}

/**
 * Finds symbolic links under the given roots of `repoDir` without following any: lstat only, so
 * a link to /etc or to another tenant's folder is reported, never read. Pure enough for every
 * command: validate, render and the reconciler call it on the same tree.
 */
export function findSymlinks(repoDir: string, roots: readonly string[] = HYGIENE_ROOTS): SymlinkScan {
  const root = path.resolve(repoDir);
  const out: SymlinkScan = { links: new Set(), diagnostics: [] };
  let seen = 0;
  const visit = (rel: string, depth: number): void => {
    if (++seen > MAX_ENTRIES) return;
    const abs = path.join(root, rel);
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) {
      let target = '?';
      try {
        target = readlinkSync(abs);
      } catch {
        // unreadable link: still refused
      }
      out.links.add(rel);
      out.diagnostics.push(linkDiag(rel, target));
      return;
    }
    if (!st.isDirectory() || depth >= MAX_DEPTH) return;
    let names: string[];
    try {
      names = readdirSync(abs).sort();
    } catch {
      return;
    }
    for (const n of names) visit(`${rel}/${n}`, depth + 1);
  };
  for (const r of roots) visit(r, 0);
  return out;
}
