import { stringify } from 'yaml';
import type { KubeObject } from './object.js';

const FIRST_KEYS = ['apiVersion', 'kind', 'metadata'];

/**
 * Deep copy with keys sorted, `apiVersion`, `kind`, `metadata` first at the top level
 * (cdk8s' toJson order). undefined values are dropped, so optional fields never render as null.
 */
export function canonicalize<T>(value: T, top = true): T {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map((v) => canonicalize(v, false)) as T;
  if (value === null || typeof value !== 'object') return value;
  const src = value as Record<string, unknown>;
  const keys = Object.keys(src)
    .filter((k) => src[k] !== undefined)
    .sort((a, b) => {
      if (top) {
        const ia = FIRST_KEYS.indexOf(a);
        const ib = FIRST_KEYS.indexOf(b);
        if (ia >= 0 || ib >= 0) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
      }
      return a < b ? -1 : a > b ? 1 : 0;
    });
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = canonicalize(src[k], false);
  return out as T;
}

/**
 * The one YAML serializer used for every file FLARE writes (rendered manifests, status files):
 * canonical key order, fixed line width, no anchors, strings quoted only when needed.
 */
export function toYaml(value: unknown): string {
  return stringify(canonicalize(value), {
    lineWidth: 0,
    aliasDuplicateObjects: false,
    indentSeq: true,
    sortMapEntries: false,
  });
}

export function toYamlObject(o: KubeObject): string {
  return toYaml(o);
}
