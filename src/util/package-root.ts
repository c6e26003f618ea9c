import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of this package (where package.json, templates/, schemas/ and argocd/ live), found
 * from this module's own location so an installed `flare` works from any working directory.
 * The module sits at src/util (tsx, vitest) or dist/util (compiled): two levels below the root.
 */
function packageRoot(): string {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  if (!existsSync(path.join(root, 'package.json'))) throw new Error(`flare package root not found at ${root}`);
  return root;
}

/** A file or folder shipped with the package, e.g. packagePath('schemas', 'intent.json'). */
export function packagePath(...parts: string[]): string {
  return path.join(packageRoot(), ...parts);
}
