// Names in an intent: DNS-1123 labels and the workload type.
import type { WorkloadType } from './model.js';
import type { DocReader, Val } from '../doc/yaml-reader.js';
import { WORKLOAD_TYPES } from './fields.js';
import { DNS_LABEL_RE } from '../doc/patterns.js';

export const DNS_LABEL = { pattern: DNS_LABEL_RE, patternName: 'a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)', max: 63 } as const;

export function readDnsLabel(r: DocReader, v: Val, what = 'name'): string | undefined {
  const s = r.str(v, { ...DNS_LABEL, hint: `use a ${what} like "llama-inference"` });
  if (s === undefined) return undefined;
  return s;
}

export function readWorkloadType(r: DocReader, v: Val): WorkloadType | undefined {
  const t = r.enumOf(v, WORKLOAD_TYPES, { caseInsensitive: true });
  if (t === undefined) return undefined;
  return t === 'service' || t === 'deployment' ? 'service' : 'batch';
}
