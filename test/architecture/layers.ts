import type { Layer } from '../support/import-graph.js';

/**
 * The layers of src/, lowest first: a file may import its own layer or a lower one, never a higher
 * one. docs/architecture.md explains each row; keep the two in step.
 */
export const LAYERS: readonly Layer[] = [
  { name: 'base', modules: ['util', 'diagnostics.ts', 'errors.ts'] },
  { name: 'toolkit', modules: ['doc', 'gpu', 'k8s', 'fluidos'] },
  { name: 'adapters', modules: ['cluster', 'git', 'files'] },
  { name: 'intent', modules: ['intent', 'config'] },
  { name: 'select', modules: ['select'] },
  { name: 'status', modules: ['status'] },
  { name: 'repo', modules: ['repo'] },
  { name: 'render', modules: ['render'] },
  { name: 'reconcile', modules: ['reconcile', 'notify'] },
  { name: 'tools', modules: ['views', 'plan', 'guard', 'provider'] },
  // ui/: the dashboard that serve/ serves.
  { name: 'shells', modules: ['cli', 'serve', 'ui', 'demo', 'init', 'argocd', 'sandbox', 'bench'] },
];
