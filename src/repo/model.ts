import type { Diagnostic } from '../diagnostics.js';
import type { FlareConfig, Tenant } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import type { IntentStatus } from '../status/model.js';

/** A file of the repo as text: the input of every pure parser. */
export interface SourceFile {
  /** Repo-relative, forward slashes. */
  path: string;
  text: string;
}

/** Everything `flare validate` / `flare render` / the reconciler know of a FLARE repo. */
export interface RepoModel {
  config: FlareConfig;
  tenants: Tenant[];
  intents: Intent[];
  /** Keyed by intent id. */
  statuses: Map<string, IntentStatus>;
  diagnostics: Diagnostic[];
}
