import { own } from '../util/own.js';
import type { FlareConfig } from '../config/model.js';

/**
 * Location names of the intent mapped onto provider regions through flare.yaml's catalog: `*`
 * matches any run of `[a-z0-9-]`, patterns are anchored, and a name not in the catalog is a
 * literal region. Same rules as the Solver's region filter, re-implemented here so the ranker
 * does not trust upstream filtering.
 */
export type RegionMatcher = (region: string | undefined) => boolean;

// Compiled once per pattern: the ranker may test thousands of candidates per call.
const compiled = new Map<string, RegExp>();

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

function patternRegex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map(escapeRegex).join('[a-z0-9-]*')}$`);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

/** The catalog key for a location name: exact first, then case-insensitive. */
function catalogKey(location: string, config: FlareConfig): string | undefined {
  if (Object.prototype.hasOwnProperty.call(config.locations, location)) return location;
  const l = location.toLowerCase();
  return Object.keys(config.locations)
    .sort()
    .find((k) => k.toLowerCase() === l);
}

export function isAnyLocation(location: string | undefined): boolean {
  return location === undefined || location.trim() === '' || location.trim().toLowerCase() === 'any';
}

/** Region patterns of a location (the location itself, lowercased, when not in the catalog). */
function regionPatterns(location: string, config: FlareConfig): string[] {
  const key = catalogKey(location, config);
  return key !== undefined ? (own(config.locations, key) ?? []) : [location.toLowerCase()];
}

/** Matcher for one location; `any` (or none) matches every region, including an unknown one. */
export function locationMatcher(location: string | undefined, config: FlareConfig): RegionMatcher {
  if (isAnyLocation(location)) return () => true;
  const res = regionPatterns(location!, config).map(patternRegex);
  return (region) => region !== undefined && res.some((r) => r.test(region));
}

/** Matcher for a list of locations (a tenant's allowed_locations): any of them. */
export function anyLocationMatcher(locations: readonly string[], config: FlareConfig): RegionMatcher {
  if (locations.some((l) => isAnyLocation(l))) return () => true;
  const ms = locations.map((l) => locationMatcher(l, config));
  return (region) => ms.some((m) => m(region));
}

/**
 * The catalog locations whose patterns cover `region`, narrowest first (fewest patterns, then the
 * more specific pattern text, then name), for "widen location to X" suggestions.
 */
export function locationsOf(region: string, config: FlareConfig): string[] {
  let byRegion = covering.get(config.locations);
  if (!byRegion) {
    byRegion = new Map();
    covering.set(config.locations, byRegion);
  }
  let names = byRegion.get(region);
  if (!names) {
    names = computeLocationsOf(region, config);
    if (byRegion.size > 10_000) byRegion.clear();
    byRegion.set(region, names);
  }
  return [...names];
}

// Per catalog object: suggestions ask the same few regions for thousands of candidates.
const covering = new WeakMap<Record<string, string[]>, Map<string, string[]>>();

function computeLocationsOf(region: string, config: FlareConfig): string[] {
  const hits: { name: string; specificity: number }[] = [];
  for (const name of Object.keys(config.locations)) {
    const pats = own(config.locations, name) ?? [];
    const matching = pats.filter((p) => patternRegex(p).test(region));
    if (matching.length === 0) continue;
    // Literal characters in the matching pattern: "us-east-*" is narrower than "us-*".
    const specificity = Math.max(...matching.map((p) => p.replace(/\*/g, '').length));
    hits.push({ name, specificity });
  }
  hits.sort((a, b) => b.specificity - a.specificity || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return hits.map((h) => h.name);
}
