import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../diagnostics.js';
import { IoError } from '../errors.js';
import { findSymlinks, type SymlinkScan } from '../files/symlinks.js';
import { compileTemplates, type TemplateSet, type TemplateSource } from './templates.js';

/** The templates shipped with the package: <package root>/templates (from src/render or dist/render). */
export function shippedTemplatesDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates');
}

async function readTemplateDir(dir: string, shownAs: (name: string) => string, optional: boolean, skip: ReadonlySet<string> = new Set()): Promise<TemplateSource[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new IoError(dir, `cannot read templates: ${(err as Error).message}`, { cause: err });
  }
  const out: TemplateSource[] = [];
  for (const name of names.filter((n) => n.endsWith('.hbs') && !skip.has(shownAs(n))).sort()) {
    const file = path.join(dir, name);
    try {
      out.push({ name, file: shownAs(name), text: await readFile(file, 'utf8') });
    } catch (err) {
      throw new IoError(file, `cannot read template: ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}

/**
 * Shipped templates, overridden per file by `<repoDir>/templates/*.hbs` when the repo has them.
 * An override replaces the shipped template of the kind it declares.
 */
export async function loadTemplates(repoDir?: string): Promise<{ templates: TemplateSet; diagnostics: Diagnostic[] }> {
  const shippedDir = shippedTemplatesDir();
  const shipped = await readTemplateDir(shippedDir, (n) => `templates/${n}`, false);
  let overrides: TemplateSource[] = [];
  let links: SymlinkScan = { links: new Set(), diagnostics: [] };
  if (repoDir !== undefined) {
    const repoTemplates = path.resolve(repoDir, 'templates');
    // the project repo is itself a FLARE repo: its templates/ are the shipped ones
    if (repoTemplates !== shippedDir) {
      // a linked templates/ or template file is refused, never read (src/files/symlinks.ts)
      links = findSymlinks(repoDir, ['templates']);
      if (!links.links.has('templates')) overrides = await readTemplateDir(repoTemplates, (n) => `templates/${n}`, true, links.links);
    }
  }
  const compiled = compileTemplates([...shipped, ...overrides]);
  if (links.diagnostics.length) compiled.diagnostics.push(...links.diagnostics);
  return compiled;
}
