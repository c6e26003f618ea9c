import { delimiter, resolve } from 'node:path';
import { createKubeCluster } from './kube.js';
import type { Cluster } from './types.js';

interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
}

/**
 * The cluster a CLI command talks to: `--kubeconfig` (relative to the command's cwd), else every
 * file of the command environment's KUBECONFIG merged as kubectl merges them, else the library's
 * default lookup (~/.kube/config, in-cluster).
 */
export function clusterFromFlags(flags: ClusterFlags, env: NodeJS.ProcessEnv, cwd: string): Cluster {
  const fromEnv = env.KUBECONFIG?.split(delimiter).filter((p) => p.trim() !== '').map((p) => resolve(cwd, p)).join(delimiter);
  const path = flags.kubeconfig ? resolve(cwd, flags.kubeconfig) : fromEnv ? fromEnv : undefined;
  const opts: { kubeconfigPath?: string; context?: string } = {};
  if (path) opts.kubeconfigPath = path;
  if (flags.context) opts.context = flags.context;
  return createKubeCluster(opts);
}
