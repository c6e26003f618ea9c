import type { Diagnostic } from '../diagnostics.js';
import type { FlareConfig, Tenant } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import type { IntentStatus } from '../status/model.js';

/** Everything `flare validate` / `flare render` / the reconciler know of a FLARE repo. */
export interface RepoModel {
  config: FlareConfig;
  tenants: Tenant[];
  intents: Intent[];
  /** Keyed by intent id. */
  statuses: Map<string, IntentStatus>;
  diagnostics: Diagnostic[];
}
