import { writeFile } from 'node:fs/promises';
import { toYaml } from '../../k8s/serialize.js';
import { SANDBOX_CERT } from './tls.js';

interface KubeconfigOptions {
  /** The API server's bearer token (ApiServer.token): the sandbox refuses requests without it. */
  token: string;
  context?: string;
}

/**
 * A kubeconfig for the sandbox API server: https with the sandbox's certificate pinned as the
 * authority (kubectl sends a bearer token only over TLS), and the server's own token (random per
 * start), so only whoever can read this file (mode 0600) can use the sandbox.
 */
export function renderKubeconfig(url: string, opts: KubeconfigOptions): string {
  const context = opts.context ?? 'flare-sandbox';
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: context, cluster: { server: url, 'certificate-authority-data': Buffer.from(SANDBOX_CERT).toString('base64') } }],
    users: [{ name: context, user: { token: opts.token } }],
    contexts: [{ name: context, context: { cluster: context, user: context, namespace: 'default' } }],
    'current-context': context,
    preferences: {},
  });
}

export async function writeKubeconfig(path: string, url: string, opts: KubeconfigOptions): Promise<void> {
  await writeFile(path, renderKubeconfig(url, opts), { mode: 0o600 });
}
