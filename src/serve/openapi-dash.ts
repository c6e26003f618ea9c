/**
 * The OpenAPI paths and schemas of the dashboard's read-only views (dash-routes.ts), merged into
 * the document of openapi.ts. Like the rest of it, every listed status code is driven by
 * test/serve/openapi.test.ts.
 */

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json): Json => ({ 'application/json': { schema } });
const err = (description: string, codes: string[]): Json => ({ description: `${description} (error_code: ${codes.join(', ')})`, content: json(ref('Error')) });

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9-]{1,63}$' } };
const tenantParam = { name: 'tenant', in: 'query', required: false, schema: { type: 'string' }, description: 'Admin tokens only: one tenant.' };

const AUTH = {
  '401': err('Missing, invalid, expired or revoked token', ['AUTHENTICATION_FAILED', 'INVALID_TOKEN', 'TOKEN_EXPIRED', 'TOKEN_REVOKED']),
  '403': err('The token lacks the permission intents:read, or acts outside its tenant', ['INSUFFICIENT_PERMISSIONS']),
  '429': err('Per-token rate limit (Retry-After says when to retry)', ['RATE_LIMITED']),
};
const NOT_FOUND = { '404': err("No such intent in the caller's tenant", ['NOT_FOUND']) };

const terms = { type: 'object', required: ['cost', 'performance', 'latency', 'energy'], properties: { cost: { type: 'number' }, performance: { type: 'number' }, latency: { type: 'number' }, energy: { type: 'number' } } };

export const dashboardSchemas: Json = {
  DescribeReport: {
    description: '`flare describe` of one intent: spec, objective weights, phase and reason, placements (chosen offer with its score terms, runners-up, rejected offers with the constraint and reason), suggestions, cost, the newest 100 phase changes.',
    type: 'object',
    required: ['intent', 'tenant', 'name', 'file', 'spec', 'weights', 'phase', 'message', 'placements', 'suggestions', 'cost', 'history'],
    properties: {
      intent: { type: 'string' },
      tenant: { type: 'string' },
      name: { type: 'string' },
      file: { type: 'string' },
      spec: { type: 'object', properties: { objective: { type: 'string' }, selection: { type: 'string' }, workload: { type: 'string' }, gpu: { type: 'string' }, constraints: { type: 'array', items: { type: 'string' } } } },
      weights: terms,
      phase: { type: 'string' },
      message: { type: 'string' },
      warnings: { type: 'array', items: { type: 'string' } },
      placements: { type: 'array', items: { type: 'object' } },
      suggestions: { type: 'array', items: ref('Suggestion') },
      cost: ref('IntentCost'),
      history: { type: 'array', items: { type: 'object', required: ['time', 'phase', 'message'], properties: { time: { type: 'string' }, phase: { type: 'string' }, message: { type: 'string' } } } },
    },
  },
  HistoryEntry: {
    description: 'One status commit that changed the intent\'s status file (`flare history`).',
    type: 'object',
    required: ['commit', 'time', 'subject', 'phase', 'provider', 'hourly_cost', 'accrued', 'currency', 'reason'],
    properties: {
      commit: { type: 'string' },
      time: { type: 'string', format: 'date-time' },
      subject: { type: 'string' },
      phase: { type: 'string' },
      provider: { type: 'string' },
      hourly_cost: { type: 'number' },
      accrued: { type: 'number' },
      currency: { type: 'string' },
      reason: { type: 'string' },
      attempt: { type: 'integer' },
    },
  },
  IntentPlan: {
    description: '`flare plan` of one intent against the federation\'s offers now (its own holding given back): every offer with its normalized score terms (0-1, 1 best), rank and score, or the constraint that rejects it.',
    type: 'object',
    required: ['intent', 'tenant', 'name', 'objective', 'weights', 'gpus', 'currency', 'placements'],
    properties: {
      intent: { type: 'string' },
      tenant: { type: 'string' },
      name: { type: 'string' },
      objective: { type: 'string' },
      weights: terms,
      gpus: { type: 'integer' },
      currency: { type: 'string' },
      current_phase: { type: 'string' },
      placements: {
        type: 'array',
        items: {
          type: 'object',
          required: ['offers', 'fit', 'total', 'summary', 'change'],
          properties: {
            location: { type: 'string' },
            chosen: { type: 'string' },
            fit: { type: 'integer' },
            total: { type: 'integer' },
            summary: { type: 'string' },
            change: { type: 'object' },
            offers: {
              type: 'array',
              items: {
                type: 'object',
                required: ['candidate', 'provider', 'model', 'feasible', 'chosen'],
                properties: {
                  candidate: { type: 'string' },
                  provider: { type: 'string' },
                  model: { type: 'string' },
                  hourly_cost: { type: ['number', 'null'] },
                  feasible: { type: 'boolean' },
                  chosen: { type: 'boolean' },
                  rank: { type: 'integer' },
                  score: { type: 'number' },
                  terms,
                  rejected: { type: 'object', properties: { constraint: { type: 'string' }, reason: { type: 'string' } } },
                },
              },
            },
          },
        },
      },
    },
  },
  IntentCost: {
    type: 'object',
    required: ['id', 'tenant', 'name', 'phase', 'provider', 'currency', 'hourly', 'burn', 'accrued'],
    properties: {
      id: { type: 'string' },
      tenant: { type: 'string' },
      name: { type: 'string' },
      phase: { type: 'string' },
      provider: { type: 'string' },
      currency: { type: 'string' },
      hourly: { type: 'number' },
      burn: { type: 'number' },
      accrued: { type: 'number' },
      since: { type: 'string' },
      max_hourly_cost: { type: 'number' },
      max_total_cost: { type: 'number' },
      budget_left: { type: 'number' },
    },
  },
  CostReport: {
    description: '`flare cost`: cost per intent, and per tenant the burn, accrued cost, GPUs in use and what is left of the quotas.',
    type: 'object',
    required: ['currency', 'intents', 'tenants', 'total'],
    properties: {
      currency: { type: 'string' },
      intents: { type: 'array', items: ref('IntentCost') },
      tenants: {
        type: 'array',
        items: {
          type: 'object',
          required: ['tenant', 'intents', 'burn', 'accrued', 'held_hourly', 'gpus_in_use'],
          properties: {
            tenant: { type: 'string' },
            intents: { type: 'integer' },
            burn: { type: 'number' },
            accrued: { type: 'number' },
            held_hourly: { type: 'number' },
            gpus_in_use: { type: 'integer' },
            quota_gpus: { type: 'integer' },
            quota_max_hourly_cost: { type: 'number' },
            quota_left: { type: 'number' },
          },
        },
      },
      total: { type: 'object', required: ['burn', 'accrued'], properties: { burn: { type: 'number' }, accrued: { type: 'number' } } },
    },
  },
};

export function dashboardPaths(secured: unknown): Json {
  return {
    '/api/v1/intents/{id}/describe': {
      get: {
        summary: 'Everything known of one intent (`flare describe`)',
        security: secured,
        parameters: [idParam],
        responses: { '200': { description: 'The report', content: json(ref('DescribeReport')) }, ...AUTH, ...NOT_FOUND },
      },
    },
    '/api/v1/intents/{id}/history': {
      get: {
        summary: "The timeline of the intent's status commits (`flare history`), oldest first",
        security: secured,
        parameters: [idParam],
        responses: {
          '200': { description: 'Status commits', content: json({ type: 'object', required: ['intent', 'file', 'entries'], properties: { intent: { type: 'string' }, file: { type: 'string' }, entries: { type: 'array', items: ref('HistoryEntry') } } }) },
          ...AUTH,
          ...NOT_FOUND,
        },
      },
    },
    '/api/v1/intents/{id}/plan': {
      get: {
        summary: 'How the ranker scores the federation\'s offers for the intent now (`flare plan`)',
        security: secured,
        parameters: [idParam],
        responses: {
          '200': { description: 'The plan', content: json(ref('IntentPlan')) },
          ...AUTH,
          ...NOT_FOUND,
          '503': err('No cluster configured (--kubeconfig)', ['UPSTREAM_UNAVAILABLE']),
        },
      },
    },
    '/api/v1/cost': {
      get: {
        summary: 'Cost per intent and tenant, quota usage (`flare cost`)',
        security: secured,
        parameters: [tenantParam],
        responses: { '200': { description: 'The cost report', content: json(ref('CostReport')) }, ...AUTH },
      },
    },
  };
}
