import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { SourceFile } from '../../src/doc/source-file.js';

/** A golden case folder as the repo files it stands for (intent, tenant, flare.yaml, status). */
export function caseFiles(dir: string): SourceFile[] {
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  const intentFile = ['intent.yaml', 'intent.yml', 'intent.json'].find((f) => existsSync(path.join(dir, f)));
  if (!intentFile) throw new Error(`${dir}: no intent.yaml or intent.json`);
  const tenantText = existsSync(path.join(dir, 'tenant.yaml'))
    ? read('tenant.yaml')
    : 'apiVersion: flare.fluidos.eu/v1alpha1\nkind: Tenant\nmetadata:\n  name: demo\nspec:\n  owners:\n    - kind: Group\n      name: demo\n';
  const tenant = String((parse(tenantText) as { metadata?: { name?: string } })?.metadata?.name ?? 'demo');
  const files: SourceFile[] = [
    { path: `tenants/${tenant}.yaml`, text: tenantText },
    { path: `intents/${tenant}/${intentFile}`, text: read(intentFile) },
  ];
  if (existsSync(path.join(dir, 'flare.yaml'))) files.push({ path: 'flare.yaml', text: read('flare.yaml') });
  if (existsSync(path.join(dir, 'status.yaml'))) {
    const text = read('status.yaml');
    const name = (parse(text) as { metadata: { name: string } }).metadata.name;
    files.push({ path: `status/${tenant}/${name}.yaml`, text });
  }
  return files;
}
