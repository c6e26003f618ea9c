import { OBJECTIVES } from './model.js';
import { API_TOP_FIELDS, API_VERSION, ARCHITECTURES, BATCH_FIELDS, COMMUNICATION_PATTERNS, COMPLETION_POLICIES, CONSTRAINT_ALIASES, CONSTRAINT_FIELDS, CONTAINER_FIELDS, CONTAINER_RESOURCES_FIELDS, DEPLOYMENT_STRATEGIES, ENVELOPE_FIELDS, GPU_ALIASES, GPU_FIELDS, INTERCONNECTS, METADATA_FIELDS, ONE_CALL_TOP_FIELDS, PORT_FIELDS, PROTOCOLS, REQUIREMENTS_FIELDS, RESOURCES_FIELDS, SCALING_FIELDS, SECRET_FIELDS, SELECTION_MODES, STORAGE_FIELDS, TIERS, TOPOLOGIES, VOLUME_FIELDS, VOLUME_SOURCE_FIELDS, VOLUME_SOURCE_TYPES, VOLUME_TYPES, WORKLOAD_ALIASES, WORKLOAD_FIELDS, WORKLOAD_TYPES, BODY_FIELDS, RESERVED_LABEL_PREFIXES } from './fields.js';
import { COMPUTE_CAPABILITY_RE, DNS_LABEL_RE, DNS_SUBDOMAIN_RE, ENV_NAME_RE, GPU_MODEL_RE, HOSTNAME_RE, IMAGE_RE, REGION_RE, RFC3339_RE, SECRET_NAME_RE, LABEL_KEY_RE, LABEL_VALUE_RE } from '../doc/patterns.js';
import { CONSTRAINT_OBJECT_TABLES, SLA_TABLE } from './read-constraints.js';
import { enumSchema, tableSchema, type JsonSchema } from '../doc/read-helpers.js';

/*
 * schemas/intent.json, generated from the tables the readers validate with: the field lists and
 * patterns of fields.ts and the reader tables of the nested constraint objects. `npm run schemas`
 * writes it; test/intent/schema.test.ts fails when the file and this generator drift apart and
 * checks that the schema and `flare validate` accept and reject the same documents.
 *
 * What a JSON Schema cannot say is left to `flare validate`: anything that depends on flare.yaml
 * (location catalog, currency), on other files (tenant quotas, duplicate names, namespace length
 * with the tenant), or on two fields at once (min ≤ max, batch block on a service).
 */

const ref = (name: string): JsonSchema => ({ $ref: `#/definitions/${name}` });
const str = (re: RegExp, extra: JsonSchema = {}): JsonSchema => ({ type: 'string', pattern: re.source, ...extra });
const int = (minimum?: number, maximum?: number): JsonSchema => ({
  type: 'integer',
  ...(minimum !== undefined ? { minimum } : {}),
  ...(maximum !== undefined ? { maximum } : {}),
});
const describe = (s: JsonSchema, description: string): JsonSchema => ({ ...s, description });

/**
 * An object of exactly `fields` (each listed field must have a schema; an alias is accepted as
 * another spelling, never together with its canonical name).
 */
function object(
  fields: readonly string[],
  props: Record<string, JsonSchema>,
  opts: { required?: string[]; aliases?: Record<string, string>; exclusive?: [string, string][]; rules?: JsonSchema[]; description?: string } = {},
): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const f of fields) {
    const p = props[f];
    if (!p) throw new Error(`schema: no schema for field ${f}`);
    properties[f] = p;
  }
  const extra = Object.keys(props).filter((k) => !fields.includes(k));
  if (extra.length) throw new Error(`schema: ${extra.join(', ')} not in the field table`);
  const out: JsonSchema = { type: 'object', additionalProperties: false, properties };
  const nots: JsonSchema[] = [];
  for (const [alias, canonical] of Object.entries(opts.aliases ?? {})) {
    properties[alias] = { ...properties[canonical]!, description: `alias of ${canonical}` };
    nots.push({ required: [alias, canonical] });
  }
  for (const pair of opts.exclusive ?? []) nots.push({ required: pair });
  if (opts.required?.length) out.required = opts.required;
  const all = [...nots.map((n) => ({ not: n })), ...(opts.rules ?? [])];
  if (all.length === 1 && nots.length === 1) out.not = nots[0];
  else if (all.length) out.allOf = all;
  if (opts.description) out.description = opts.description;
  return out;
}

const QUANTITY = {
  description: 'Kubernetes quantity, e.g. "8", "500m", "32Gi"',
  oneOf: [
    { type: 'string', pattern: '^\\s*[+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?\\s*$' },
    { type: 'number', minimum: 0 },
  ],
};

const MONEY = {
  description:
    'Money in the federation currency (flare.yaml currency, EUR by default): "5 EUR", "2.50 EUR", a bare number; "25 EUR/hour" is an hourly amount',
  oneOf: [{ type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*([A-Za-z]{3})?\\s*(/\\s*(h|hr|hour))?\\s*$' }, { type: 'number', exclusiveMinimum: 0 }],
};

const DURATION = {
  description: 'Duration: 30s, 15m, 2h, 1h30m, 1d (a bare number is seconds)',
  oneOf: [{ type: 'string', pattern: '^(\\d+(\\.\\d+)?(ms|d|h|m|s))+$' }, { type: 'number', minimum: 0 }],
};

const LATENCY = { oneOf: [int(1), { type: 'string', pattern: '^(\\d+(\\.\\d+)?(ms|d|h|m|s))+$' }] };

/** A location of flare.yaml's catalog (any letter case) or a lowercase region: the catalog is per repo. */
const LOCATION = { type: 'string', minLength: 1, maxLength: 128 };

const DNS_LABEL = { type: 'string', description: "DNS-1123 label: lowercase letters, digits and '-', at most 63 characters", pattern: DNS_LABEL_RE.source, maxLength: 63 };

/** `KEY=value` on one line, never a credential-looking variable with a literal value (use secrets). */
const ENV_ITEM = {
  oneOf: [
    {
      type: 'string',
      pattern: `^[A-Z_][A-Z0-9_]*=[^\\r\\n]*$`,
      not: { pattern: `^(?=[A-Z_][A-Z0-9_]*=)[A-Z0-9_]*${SECRET_NAME_RE.source.replace(/\$$/, '')}=(?!$|\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}$)` },
    },
    {
      type: 'object',
      additionalProperties: false,
      properties: { name: str(ENV_NAME_RE, { maxLength: 256 }), value: { type: ['string', 'number', 'boolean'] } },
      required: ['name'],
    },
  ],
};

function gpuSchema(): JsonSchema {
  return object(
    GPU_FIELDS,
    {
      model: describe({ type: 'string', pattern: `^(${GPU_MODEL_RE.source.replace(/^\^|\$$/g, '')}|[Aa][Nn][Yy])$` }, 'vendor-prefixed lowercase model (nvidia-h100, amd-mi300x, …) or any'),
      count: describe({ ...int(1), default: 1 }, 'GPUs per replica'),
      memory_min: describe(ref('quantity'), 'per-GPU memory, at least'),
      memory_max: ref('quantity'),
      cores_min: int(1),
      cores_max: int(1),
      clock_speed_min: ref('quantity'),
      compute_capability: { type: ['string', 'number'], pattern: COMPUTE_CAPABILITY_RE.source },
      architecture: enumSchema(ARCHITECTURES, true),
      tier: enumSchema(TIERS, true),
      interconnect: enumSchema(INTERCONNECTS, true),
      topology: enumSchema(TOPOLOGIES, true),
      shared: { type: 'boolean' },
      interruptible: { type: 'boolean' },
      multi_instance: { type: 'boolean' },
      dedicated: { type: 'boolean' },
      fp32_tflops: { type: 'number', minimum: 0 },
      multi_gpu_efficiency: { type: 'number', minimum: 0, maximum: 1 },
    },
    { aliases: GPU_ALIASES },
  );
}

function batchSchema(): JsonSchema {
  return object(BATCH_FIELDS, {
    parallel_tasks: int(1, 100_000),
    max_retries: int(0, 1000),
    timeout: ref('duration'),
    completion_policy: enumSchema(COMPLETION_POLICIES, true),
  });
}

function workloadSchema(): JsonSchema {
  const stringList = { type: 'array', items: { type: ['string', 'number', 'boolean'] } };
  const containerResources = object(CONTAINER_RESOURCES_FIELDS, {
    requests: { type: 'object', additionalProperties: ref('quantity') },
    limits: { type: 'object', additionalProperties: ref('quantity') },
  });
  const volume = object(
    VOLUME_FIELDS,
    {
      name: DNS_LABEL,
      size: ref('quantity'),
      type: enumSchema(VOLUME_TYPES),
      path: { type: 'string', pattern: '^/[^\\u0000]*$', maxLength: 1024, not: { pattern: '(^|/)\\.\\.(/|$)' } },
      source: object(
        VOLUME_SOURCE_FIELDS,
        {
          type: enumSchema(VOLUME_SOURCE_TYPES),
          uri: { type: 'string', pattern: '^(s3|gs|gcs|az|azure|abfss?|wasbs?|https?)://\\S+$', maxLength: 2048, not: { pattern: '^[a-z][a-z0-9+.-]*://[^/@]*:[^/@]*@' } },
          credentials: str(DNS_SUBDOMAIN_RE, { maxLength: 253, description: 'the name of an existing Secret' }),
        },
        { required: ['type', 'uri'] },
      ),
    },
    { required: ['name', 'size', 'type', 'path'] },
  );
  return object(
    WORKLOAD_FIELDS,
    {
      type: describe(enumSchema(WORKLOAD_TYPES, true), 'service/deployment → Deployment; batch/job → Job'),
      name: DNS_LABEL,
      image: str(IMAGE_RE, { maxLength: 512 }),
      commands: describe(
        { type: 'array', items: { type: ['string', 'number', 'boolean'] } },
        'one string with whitespace runs through /bin/sh -c; a list starting with "-" is args; else argv',
      ),
      env: { type: 'array', items: ENV_ITEM },
      ports: {
        type: 'array',
        maxItems: 100,
        items: object(
          PORT_FIELDS,
          {
            port: int(1, 65535),
            protocol: enumSchema(PROTOCOLS, true),
            expose: { type: 'boolean' },
            domain: str(HOSTNAME_RE, { maxLength: 253 }),
            tls: describe({ type: 'boolean' }, 'Serve the domain over TLS on the Ingress (certificate in the Secret <workload name>-tls)'),
          },
          { required: ['port'] },
        ),
      },
      resources: object(RESOURCES_FIELDS, { cpu: ref('quantity'), memory: ref('quantity'), gpu: ref('gpu') }),
      storage: object(STORAGE_FIELDS, { volumes: { type: 'array', maxItems: 100, items: volume } }),
      secrets: {
        type: 'array',
        maxItems: 100,
        items: object(SECRET_FIELDS, { name: str(DNS_SUBDOMAIN_RE, { maxLength: 253 }), env: str(ENV_NAME_RE) }, { required: ['name', 'env'] }),
      },
      deployment_strategy: enumSchema(DEPLOYMENT_STRATEGIES),
      communication_pattern: enumSchema(COMMUNICATION_PATTERNS),
      scaling: object(SCALING_FIELDS, {
        min_replicas: int(1, 1000),
        max_replicas: int(1, 1000),
        auto_scale: { type: 'boolean' },
        target_cpu_percent: int(1, 100),
        target_gpu_percent: int(1, 100),
      }),
      batch: ref('batch'),
      replicas: int(1),
      containers: {
        type: 'array',
        minItems: 1,
        items: object(
          CONTAINER_FIELDS,
          { name: DNS_LABEL, image: str(IMAGE_RE, { maxLength: 512 }), command: stringList, args: stringList, resources: containerResources },
          { required: ['name', 'image'] },
        ),
      },
    },
    {
      required: ['type'],
      aliases: WORKLOAD_ALIASES,
      rules: [
        // one container from image (+ commands), or containers[] of the one-call shape
        {
          oneOf: [
            { required: ['image'], not: { required: ['containers'] } },
            { required: ['containers'], not: { anyOf: [{ required: ['image'] }, { required: ['commands'] }] } },
          ],
        },
        // batch settings need a batch workload; replicas and scaling need a service
        {
          if: { required: ['type'], properties: { type: enumSchema(['service', 'deployment'], true) } },
          then: { not: { anyOf: [{ required: ['batch'] }, { required: ['job'] }] } },
          else: { not: { anyOf: [{ required: ['replicas'] }, { required: ['scaling'] }] } },
        },
      ],
    },
  );
}

function constraintsSchema(): JsonSchema {
  const t = CONSTRAINT_OBJECT_TABLES;
  return object(
    CONSTRAINT_FIELDS,
    {
      max_hourly_cost: describe(ref('money'), 'for the whole workload (all its GPUs), per hour'),
      max_total_cost: describe(ref('money'), 'over the expected runtime; "25 EUR/hour" is an hourly cap'),
      location: describe(LOCATION, 'a location of flare.yaml (EU, US, Asia, …, edge, any) or a region name'),
      regions: { type: 'array', minItems: 1, items: LOCATION, uniqueItems: true },
      availability_zone: str(REGION_RE),
      max_latency_ms: describe(LATENCY, 'milliseconds, or a duration such as "50ms"'),
      max_latency_between_regions: LATENCY,
      deadline: str(RFC3339_RE, { description: 'RFC 3339 timestamp' }),
      preemptible: { type: 'boolean' },
      providers: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' } },
      availability: tableSchema(t.availability),
      energy: tableSchema(t.energy),
      security: tableSchema(t.security),
      performance: tableSchema(t.performance),
      compliance: tableSchema(t.compliance),
      negotiation: tableSchema(t.negotiation),
    },
    { aliases: CONSTRAINT_ALIASES, exclusive: [['location', 'regions']] },
  );
}

function requirementsSchema(): JsonSchema {
  return object(REQUIREMENTS_FIELDS, {
    gpu: ref('gpu'),
    cpu: object(['cores'], { cores: ref('quantity') }, { required: ['cores'] }),
    memory: object(['size'], { size: ref('quantity') }, { required: ['size'] }),
  });
}

function bodyProps(): Record<string, JsonSchema> {
  return {
    objective: describe(enumSchema(OBJECTIVES), 'What the ranking optimizes'),
    workload: ref('workload'),
    requirements: ref('requirements'),
    constraints: ref('constraints'),
    sla: ref('sla'),
    selection: describe(enumSchema(SELECTION_MODES), 'Per-intent override of flare.yaml selection (FLARE GitOps extension)'),
  };
}

/** The JSON Schema of an intent file (all three shapes). */
function intentSchema(): JsonSchema {
  const body = object(BODY_FIELDS, bodyProps(), { required: ['objective'], description: 'The intent body' });
  const metadata = object(
    METADATA_FIELDS,
    {
      name: describe(DNS_LABEL, "The intent's name"),
      labels: {
        type: 'object',
        propertyNames: { pattern: LABEL_KEY_RE.source, maxLength: 317, not: { pattern: `^(${RESERVED_LABEL_PREFIXES.map((p) => p.replace(/[.]/g, '\\.')).join('|')})` } },
        additionalProperties: { type: ['string', 'number', 'boolean'], pattern: LABEL_VALUE_RE.source, maxLength: 63 },
      },
      annotations: { type: 'object', propertyNames: { pattern: LABEL_KEY_RE.source, maxLength: 317 }, additionalProperties: { type: ['string', 'number', 'boolean'] } },
    },
    { required: ['name'] },
  );
  const envelope = object(
    ENVELOPE_FIELDS,
    { apiVersion: { const: API_VERSION }, kind: { const: 'Intent' }, metadata, spec: ref('body') },
    { required: ['apiVersion', 'kind', 'metadata', 'spec'], description: 'Envelope shape (recommended on disk)' },
  );
  const api = object(
    API_TOP_FIELDS,
    { intent: { allOf: [ref('body'), { required: ['workload'], properties: { workload: { required: ['name'] } } }] }, selection: bodyProps().selection! },
    { required: ['intent'], description: 'API body shape (name = workload.name)' },
  );
  const oneCall = object(ONE_CALL_TOP_FIELDS, { name: describe(DNS_LABEL, "The intent's name"), ...bodyProps() }, { required: ['name', 'objective'], description: 'One-call shape of the GPU Pooling Guide' });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://flare.fluidos.eu/schemas/intent.json',
    title: 'FLARE intent',
    description: 'One intent file: intents/<tenant>/<name>.yaml. Generated from the readers of flare validate (src/intent/schema.ts); edit there.',
    definitions: {
      quantity: QUANTITY,
      money: MONEY,
      duration: DURATION,
      dnsLabel: DNS_LABEL,
      gpu: gpuSchema(),
      workload: workloadSchema(),
      batch: batchSchema(),
      constraints: constraintsSchema(),
      sla: tableSchema(SLA_TABLE),
      requirements: requirementsSchema(),
      body,
    },
    anyOf: [envelope, api, oneCall],
  };
}

/** The file text of schemas/intent.json. */
export function intentSchemaText(): string {
  return JSON.stringify(intentSchema(), null, 2) + '\n';
}
