import { ERROR_STATUS } from './api-error.js';
import { dashboardPaths, dashboardSchemas } from './openapi-dash.js';
import { PERMISSIONS } from './tokens.js';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json): Json => ({ 'application/json': { schema } });

function errorResponse(description: string, codes: string[]): Json {
  return { description: `${description} (error_code: ${codes.join(', ')})`, content: json(ref('Error')) };
}

const AUTH_ERRORS = {
  '401': errorResponse('Missing, invalid, expired or revoked token', ['AUTHENTICATION_FAILED', 'INVALID_TOKEN', 'TOKEN_EXPIRED', 'TOKEN_REVOKED']),
  '403': errorResponse('The token lacks the permission, or acts outside its tenant', ['INSUFFICIENT_PERMISSIONS']),
  '429': errorResponse('Per-token rate limit (Retry-After says when to retry)', ['RATE_LIMITED']),
};

const tenantParam = { name: 'tenant', in: 'query', required: false, schema: { type: 'string' }, description: 'Admin tokens only: the tenant to act on (required for an admin POST).' };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9-]{1,63}$' } };

/**
 * The OpenAPI 3.1 document of `flare serve`. Every route and status code listed here is one the
 * server answers with (test/serve/openapi.test.ts drives each of them).
 */
export function openApiDocument(): Json {
  const secured = [{ bearer: [] }];
  return withNotModified({
    openapi: '3.1.0',
    info: {
      title: 'FLARE API',
      version: '1.0.0',
      description:
        'Submit GPU workload intents and read their status. A POST is a commit of intents/<tenant>/<name>.yaml to the Git repository; reads come from the status files the reconciler commits.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: `Token permissions: ${PERMISSIONS.join(', ')}` } },
      schemas: {
        Error: {
          type: 'object',
          required: ['status', 'error_code', 'message', 'suggestions'],
          properties: {
            status: { type: 'integer' },
            error_code: { type: 'string', enum: Object.keys(ERROR_STATUS) },
            message: { type: 'string' },
            suggestions: { type: 'array', items: ref('Suggestion') },
            errors: {
              type: 'array',
              description: 'Field-level problems with the compiler\'s dotted paths (relative to the intent body).',
              items: { type: 'object', required: ['path', 'message', 'code'], properties: { path: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' }, code: { type: 'string' } } },
            },
          },
        },
        Suggestion: {
          type: 'object',
          required: ['alternative', 'cost_difference', 'performance_impact'],
          properties: {
            alternative: { type: 'string' },
            cost_difference: { type: 'string' },
            performance_impact: { type: 'string' },
            change: { type: 'object', properties: { path: { type: 'string' }, value: {} } },
          },
        },
        IntentRequest: {
          description: 'One of the three accepted shapes: the API body {intent: {...}}, the envelope (apiVersion, kind: Intent, metadata, spec) or the one-call body {name, objective, requirements, workload}. Validated by the FLARE compiler.',
          type: 'object',
        },
        IntentAccepted: {
          type: 'object',
          required: ['intent_id', 'status', 'message', 'estimated_cost'],
          properties: {
            intent_id: { type: 'string' },
            status: { const: 'pending' },
            message: { type: 'string' },
            estimated_cost: { type: ['string', 'null'], description: 'EUR/h range over the offers feasible now, e.g. "0.45-0.65 EUR/hour"; null without a cluster.' },
            cost_estimate: { type: ['object', 'null'], properties: { min: { type: 'number' }, max: { type: 'number' }, currency: { type: 'string' }, feasible_offers: { type: 'integer' } } },
            tenant: { type: 'string' },
            name: { type: 'string' },
            file: { type: 'string' },
            commit: { type: ['string', 'null'] },
            warnings: { type: 'array', items: { type: 'string' } },
          },
        },
        IntentSummary: {
          type: 'object',
          properties: { intent_id: { type: 'string' }, tenant: { type: 'string' }, name: { type: 'string' }, status: { type: 'string' }, phase: { type: 'string' }, provider: { type: ['string', 'null'] }, hourly_cost: { type: ['number', 'null'] },
            gpu: { type: 'object', description: 'GPUs per placement: the placed model, else the requested one (null: any)', properties: { count: { type: 'integer' }, model: { type: ['string', 'null'] } } },
            first_seen: { type: ['string', 'null'], format: 'date-time', description: 'When the reconciler first recorded the intent (the oldest status history entry kept)' } },
        },
        IntentDetail: {
          type: 'object',
          properties: {
            intent_id: { type: 'string' },
            tenant: { type: 'string' },
            name: { type: 'string' },
            status: { type: 'string' },
            phase: { type: 'string' },
            message: { type: 'string' },
            allocation: { type: ['object', 'null'] },
            workload: { type: ['object', 'null'] },
            endpoint: { type: ['string', 'null'] },
            cost: { type: 'object', properties: { hourly: { type: ['number', 'null'] }, accrued: { type: 'number' }, currency: { type: 'string' } } },
            placements: { type: 'array', items: { type: 'object', description: 'chosen offer, runners_up and rejected offers with the constraint that rejected each' } },
            suggestions: { type: 'array', items: ref('Suggestion') },
            history: { type: 'array', items: { type: 'object' } },
          },
        },
        Resource: {
          type: 'object',
          properties: {
            model: { type: 'string' },
            count: { type: 'integer' },
            memory: { type: ['string', 'null'] },
            memory_gi: { type: ['number', 'null'] },
            location: { type: ['string', 'null'] },
            zone: { type: ['string', 'null'] },
            cost_per_hour: { type: ['number', 'null'] },
            currency: { type: 'string' },
            provider: { type: 'string' },
            available: { type: 'boolean' },
            latency_ms: { type: ['number', 'null'] },
          },
        },
        TokenRequest: {
          type: 'object',
          additionalProperties: false,
          properties: {
            tenant: { type: ['string', 'null'] },
            owner: { type: 'string', description: 'One of the tenant\'s owners (tenants/<tenant>.yaml); the author of the commits the token makes.' },
            permissions: { type: 'array', items: { type: 'string', enum: [...PERMISSIONS] } },
            expires_in_days: { type: 'number', default: 90, maximum: 3650 },
            description: { type: 'string' },
          },
        },
        ...dashboardSchemas,
        TokenInfo: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            tenant: { type: ['string', 'null'] },
            owner: { type: 'string' },
            permissions: { type: 'array', items: { type: 'string' } },
            created_at: { type: 'string', format: 'date-time' },
            expires_at: { type: ['string', 'null'], format: 'date-time' },
            revoked_at: { type: 'string', format: 'date-time' },
            description: { type: 'string' },
            created_by: { type: 'string' },
          },
        },
      },
    },
    paths: {
      '/api/v1/openapi.json': {
        get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1 document', content: json({ type: 'object' }) } } },
      },
      '/api/v1/intents': {
        post: {
          summary: 'Submit an intent (committed to the repository)',
          security: secured,
          parameters: [tenantParam],
          requestBody: { required: true, content: json(ref('IntentRequest')) },
          responses: {
            '201': { description: 'Committed and pushed; the reconciler will place it', content: json(ref('IntentAccepted')) },
            '400': errorResponse('Malformed JSON or an invalid intent, with the compiler\'s field paths', ['INVALID_FORMAT', 'MISSING_REQUIRED_FIELD']),
            ...AUTH_ERRORS,
            '402': errorResponse('Every offer feasible otherwise is over the budget', ['COST_LIMIT_EXCEEDED']),
            '404': errorResponse('The tenant is not defined in the repository', ['NOT_FOUND']),
            '409': errorResponse('Nothing in the federation satisfies the intent now (with relaxations), or the name is taken', [
              'INSUFFICIENT_RESOURCES',
              'GPU_MODEL_UNAVAILABLE',
              'GPU_MEMORY_INSUFFICIENT',
              'GPU_COUNT_INSUFFICIENT',
              'REGION_UNAVAILABLE',
              'INTENT_EXISTS',
            ]),
            '413': errorResponse('Request body over the limit', ['PAYLOAD_TOO_LARGE']),
            '415': errorResponse('Content-Type is not application/json', ['UNSUPPORTED_MEDIA_TYPE']),
            '429': errorResponse('Tenant quota exceeded, or the per-token rate limit', ['QUOTA_EXCEEDED', 'RATE_LIMITED']),
            '503': errorResponse('The Git remote did not accept the commit; retry', ['UPSTREAM_UNAVAILABLE']),
          },
        },
        get: {
          summary: "List the caller's intents (admin: all, or ?tenant=)",
          security: secured,
          parameters: [tenantParam],
          responses: {
            '200': { description: 'Intents with their phase', content: json({ type: 'object', properties: { intents: { type: 'array', items: ref('IntentSummary') }, total: { type: 'integer' } } }) },
            ...AUTH_ERRORS,
          },
        },
      },
      '/api/v1/intents/{id}': {
        get: {
          summary: 'An intent with its status, allocation, workload, endpoint, cost and choice',
          security: secured,
          parameters: [idParam],
          responses: {
            '200': { description: 'The intent', content: json(ref('IntentDetail')) },
            ...AUTH_ERRORS,
            '404': errorResponse('No such intent in the caller\'s tenant', ['NOT_FOUND']),
          },
        },
        delete: {
          summary: 'Delete an intent (commits the removal; the reconciler releases everything)',
          security: secured,
          parameters: [idParam],
          responses: {
            '202': { description: 'Removal committed', content: json({ type: 'object', properties: { intent_id: { type: 'string' }, status: { const: 'deleting' }, message: { type: 'string' }, commit: { type: ['string', 'null'] } } }) },
            ...AUTH_ERRORS,
            '404': errorResponse('No such intent in the caller\'s tenant', ['NOT_FOUND']),
            '503': errorResponse('The Git remote did not accept the commit; retry', ['UPSTREAM_UNAVAILABLE']),
          },
        },
      },
      '/api/v1/resources': {
        get: {
          summary: "The federation's GPUs",
          security: secured,
          parameters: [
            { name: 'model', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'location', in: 'query', required: false, schema: { type: 'string' } },
          ],
          responses: {
            '200': { description: 'GPU offers', content: json({ type: 'object', properties: { resources: { type: 'array', items: ref('Resource') }, total: { type: 'integer' } } }) },
            ...AUTH_ERRORS,
            '503': errorResponse('No cluster configured (--kubeconfig)', ['UPSTREAM_UNAVAILABLE']),
          },
        },
      },
      '/api/v1/auth/tokens': {
        post: {
          summary: 'Issue a token (shown once)',
          security: secured,
          requestBody: { required: true, content: json(ref('TokenRequest')) },
          responses: {
            '201': { description: 'The token; its value is never shown again', content: json({ allOf: [ref('TokenInfo'), { type: 'object', properties: { token: { type: 'string' } } }] }) },
            '400': errorResponse('Invalid request', ['INVALID_FORMAT', 'MISSING_REQUIRED_FIELD']),
            ...AUTH_ERRORS,
            '404': errorResponse('Unknown tenant', ['NOT_FOUND']),
            '413': errorResponse('Request body over the limit', ['PAYLOAD_TOO_LARGE']),
            '415': errorResponse('Content-Type is not application/json', ['UNSUPPORTED_MEDIA_TYPE']),
          },
        },
        get: {
          summary: "List tokens (the caller's tenant; admin: all or ?tenant=); never their values",
          security: secured,
          parameters: [tenantParam],
          responses: {
            '200': { description: 'Tokens', content: json({ type: 'object', properties: { tokens: { type: 'array', items: ref('TokenInfo') }, total: { type: 'integer' } } }) },
            ...AUTH_ERRORS,
          },
        },
      },
      '/api/v1/auth/tokens/{id}': {
        delete: {
          summary: 'Revoke a token',
          security: secured,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{16}$' } }],
          responses: {
            '200': { description: 'Revoked', content: json(ref('TokenInfo')) },
            ...AUTH_ERRORS,
            '404': errorResponse('No such token in the caller\'s tenant', ['NOT_FOUND']),
          },
        },
      },
      '/api/v1/auth/verify': {
        get: {
          summary: 'Check the calling token',
          security: secured,
          responses: {
            '200': {
              description: 'The token is valid',
              content: json({ type: 'object', properties: { valid: { const: true }, token_id: { type: 'string' }, tenant: { type: ['string', 'null'] }, owner: { type: 'string' }, permissions: { type: 'array', items: { type: 'string' } }, expires_at: { type: ['string', 'null'] } } }),
            },
            '401': AUTH_ERRORS['401'],
            '429': AUTH_ERRORS['429'],
          },
        },
      },
      ...dashboardPaths(secured),
    },
  });
}

/** Every authenticated GET answers 200 with an ETag, and 304 to an If-None-Match naming it. */
function withNotModified(doc: Json): Json {
  for (const ops of Object.values(doc.paths as Record<string, Record<string, Json>>)) {
    const get = ops.get;
    if (get?.security) get.responses = { ...(get.responses as Json), '304': { description: 'Unchanged since the ETag sent in If-None-Match (no body)' } };
  }
  return doc;
}
