#!/usr/bin/env node
// Bundles the dashboard (src/ui) into one script with esbuild and copies its static files:
// everything the page loads is in the package, nothing from a CDN (works offline).
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the bundle into `outDir` (default dist/ui); returns the folder. */
export async function buildUi(outDir = path.join(root, 'dist', 'ui')) {
  const { build } = await import('esbuild');
  const src = path.join(root, 'src', 'ui');
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(src, 'main.ts')],
    outfile: path.join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    target: ['es2022'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const f of ['index.html', 'app.css', 'favicon.svg']) await copyFile(path.join(src, f), path.join(outDir, f));
  return outDir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildUi(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
}
