import type { Diagnostic } from '../diagnostics.js';
import { intentNamespace, legacyIntentId } from '../k8s/names.js';
import type { IntentStatus } from './model.js';

/**
 * A status written before intent ids were injective carries `intent_id: <tenant>-<name>`, which
 * differs from today's id when the intent name contains '-'. It is not an error the user must fix
 * by hand: the intent is placed again under its new names (the reconciler prunes the objects of
 * the old id and rewrites the file), and this warning says exactly that.
 */
export function legacyStatus(s: IntentStatus, tenant: string, name: string, id: string, file = `status/${tenant}/${name}.yaml`): Diagnostic | undefined {
  const old = legacyIntentId(tenant, name);
  if (old === id || s.intent_id !== old || s.tenant !== tenant || s.name !== name) return undefined;
  return {
    severity: 'warning',
    file,
    line: 0,
    column: 0,
    path: 'status.intent_id',
    code: 'legacy-intent-id',
    message: `written by an older FLARE for intent id ${old}; this intent is now ${id} (namespace ${intentNamespace(tenant, name)}, Solver flare-${id}), so the status is not used: the reconciler places the intent again under the new names, removes the objects of ${old} and rewrites this file`,
    hint: 'nothing to rename or edit: the move is automatic (the workload is placed again once, under the new namespace); see README "Names"',
  };
}
