import { writeFile } from 'node:fs/promises';
import { toYaml } from '../../k8s/serialize.js';

/**
 * A kubeconfig for the sandbox API server. `insecure-skip-tls-verify` is set because
 * @kubernetes/client-node 1.4 refuses a plain http:// server without it; the token is a dummy
 * (the sandbox does no authentication).
 */
export function renderKubeconfig(url: string, context = 'flare-sandbox'): string {
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: context, cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: context, user: { token: 'sandbox' } }],
    contexts: [{ name: context, context: { cluster: context, user: context, namespace: 'default' } }],
    'current-context': context,
    preferences: {},
  });
}

export async function writeKubeconfig(path: string, url: string, context?: string): Promise<void> {
  await writeFile(path, renderKubeconfig(url, context), { mode: 0o600 });
}
