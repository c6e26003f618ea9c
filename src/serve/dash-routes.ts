import type { GitRepo } from '../git/types.js';
import type { Intent } from '../intent/model.js';
import { candidatesFromFlavors, planIntents } from '../plan/plan.js';
import { statusPath } from '../reconcile/cycle.js';
import { costReport } from '../status/cost.js';
import { describeIntent } from '../views/describe.js';
import { statusHistory } from '../views/history.js';
import { ApiError } from './api-error.js';
import type { IntentService } from './intents.js';
import { tenantScope, type RequestContext, type Route } from './route.js';
import { isAdmin } from './tokens.js';

/**
 * The read-only views the dashboard shows, as API routes: `flare describe`, `history`, `plan`
 * and `cost` over the server's snapshot of the repo. Each reuses the CLI's pure function, so the
 * page and the terminal cannot disagree. Documented in openapi-dash.ts.
 */
export function dashboardRoutes(d: { intents: IntentService; repo: GitRepo; now: () => Date }): Route[] {
  const { intents, repo, now } = d;
  const visible = (c: RequestContext): Intent => {
    const i = intents.find(c.params[0]!, isAdmin(c.principal) ? null : c.principal.tenant);
    if (!i) throw new ApiError('NOT_FOUND', `intent ${c.params[0]} not found`);
    return i;
  };
  return [
    {
      method: 'GET',
      pattern: /^\/api\/v1\/intents\/([a-z0-9-]{1,63})\/describe$/,
      template: '/api/v1/intents/{id}/describe',
      auth: 'intents:read',
      async handler(c) {
        const i = visible(c);
        const m = intents.snapshot.model;
        const tenant = m.tenants.find((t) => t.name === i.tenant);
        const status = m.statuses.get(i.id);
        const report = describeIntent({ intent: i, config: m.config, now: now(), historyLimit: 100, ...(status ? { status } : {}), ...(tenant ? { tenant } : {}) });
        return { status: 200, body: report };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/intents\/([a-z0-9-]{1,63})\/history$/,
      template: '/api/v1/intents/{id}/history',
      auth: 'intents:read',
      async handler(c) {
        const i = visible(c);
        const snap = intents.snapshot;
        const file = statusPath(i.tenant, i.name);
        // At the snapshot's head, so the timeline matches the phase the other routes report.
        const entries = await statusHistory({ dir: repo.dir, filepath: file, ref: snap.head }).catch((err: unknown) => {
          throw new ApiError('UPSTREAM_UNAVAILABLE', `cannot read the Git log of ${file}: ${String((err as Error)?.message ?? err).slice(0, 200)}`);
        });
        return { status: 200, body: { intent: i.id, file, entries } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/intents\/([a-z0-9-]{1,63})\/plan$/,
      template: '/api/v1/intents/{id}/plan',
      auth: 'intents:read',
      async handler(c) {
        const i = visible(c);
        const m = intents.snapshot.model;
        const flavors = await intents.flavors();
        // Only the tenant's intents take part in its quota; the others need not be planned.
        const plans = planIntents({
          intents: m.intents.filter((x) => x.tenant === i.tenant),
          config: m.config,
          tenants: m.tenants,
          statuses: m.statuses,
          candidates: candidatesFromFlavors(flavors),
          live: true,
        });
        return { status: 200, body: plans.find((p) => p.intent === i.id)! };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/cost$/,
      template: '/api/v1/cost',
      auth: 'intents:read',
      async handler(c) {
        const tenant = tenantScope(c.principal, c.url, false);
        const m = intents.snapshot.model;
        const report = costReport({ intents: m.intents, statuses: m.statuses, tenants: m.tenants, config: m.config, now: now(), ...(tenant !== null ? { tenant } : {}) });
        return { status: 200, body: report };
      },
    },
  ];
}
