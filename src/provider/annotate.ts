import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { IoError, UsageError } from '../errors.js';
import type { KubeObject } from '../k8s/object.js';
import type { AdminValues } from './admin-values.js';
import { checkAnnotations, type Violation } from './check.js';
import { FORK_SPELLING, NODE_LABELS, type AnnotationKey } from './keys.js';
import { annotationsFromLabels } from './labels.js';

/** One line of a node's annotation diff. */
interface Change {
  op: '+' | '~' | '-';
  key: string;
  old?: string;
  new?: string;
  /** Why a key goes away. */
  note?: string;
}

export interface NodePlan {
  node: string;
  gpu: boolean;
  model?: string;
  count?: string;
  /** The annotations FLARE computes for the node. */
  annotations: Record<string, string>;
  changes: Change[];
  labelChanges: Change[];
  warnings: string[];
  /** Rule violations of the computed annotations (bad admin values); such a node is not patched. */
  violations: Violation[];
}

/**
 * Diff of the computed annotations against the node's. Keys FLARE does not compute are left
 * alone (an admin may have set them by hand, e.g. traits of a GPU the catalog lacks), except
 * the fork's spelling of a key FLARE writes in the documented spelling: two spellings of one
 * annotation can disagree, so the duplicate goes.
 */
function diffAnnotations(existing: Readonly<Record<string, string>>, computed: Readonly<Record<string, string>>): Change[] {
  const out: Change[] = [];
  for (const key of Object.keys(computed).sort()) {
    const now = computed[key]!;
    const before = existing[key];
    if (before === undefined) out.push({ op: '+', key, new: now });
    else if (before !== now) out.push({ op: '~', key, old: before, new: now });
  }
  for (const [doc, fork] of Object.entries(FORK_SPELLING)) {
    if (fork && computed[doc as AnnotationKey] !== undefined && existing[fork] !== undefined) {
      out.push({ op: '-', key: fork, old: existing[fork], note: `fork spelling of ${doc}` });
    }
  }
  return out;
}

export function planNode(node: KubeObject, admin: AdminValues): NodePlan {
  const name = node.metadata.name;
  const existing = node.metadata.annotations ?? {};
  const r = annotationsFromLabels(node.metadata.labels ?? {}, admin, { node: name, capacity: node.status?.capacity });
  const plan: NodePlan = {
    node: name,
    gpu: r.gpu,
    annotations: r.annotations,
    changes: [],
    labelChanges: [],
    warnings: r.warnings,
    violations: checkAnnotations(r.annotations),
  };
  if (!r.gpu) return plan;
  plan.model = r.annotations['gpu.fluidos.eu/model'];
  const count = r.annotations['gpu.fluidos.eu/count'];
  if (count !== undefined) plan.count = count;
  plan.changes = diffAnnotations(existing, r.annotations);
  plan.labelChanges = diffAnnotations(node.metadata.labels ?? {}, NODE_LABELS);
  return plan;
}

/** The merge patch that carries out a plan (null removes a key). */
export function patchFor(plan: NodePlan): { metadata: { annotations?: Record<string, string | null>; labels?: Record<string, string> } } {
  const metadata: { annotations?: Record<string, string | null>; labels?: Record<string, string> } = {};
  if (plan.changes.length > 0) {
    metadata.annotations = {};
    for (const c of plan.changes) metadata.annotations[c.key] = c.op === '-' ? null : c.new!;
  }
  if (plan.labelChanges.length > 0) {
    metadata.labels = {};
    for (const c of plan.labelChanges) metadata.labels[c.key] = c.new!;
  }
  return { metadata };
}

function formatChange(c: Change, prefix = ''): string {
  if (c.op === '+') return `  + ${prefix}${c.key}=${c.new}`;
  if (c.op === '~') return `  ~ ${prefix}${c.key}: ${c.old} -> ${c.new}`;
  return `  - ${prefix}${c.key}=${c.old}${c.note ? ` (${c.note})` : ''}`;
}

/** Text diff of plans, for stdout. */
export function formatPlans(plans: readonly NodePlan[]): string {
  const lines: string[] = [];
  for (const p of plans) {
    if (!p.gpu) {
      lines.push(`node ${p.node}: no GPU operator labels, skipped`);
      continue;
    }
    const what = `${p.model ?? '?'}${p.count ? ` x${p.count}` : ''}`;
    if (p.changes.length === 0 && p.labelChanges.length === 0) {
      lines.push(`node ${p.node} (${what}): up to date`);
      continue;
    }
    lines.push(`node ${p.node} (${what}):`);
    for (const c of p.changes) lines.push(formatChange(c));
    for (const c of p.labelChanges) lines.push(formatChange(c, 'label '));
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Node objects from YAML text: documents of kind Node, or a List/NodeList of them. */
function parseNodes(text: string, file: string): KubeObject[] {
  const out: KubeObject[] = [];
  const docs = parseAllDocuments(text);
  const problems: string[] = [];
  docs.forEach((d, i) => {
    if (d.errors.length > 0) {
      problems.push(`${file}: document ${i + 1}: ${d.errors[0]!.message}`);
      return;
    }
    const v = d.toJSON() as unknown;
    if (v === null || v === undefined) return;
    const o = v as Partial<KubeObject> & { items?: unknown };
    const items = (o.kind === 'List' || o.kind === 'NodeList') && Array.isArray(o.items) ? (o.items as Partial<KubeObject>[]) : [o];
    for (const it of items) {
      if (it?.kind !== 'Node' || typeof it.metadata?.name !== 'string') {
        problems.push(`${file}: document ${i + 1}: expected a Node with metadata.name, got ${it?.kind ?? 'no kind'}`);
        continue;
      }
      out.push({ ...(it as KubeObject), apiVersion: it.apiVersion ?? 'v1' });
    }
  });
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return out;
}

export async function readNodes(path: string): Promise<KubeObject[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new IoError(path, (e as Error).message, { cause: e });
  }
  return parseNodes(text, path);
}
