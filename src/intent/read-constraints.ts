import { own } from '../util/own.js';
import type { FlareConfig } from '../config/model.js';
import type { Constraints, Sla } from './model.js';
import type { DocReader, Val } from '../doc/yaml-reader.js';
import { parseMoney } from '../doc/money.js';
import { parseDuration } from '../util/quantity.js';
import { hintFor } from '../util/did-you-mean.js';
import { isScalar } from 'yaml';
import { B, D, E, I, L, N, O, S, readFields, readRecord, withSchema } from '../doc/read-helpers.js';
import type { FieldReader } from '../doc/read-helpers.js';
import { CONSTRAINT_ALIASES, CONSTRAINT_FIELDS, DAYS_OF_WEEK, ENERGY_RATINGS, FALLBACK_STRATEGIES, FIREWALL_ACTIONS, MAINTENANCE_FREQUENCIES, NETWORK_ISOLATION, PROTOCOLS } from './fields.js';
import { BANDWIDTH_RE, CARBON_RE, CIDR_RE, DATE_RE, HHMM_RE, PERCENT_RE, REGION_RE, RFC3339_RE, TIMEZONE_RE } from '../doc/patterns.js';


export const NOT_ENFORCED = 'recorded, not enforced: FLUIDOS offers no filter or mechanism for it';

/** A money value in the config currency; an hourly spelling is reported through `perHour`. */
export function readMoney(r: DocReader, v: Val, config: FlareConfig): { amount: number; perHour: boolean } | undefined {
  const node = v.node;
  const raw = node && isScalar(node) ? node.value : undefined;
  const m = parseMoney(raw);
  if (!m) {
    r.error(v, 'bad-money', `${JSON.stringify(raw ?? null)} is not a money value`, `write an amount and the currency, e.g. "5 ${config.currency}" or "2.50 ${config.currency}"`);
    return undefined;
  }
  if (m.currency !== undefined && m.currency !== config.currency.toUpperCase()) {
    r.error(v, 'currency-mismatch', `currency ${m.currency} is not the federation's currency; expected ${config.currency}`, `write the amount in ${config.currency}, e.g. "${m.amount} ${config.currency}"`);
    return undefined;
  }
  if (m.amount <= 0) {
    r.error(v, 'out-of-range', 'must be greater than 0');
    return undefined;
  }
  return { amount: m.amount, perHour: m.perHour };
}

/** A location from the catalog (case-insensitive, canonical spelling returned) or a literal lowercase region. */
export function readLocation(r: DocReader, v: Val, config: FlareConfig, allowAny: boolean): string | null | undefined {
  const s = r.str(v, { max: 128 });
  if (s === undefined) return undefined;
  const names = Object.keys(config.locations);
  if (s.toLowerCase() === 'any') {
    if (allowAny) return null;
    r.error(v, 'bad-location', '"any" cannot be one of several regions', 'remove it, or use location: any instead of regions');
    return undefined;
  }
  const found = names.find((n) => n.toLowerCase() === s.toLowerCase());
  if (found) return found;
  if (REGION_RE.test(s)) return s;
  r.error(v, 'bad-location', `${JSON.stringify(s)} is neither a location of flare.yaml nor a region name`, hintFor(s, names) ?? `known locations: ${names.join(', ')}, any; or a lowercase region such as eu-west-1`);
  return undefined;
}

function readLatency(r: DocReader, v: Val): number | undefined {
  const node = v.node;
  if (node && isScalar(node) && typeof node.value === 'string') {
    const secs = parseDuration(node.value);
    if (secs === undefined || secs <= 0) {
      r.error(v, 'bad-duration', `${JSON.stringify(node.value)} is not a latency`, 'use milliseconds as a number (50) or a duration ("50ms")');
      return undefined;
    }
    return Math.round(secs * 1000);
  }
  return r.int(v, { min: 1 });
}

const HHMM = S(HHMM_RE, 'a time of day HH:MM (24h)', 'e.g. "02:00" or "18:30"');
const PERCENT_NUM = N(0, 100);
const RATIO = N(0, 1);

const MAINTENANCE_TIME = S(/^((Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?([01]\d|2[0-3]):[0-5]\d$/, 'a time HH:MM, optionally after a day (Sun 02:00)');

const AVAILABILITY: Record<string, FieldReader> = {
  window_start: HHMM,
  window_end: HHMM,
  timezone: S(TIMEZONE_RE, 'an IANA time zone', 'e.g. "Europe/Berlin" or "UTC"'),
  days_of_week: L(E(DAYS_OF_WEEK), { unique: true, min: 1 }),
  blackout_dates: L(
    withSchema(
      (r, v) => {
        const s = r.str(v, { coerce: true, pattern: DATE_RE, patternName: 'a date YYYY-MM-DD' });
        if (s !== undefined && Number.isNaN(Date.parse(`${s}T00:00:00Z`))) {
          r.error(v, 'bad-format', `${s} is not a calendar date`);
          return undefined;
        }
        return s;
      },
      { type: 'string', pattern: DATE_RE.source },
    ),
    { unique: true },
  ),
  maintenance_windows: L(O({ start: MAINTENANCE_TIME, end: MAINTENANCE_TIME, frequency: E(MAINTENANCE_FREQUENCIES) })),
};

const ENERGY: Record<string, FieldReader> = {
  max_carbon_footprint: S(CARBON_RE, 'a carbon rate', 'e.g. "50g CO2/h"'),
  renewable_energy_only: B,
  energy_efficiency_rating: E(ENERGY_RATINGS),
  power_usage_effectiveness: N(1, 10),
  green_certified_only: B,
};

const FIREWALL_RULE: Record<string, FieldReader> = {
  port: I(1, 65535),
  protocol: E(PROTOCOLS, true),
  source: S(CIDR_RE, 'a CIDR', 'e.g. "10.0.0.0/8" or "0.0.0.0/0"'),
  action: E(FIREWALL_ACTIONS),
};

const SECURITY: Record<string, FieldReader> = {
  network_isolation: E(NETWORK_ISOLATION),
  firewall_rules: L(O(FIREWALL_RULE)),
  vpn_access: B,
  bastion_host: B,
  intrusion_detection: B,
  vulnerability_scanning: B,
};

const PERFORMANCE: Record<string, FieldReader> = {
  min_network_bandwidth: S(BANDWIDTH_RE, 'a bandwidth', 'e.g. "10Gbps"'),
  max_jitter_ms: N(0),
  min_uptime_percent: PERCENT_NUM,
  max_cold_start_time: D,
  gpu_utilization_target: PERCENT_NUM,
  memory_utilization_target: PERCENT_NUM,
};

const COMPLIANCE: Record<string, FieldReader> = {
  data_residency: L(S(/^[A-Za-z0-9][A-Za-z0-9 _-]*$/, 'a location or country name'), { unique: true }),
  certifications: L(S(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'a certification name', 'e.g. ISO27001, SOC2'), { unique: true }),
  encryption_at_rest: B,
  encryption_in_transit: B,
  audit_logging: B,
  gdpr_compliant: B,
  hipaa_compliant: B,
};

const NEGOTIATION: Record<string, FieldReader> = {
  max_negotiation_rounds: I(1, 100),
  price_flexibility: RATIO,
  resource_flexibility: RATIO,
  timeout_seconds: I(1),
  fallback_strategy: E(FALLBACK_STRATEGIES),
  auto_accept_threshold: RATIO,
};

/** The tables of the nested constraint objects, for the generated JSON Schema. */
export const CONSTRAINT_OBJECT_TABLES: Readonly<Record<'availability' | 'energy' | 'security' | 'performance' | 'compliance' | 'negotiation', Record<string, FieldReader>>> = {
  availability: AVAILABILITY,
  energy: ENERGY,
  security: SECURITY,
  performance: PERFORMANCE,
  compliance: COMPLIANCE,
  negotiation: NEGOTIATION,
};

/** Security fields a NetworkPolicy expresses; the rest of `security` is recorded only. */
const ENFORCED_SECURITY = new Set(['network_isolation', 'firewall_rules']);

/** `*` matches any run of `[a-z0-9-]`, as in the location catalog. */
function regionMatches(pattern: string, region: string): boolean {
  const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[a-z0-9-]*') + '$');
  return re.test(region);
}

/**
 * True when every region a location can mean is allowed by the tenant: the same catalog name, the
 * same pattern under another name (EU and Europe), or a literal region one of its patterns matches.
 */
function locationAllowed(location: string, allowed: readonly string[], config: FlareConfig): boolean {
  if (allowed.includes(location)) return true;
  const want = own(config.locations, location) ?? [location];
  const have = allowed.flatMap((a) => own(config.locations, a) ?? [a]);
  return want.every((p) => have.includes(p) || (!p.includes('*') && have.some((h) => regionMatches(h, p))));
}

export function readConstraints(r: DocReader, v: Val | undefined, config: FlareConfig, allowedLocations?: readonly string[]): Constraints | undefined {
  const c: Constraints = { preemptible: false };
  if (!v) return c;
  const f = r.map(v, CONSTRAINT_FIELDS, CONSTRAINT_ALIASES);
  if (!f) return undefined;
  const errorsBefore = r.diagnostics.filter((d) => d.severity === 'error').length;

  const hourly = r.opt(f, 'max_hourly_cost');
  if (hourly) {
    const m = readMoney(r, hourly, config);
    if (m) c.max_hourly_cost = m.amount;
  }
  const total = r.opt(f, 'max_total_cost');
  if (total) {
    const m = readMoney(r, total, config);
    if (m && m.perHour) {
      // "25 EUR/hour" under max_total_cost (a seed writes it) is an hourly cap, not a total.
      c.max_hourly_cost = c.max_hourly_cost === undefined ? m.amount : Math.min(c.max_hourly_cost, m.amount);
      r.info(total, 'hourly-total', `read as an hourly cap of ${m.amount} ${config.currency}/h (max_hourly_cost)`, 'write it as max_hourly_cost to say so directly');
    } else if (m) c.max_total_cost = m.amount;
  }

  const loc = r.opt(f, 'location');
  const regions = r.opt(f, 'regions');
  const notAllowed = (at: Val, l: string): void =>
    r.error(at, 'location-not-allowed', `the tenant may not use location ${l}`, `allowed: ${allowedLocations!.join(', ')}`);
  if (loc) {
    const l = readLocation(r, loc, config, true);
    if (typeof l === 'string') {
      c.location = l;
      if (allowedLocations && !locationAllowed(l, allowedLocations, config)) notAllowed(loc, l);
    } else if (l === null && allowedLocations) notAllowed(loc, 'any');
  }
  if (regions) {
    const items = r.list(regions, { min: 1 });
    if (items) {
      const out: string[] = [];
      for (const it of items) {
        const l = readLocation(r, it, config, false);
        if (typeof l !== 'string') continue;
        if (out.includes(l)) r.error(it, 'duplicate-item', `${l} is listed twice`);
        else out.push(l);
        if (allowedLocations && !locationAllowed(l, allowedLocations, config)) notAllowed(it, l);
      }
      c.regions = out;
    }
    if (loc) r.errorAtKey(regions, 'conflicting-fields', 'give either location or regions, not both', 'regions places one copy per region; location places one');
  }
  const az = r.opt(f, 'availability_zone');
  if (az) {
    const s = r.str(az, { pattern: REGION_RE, patternName: 'a zone name (lowercase, digits, -)' });
    if (s !== undefined) c.availability_zone = s;
  }
  const lat = r.opt(f, 'max_latency_ms');
  if (lat) {
    const ms = readLatency(r, lat);
    if (ms !== undefined) c.max_latency_ms = ms;
  }
  const lbr = r.opt(f, 'max_latency_between_regions');
  if (lbr) {
    const ms = readLatency(r, lbr);
    if (ms !== undefined) {
      c.max_latency_between_regions = ms;
      if (!regions) r.warn(lbr, 'ignored-field', 'only meaningful with regions (multi-region intents)');
      r.info(lbr, 'not-enforced', NOT_ENFORCED);
    }
  }
  const dl = r.opt(f, 'deadline');
  if (dl) {
    const s = r.str(dl, { pattern: RFC3339_RE, patternName: 'an RFC 3339 timestamp', hint: 'e.g. "2025-12-15T08:00:00Z"' });
    if (s !== undefined) {
      if (Number.isNaN(Date.parse(s))) r.error(dl, 'bad-format', `${s} is not a real date and time`);
      else c.deadline = s;
    }
  }
  const pre = r.opt(f, 'preemptible');
  if (pre) {
    const b = r.bool(pre);
    if (b !== undefined) c.preemptible = b;
  }
  const prov = r.opt(f, 'providers');
  if (prov) {
    const xs = L(S(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a provider name'), { unique: true, min: 1 })(r, prov);
    if (Array.isArray(xs)) c.providers = xs as string[];
  }

  const recorded: [keyof Constraints & string, Record<string, FieldReader>][] = [
    ['availability', AVAILABILITY],
    ['energy', ENERGY],
    ['performance', PERFORMANCE],
    ['compliance', COMPLIANCE],
    ['negotiation', NEGOTIATION],
    ['security', SECURITY],
  ];
  for (const [name, table] of recorded) {
    const fv = r.opt(f, name);
    if (!fv) continue;
    const sf = r.map(fv, Object.keys(table));
    if (!sf) continue;
    const rec = readFields(r, sf, table);
    (c as unknown as Record<string, unknown>)[name] = rec;
    if (name === 'security') {
      for (const k of Object.keys(rec)) {
        const kv = sf.get(k);
        if (kv && !ENFORCED_SECURITY.has(k)) r.info(kv, 'not-enforced', NOT_ENFORCED);
      }
    } else {
      r.info(fv, 'not-enforced', NOT_ENFORCED);
    }
  }
  if (rGetWindow(c)) {
    const a = r.opt(f, 'availability');
    if (a) r.warn(a, 'incomplete-window', 'window_start and window_end go together');
  }
  const errorsAfter = r.diagnostics.filter((d) => d.severity === 'error').length;
  return errorsAfter > errorsBefore ? undefined : c;
}

function rGetWindow(c: Constraints): boolean {
  const a = c.availability;
  if (!a) return false;
  return (a['window_start'] === undefined) !== (a['window_end'] === undefined);
}

/** The sla object's table, shared with the generated JSON Schema. */
export const SLA_TABLE: Record<string, FieldReader> = {
  availability: withSchema(
    (rr, vv) => {
      const s = rr.str(vv, { coerce: true, pattern: PERCENT_RE, patternName: 'a percentage', hint: 'e.g. "99.9%"' });
      if (s !== undefined && Number(s.slice(0, -1)) > 100) {
        rr.error(vv, 'out-of-range', 'must be at most 100%');
        return undefined;
      }
      return s;
    },
    { type: 'string', pattern: PERCENT_RE.source },
  ),
  max_interruption_time: D,
  backup_strategy: S(),
};

export function readSla(r: DocReader, v: Val | undefined): Sla | undefined {
  if (!v) return undefined;
  const rec = readRecord(r, v, SLA_TABLE);
  if (!rec) return undefined;
  r.info(v, 'not-enforced', NOT_ENFORCED);
  return rec as Sla;
}

