import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { packagePath } from '../util/package-root.js';

/** One Argo CD health check: the Lua script Argo CD runs for objects of group/kind. */
export interface HealthCheck {
  group: string;
  kind: string;
  lua: string;
}

/** The argocd-cm key Argo CD reads a kind's health script from. */
export function healthCheckKey(c: Pick<HealthCheck, 'group' | 'kind'>): string {
  return `resource.customizations.health.${c.group}_${c.kind}`;
}

/**
 * The shipped checks, in Argo CD's own layout argocd/resource_customizations/<group>/<Kind>/health.lua,
 * sorted by group then kind so every output that carries them is stable.
 */
export async function loadHealthChecks(dir = packagePath('argocd', 'resource_customizations')): Promise<HealthCheck[]> {
  const out: HealthCheck[] = [];
  for (const group of (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const kind of (await readdir(path.join(dir, group), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
      try {
        out.push({ group, kind, lua: await readFile(path.join(dir, group, kind, 'health.lua'), 'utf8') });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }
  return out;
}
