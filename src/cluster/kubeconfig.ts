import { delimiter, resolve } from 'node:path';
import { createKubeCluster } from './kube.js';
import type { Cluster } from './types.js';

export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
}

/**
 * The cluster a CLI command talks to: `--kubeconfig` (relative to the command's cwd), else the
 * first file of the command environment's KUBECONFIG, else the library's default lookup
 * (~/.kube/config, in-cluster).
 */
export function clusterFromFlags(flags: ClusterFlags, env: NodeJS.ProcessEnv, cwd: string): Cluster {
  const fromEnv = env.KUBECONFIG?.split(delimiter).find((p) => p.trim() !== '');
  const path = flags.kubeconfig ? resolve(cwd, flags.kubeconfig) : fromEnv ? resolve(cwd, fromEnv) : undefined;
  const opts: { kubeconfigPath?: string; context?: string } = {};
  if (path) opts.kubeconfigPath = path;
  if (flags.context) opts.context = flags.context;
  return createKubeCluster(opts);
}
