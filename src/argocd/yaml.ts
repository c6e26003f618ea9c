import { stringify } from 'yaml';

/** Multi-document YAML with multi-line strings (the Lua scripts) as literal blocks. */
export function toYamlDocuments(docs: readonly unknown[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
