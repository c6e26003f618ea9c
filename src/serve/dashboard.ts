import path from 'node:path';
import type { Cluster } from '../cluster/types.js';
import { openIsoRemoteRepo } from '../git/iso-repo.js';
import { memoryTokenBackend } from './memory-tokens.js';
import { startApiServer, type ApiServer } from './server.js';
import { TokenStore, type Permission } from './tokens.js';

/** What the dashboard needs and nothing more: reading intents and the federation's GPUs. */
export const READ_ONLY: Permission[] = ['intents:read', 'resources:read'];

export interface LocalDashboard {
  server: ApiServer;
  /** The page with a read-only token in the fragment (never sent to the server, so never logged). */
  url: string;
  close(): Promise<void>;
}

/**
 * The dashboard over a running FLARE world (`flare demo --ui`): a private clone of the remote,
 * an API server on loopback with tokens kept in memory only, and one read-only token that is not
 * bound to a tenant, so the page shows every tenant's intents but can change nothing.
 */
export async function startLocalDashboard(o: {
  gitUrl: string;
  cluster: Cluster;
  workDir: string;
  port?: number;
  uiDir?: string;
  accessLog?: (line: string) => void;
}): Promise<LocalDashboard> {
  const repo = await openIsoRemoteRepo({ url: o.gitUrl, dir: path.join(o.workDir, 'dashboard-clone'), branch: 'main' });
  try {
    const tokens = new TokenStore(memoryTokenBackend());
    await tokens.load();
    const { token } = await tokens.create({ tenant: null, owner: 'flare-demo', permissions: READ_ONLY, expiresInDays: 1, description: 'flare demo --ui', createdBy: 'flare-demo' });
    const server = await startApiServer({
      repo,
      tokens,
      cluster: o.cluster,
      host: '127.0.0.1',
      port: o.port ?? 0,
      syncIntervalMs: 1000,
      accessLog: o.accessLog ?? (() => {}),
      ...(o.uiDir ? { uiDir: o.uiDir } : {}),
    });
    return {
      server,
      url: `${server.url}/#token=${encodeURIComponent(token)}`,
      async close() {
        await server.close();
        await repo.close();
      },
    };
  } catch (err) {
    await repo.close();
    throw err;
  }
}
