import { describe, expect, it } from 'vitest';
import { intentId, intentNamespace, legacyIntentId, solverName, reservationName } from '../../src/k8s/names.js';
import { parseRepo } from '../../src/repo/parse.js';
import { render } from '../../src/render/render.js';
import { loadTemplates } from '../../src/render/load-templates.js';
import { serviceIntent, TENANT } from '../reconcile/harness.js';

const SIDE_BY_SIDE = {
  'tenants/a-b.yaml': TENANT('a-b'),
  'tenants/a.yaml': TENANT('a'),
  'intents/a-b/c.yaml': serviceIntent('c'),
  'intents/a/b-c.yaml': serviceIntent('b-c'),
};

describe('intent names are injective in (tenant, name)', () => {
  it('tenant a-b/intent c and tenant a/intent b-c get different ids, namespaces and object names', () => {
    expect(intentId('a-b', 'c')).not.toBe(intentId('a', 'b-c'));
    expect(intentNamespace('a-b', 'c')).not.toBe(intentNamespace('a', 'b-c'));
    expect(solverName(intentId('a-b', 'c'))).not.toBe(solverName(intentId('a', 'b-c')));
    expect(reservationName(intentId('a-b', 'c'), 1)).not.toBe(reservationName(intentId('a', 'b-c'), 1));
  });

  it('keeps flare-<tenant>-<name> when the name has no "-" and doubles the name\'s "-" otherwise', () => {
    expect(intentId('team-a', 'web')).toBe('team-a-web');
    expect(intentNamespace('team-a', 'web')).toBe('flare-team-a-web');
    expect(intentId('ml-platform', 'mistral-chat')).toBe('ml-platform-mistral--chat');
    expect(intentNamespace('a', 'b-c')).toBe('flare-a-b--c');
    expect(legacyIntentId('ml-platform', 'mistral-chat')).toBe('ml-platform-mistral-chat');
  });

  it('is injective over every small tenant and name (exhaustive)', () => {
    const labels: string[] = [];
    const alphabet = ['a', 'b', '-'];
    const grow = (s: string): void => {
      if (s.length > 5) return;
      if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s)) labels.push(s);
      for (const c of alphabet) grow(s + c);
    };
    for (const c of ['a', 'b']) grow(c);
    const seen = new Map<string, string>();
    for (const t of labels) {
      for (const n of labels) {
        const id = intentId(t, n);
        const prior = seen.get(id);
        expect(prior, `${t}/${n} and ${prior} both map to ${id}`).toBeUndefined();
        seen.set(id, `${t}/${n}`);
      }
    }
    expect(seen.size).toBeGreaterThan(1000);
  });

  it('both validate and render side by side, in distinct namespaces', async () => {
    const m = parseRepo(Object.entries(SIDE_BY_SIDE).map(([path, text]) => ({ path, text })));
    expect(m.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(m.intents.map((i) => i.id).sort()).toEqual(['a-b--c', 'a-b-c']);
    const out = render(m, (await loadTemplates('/nonexistent-flare-repo')).templates);
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const namespaces = out.objects.filter((o) => o.object.kind === 'Namespace').map((o) => o.object.metadata.name).sort();
    expect(namespaces).toEqual(['flare-a-b--c', 'flare-a-b-c']);
  });
});

describe('status files written before ids were injective', () => {
  it('are reported with what happens, not used, and are not errors', async () => {
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const { REPO_ROOT } = await import('../reconcile/harness.js');
    const read = (f: string) => readFileSync(path.join(REPO_ROOT, f), 'utf8');
    // the example status as an older FLARE wrote it: every name built from ml-platform-mistral-chat
    const legacy = read('status/ml-platform/mistral-chat.yaml').replaceAll('ml-platform-mistral--chat', 'ml-platform-mistral-chat');
    const m = parseRepo([
      { path: 'flare.yaml', text: read('flare.yaml') },
      { path: 'tenants/ml-platform.yaml', text: read('tenants/ml-platform.yaml') },
      { path: 'intents/ml-platform/mistral-chat.yaml', text: read('intents/ml-platform/mistral-chat.yaml') },
      { path: 'status/ml-platform/mistral-chat.yaml', text: legacy },
    ]);
    expect(m.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const w = m.diagnostics.find((d) => d.code === 'legacy-intent-id');
    expect(w).toMatchObject({ severity: 'warning', file: 'status/ml-platform/mistral-chat.yaml' });
    expect(w!.message).toContain('intent id ml-platform-mistral-chat; this intent is now ml-platform-mistral--chat (namespace flare-ml-platform-mistral--chat');
    expect(m.statuses.size).toBe(0);
  });
});
