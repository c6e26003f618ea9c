import { describe, expect, it, beforeAll } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { caseFiles } from './golden-case.js';
import { parseRepo } from '../../src/repo/parse.js';
import { render } from '../../src/render/render.js';
import { loadTemplates } from '../../src/render/load-templates.js';
import type { TemplateSet } from '../../src/render/templates.js';
import type { SourceFile } from '../../src/doc/source-file.js';

// What status unlocks, and what it no longer unlocks: a finished intent releases what it held,
// and a status written for an older version of the intent unlocks nothing past stage A.
const here = path.dirname(fileURLToPath(import.meta.url));
const batchCase = path.resolve(here, '..', 'fixtures', 'golden', 'stage-d-batch');

let templates: TemplateSet;
beforeAll(async () => {
  templates = (await loadTemplates()).templates;
});

function kindsOf(files: SourceFile[]): { kinds: string[]; codes: string[] } {
  const r = render(parseRepo(files), templates);
  return {
    kinds: [...new Set(r.objects.filter((o) => o.intentId).map((o) => o.object.kind))].sort(),
    codes: r.diagnostics.map((d) => d.code),
  };
}

function withStatus(files: SourceFile[], edit: (text: string) => string): SourceFile[] {
  return files.map((f) => (f.path.startsWith('status/') ? { ...f, text: edit(f.text) } : f));
}

describe('status gates', () => {
  it('a current stage-D status renders the workload and everything before it', () => {
    const { kinds, codes } = kindsOf(caseFiles(batchCase));
    expect(kinds).toEqual(expect.arrayContaining(['Allocation', 'Job', 'Namespace', 'NamespaceOffloading', 'Reservation', 'Solver']));
    expect(codes).not.toContain('stale-status');
  });

  it('a Completed intent keeps only its namespace and volumes', () => {
    const files = withStatus(caseFiles(batchCase), (t) => t.replace(/^  phase: .*$/m, '  phase: Completed'));
    const { kinds } = kindsOf(files);
    expect(kinds.filter((k) => k !== 'PersistentVolumeClaim' && k !== 'NetworkPolicy')).toEqual(['Namespace']);
  });

  it('a Failed intent releases its reservation too', () => {
    const files = withStatus(caseFiles(batchCase), (t) => t.replace(/^  phase: .*$/m, '  phase: Failed'));
    expect(kindsOf(files).kinds).not.toContain('Reservation');
  });

  it('a status for an older version of the intent renders stage A only, with a warning', () => {
    const files = withStatus(caseFiles(batchCase), (t) => t.replace(/spec_hash: .*/, 'spec_hash: deadbeefdeadbeef'));
    const { kinds, codes } = kindsOf(files);
    expect(kinds).toContain('Solver');
    expect(kinds).not.toContain('Reservation');
    expect(kinds).not.toContain('Job');
    expect(codes).toContain('stale-status');
  });
});
