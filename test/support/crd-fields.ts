/**
 * Fields a structural CRD schema would silently prune: every key must be declared somewhere
 * (or sit under x-kubernetes-preserve-unknown-fields). ajv alone accepts them, the API server drops them.
 */
export function unknownFields(value: unknown, schema: any, at: string, out: string[]): void {
  if (!schema || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => unknownFields(v, schema.items, `${at}[${i}]`, out));
    return;
  }
  if (schema['x-kubernetes-preserve-unknown-fields']) return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (!sub) {
      if (schema.properties) out.push(`${at}.${k}`);
      continue;
    }
    unknownFields(v, sub, `${at}.${k}`, out);
  }
}
