import type { KubeObject } from '../../k8s/object.js';
import { ApiError } from './errors.js';

type LabelRequirement =
  | { op: 'eq' | 'ne'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export type LabelSelector = LabelRequirement[];

/**
 * Parses a label selector string: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
 * comma-separated (commas inside parentheses belong to the set).
 */
export function parseLabelSelector(text: string | undefined): LabelSelector {
  const out: LabelSelector = [];
  if (!text || !text.trim()) return out;
  for (const raw of splitTopLevel(text)) {
    const part = raw.trim();
    if (!part) continue;
    const setMatch = /^([^\s!=()]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (setMatch) {
      const values = setMatch[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '');
      out.push({ op: setMatch[2] as 'in' | 'notin', key: setMatch[1]!, values });
      continue;
    }
    const ne = part.indexOf('!=');
    if (ne > 0) {
      out.push({ op: 'ne', key: part.slice(0, ne).trim(), value: part.slice(ne + 2).trim() });
      continue;
    }
    const eq = part.indexOf('=');
    if (eq > 0) {
      const rest = part.slice(eq + 1).replace(/^=/, '');
      out.push({ op: 'eq', key: part.slice(0, eq).trim(), value: rest.trim() });
      continue;
    }
    if (part.startsWith('!')) {
      const key = part.slice(1).trim();
      if (!validKey(key)) throw badSelector(text);
      out.push({ op: 'notexists', key });
      continue;
    }
    if (!validKey(part)) throw badSelector(text);
    out.push({ op: 'exists', key: part });
  }
  for (const r of out) if (!validKey(r.key)) throw badSelector(text);
  return out;
}

function validKey(k: string): boolean {
  return /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/.test(k);
}

function badSelector(text: string): ApiError {
  return new ApiError(400, 'BadRequest', `unable to parse requirement: invalid label selector "${text}"`);
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  for (const r of sel) {
    const v = labels?.[r.key];
    switch (r.op) {
      case 'eq':
        if (v !== r.value) return false;
        break;
      case 'ne':
        if (v === r.value) return false;
        break;
      case 'in':
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case 'notin':
        if (v !== undefined && r.values.includes(v)) return false;
        break;
      case 'exists':
        if (v === undefined) return false;
        break;
      case 'notexists':
        if (v !== undefined) return false;
        break;
    }
  }
  return true;
}

interface FieldRequirement {
  path: string[];
  op: 'eq' | 'ne';
  value: string;
}

export type FieldSelector = FieldRequirement[];

/**
 * Parses a field selector: `metadata.name=x,spec.nodeName!=y`. Any dotted path is accepted
 * (a real server allows a per-kind subset); a missing field compares as the empty string.
 */
export function parseFieldSelector(text: string | undefined): FieldSelector {
  const out: FieldSelector = [];
  if (!text || !text.trim()) return out;
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (!part) continue;
    const ne = part.indexOf('!=');
    let key: string;
    let value: string;
    let op: 'eq' | 'ne';
    if (ne > 0) {
      key = part.slice(0, ne);
      value = part.slice(ne + 2);
      op = 'ne';
    } else {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new ApiError(400, 'BadRequest', `invalid field selector "${text}": ${part} is not a requirement`);
      key = part.slice(0, eq);
      value = part.slice(eq + 1).replace(/^=/, '');
      op = 'eq';
    }
    out.push({ path: key.trim().split('.'), op, value: value.trim() });
  }
  return out;
}

export function matchesFields(sel: FieldSelector, obj: KubeObject): boolean {
  for (const r of sel) {
    let cur: unknown = obj;
    for (const p of r.path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
    const v = cur === undefined || cur === null ? '' : typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
    if ((v === r.value) !== (r.op === 'eq')) return false;
  }
  return true;
}
