import { shortHash } from '../util/hash.js';

/**
 * DNS-1123 label from parts: lowercase, [a-z0-9-], at most `max` characters. When the joined
 * name is too long (or had to be changed), it is truncated and a stable hash suffix keeps it unique.
 */
export function dnsLabel(parts: readonly string[], max = 63): string {
  const raw = parts.join('-');
  // runs of '-' are kept: intent ids double the '-' of the intent name (see intentKey)
  const cleaned = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (cleaned.length <= max && cleaned === raw) return cleaned;
  if (cleaned.length <= max) return cleaned || `x-${shortHash(raw)}`;
  const suffix = shortHash(raw);
  const head = cleaned.slice(0, max - suffix.length - 1).replace(/-+$/, '');
  return `${head}-${suffix}`;
}

/**
 * `<tenant>-<name>` with every '-' of the intent name doubled: injective by construction, so
 * tenant `a-b`/intent `c` (`a-b-c`) and tenant `a`/intent `b-c` (`a-b--c`) never share an id,
 * namespace or object name. Decoding: the name's runs of '-' all have even length, and the tenant
 * ends and the name starts with a letter or digit, so the last run of odd length (exactly one '-')
 * is the separator. Names without '-' keep the seeds' `<tenant>-<name>` shape.
 */
export function intentKey(tenant: string, name: string): string {
  return `${tenant}-${name.replaceAll('-', '--')}`;
}

/** The intent id: intentKey (at most 57 characters for a valid intent, see the name check). */
export function intentId(tenant: string, name: string): string {
  return dnsLabel([intentKey(tenant, name)]);
}

/** The id FLARE used before ids were injective (`<tenant>-<name>`): recognised in old status files. */
export function legacyIntentId(tenant: string, name: string): string {
  return `${tenant}-${name}`;
}

/** `flare-<intent id>`: the intent's workload namespace (`flare-<tenant>-<name>` as in the seeds when the name has no '-'). */
export function intentNamespace(tenant: string, name: string): string {
  return dnsLabel(['flare', intentKey(tenant, name)]);
}

/** `flare-<intent-id>`, plus the location for multi-region placements. */
export function solverName(id: string, location?: string): string {
  return dnsLabel(location ? ['flare', id, location] : ['flare', id]);
}

/** One Reservation per placement attempt: the name makes re-applying idempotent across restarts. */
export function reservationName(id: string, attempt: number, location?: string): string {
  return dnsLabel(location ? ['flare', id, location, `a${attempt}`] : ['flare', id, `a${attempt}`]);
}

export function allocationName(id: string, attempt: number, location?: string): string {
  return reservationName(id, attempt, location);
}

export const MANAGED_BY = { key: 'app.kubernetes.io/managed-by', value: 'flare' } as const;
export const LABEL_INTENT = 'flare.io/intent-id';
export const LABEL_TENANT = 'flare.io/tenant';
export const LABEL_CAPSULE_TENANT = 'capsule.clastix.io/tenant';
