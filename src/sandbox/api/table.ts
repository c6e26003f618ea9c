import type { KubeObject } from '../../k8s/object.js';
import type { KindInfo, PrinterColumn } from './kinds.js';

/** Whether an Accept header asks for a meta.k8s.io/v1 Table (what `kubectl get` asks for). */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => /as=Table/.test(part) && /g=meta\.k8s\.io/.test(part) && /v=v1(?!beta)/.test(part));
}

/** Kubernetes' HumanDuration, the AGE column's format. */
function humanAge(fromIso: string | undefined, now: Date): string {
  if (!fromIso) return '<unknown>';
  const secs = Math.max(0, Math.floor((now.getTime() - Date.parse(fromIso)) / 1000));
  if (!Number.isFinite(secs)) return '<unknown>';
  const m = Math.floor(secs / 60);
  const h = Math.floor(secs / 3600);
  const d = Math.floor(secs / 86400);
  if (secs < 120) return `${secs}s`;
  if (m < 10) return secs % 60 === 0 ? `${m}m` : `${m}m${secs % 60}s`;
  if (h < 3) return `${m}m`;
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  if (d < 365 * 8) return `${Math.floor(d / 365)}y${d % 365}d`;
  return `${Math.floor(d / 365)}y`;
}

/** Evaluates the simple jsonPaths CRD printer columns use: `.a.b`, `.a[0].b`. */
function evalPath(obj: unknown, path: string): unknown {
  let cur = obj;
  const re = /\.([A-Za-z0-9_-]+)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(path)) !== null) {
    if (m.index !== consumed) return undefined;
    consumed = re.lastIndex;
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = m[1] !== undefined ? (cur as Record<string, unknown>)[m[1]] : (cur as unknown[])[Number(m[2])];
  }
  return consumed === path.length ? cur : undefined;
}

interface Column {
  def: PrinterColumn;
  isAge: boolean;
}

function columnsOf(info: KindInfo): Column[] {
  const cols: Column[] = info.columns.map((c) => ({ def: c, isAge: c.type === 'date' }));
  if (!cols.some((c) => c.isAge && c.def.jsonPath === '.metadata.creationTimestamp')) {
    cols.push({ def: { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }, isAge: true });
  }
  return cols;
}

function cell(c: Column, o: KubeObject, now: Date): unknown {
  const v = c.def.value ? c.def.value(o) : evalPath(o, c.def.jsonPath);
  if (c.isAge) return typeof v === 'string' ? humanAge(v, now) : '<unknown>';
  if (v === undefined || v === null) return null;
  if (typeof v === 'object') return JSON.stringify(v);
  if (c.def.type === 'string') return String(v);
  return v;
}

/** A meta.k8s.io/v1 Table of objects; each row's object carries metadata (for `-A`'s NAMESPACE). */
export function toTable(info: KindInfo, objects: KubeObject[], resourceVersion: string, now: Date): Record<string, unknown> {
  const cols = columnsOf(info);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
      ...cols.map((c) => ({ name: c.def.name, type: c.def.type === 'date' ? 'string' : c.def.type, format: '', description: c.def.jsonPath, priority: c.def.priority ?? 0 })),
    ],
    rows: objects.map((o) => ({
      cells: [o.metadata.name, ...cols.map((c) => cell(c, o, now))],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
