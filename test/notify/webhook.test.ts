import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { fluxEvent, phaseChanges, signature } from '../../src/notify/webhook.js';

const cfg = (hooks: string): string => `apiVersion: flare.fluidos.eu/v1alpha1\nkind: FlareConfig\nmetadata: {name: flare}\nspec:\n  notifications:\n    webhooks:\n${hooks}`;

describe('notification config', () => {
  test('webhooks with url, secret_env and events', () => {
    const r = parseConfig(cfg('      - url: https://hooks.example.com/flare\n        secret_env: FLARE_HOOK\n        events: [Running, failover]\n      - url: http://127.0.0.1:9000/x\n'), 'flare.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.config.notifications?.webhooks).toEqual([
      { url: 'https://hooks.example.com/flare', secret_env: 'FLARE_HOOK', events: ['Running', 'failover'] },
      { url: 'http://127.0.0.1:9000/x' },
    ]);
  });

  test('credentials in the url, a non-http url, an unknown event and a bad variable name are errors', () => {
    const codes = (hooks: string) => parseConfig(cfg(hooks), 'flare.yaml').diagnostics.map((d) => d.code);
    expect(codes('      - url: https://user:pw@hooks.example.com/\n')).toEqual(['secret-in-repo']);
    expect(codes('      - url: ftp://hooks.example.com/\n')).toEqual(['bad-url']);
    expect(codes('      - url: https://h.example.com/\n        events: [Runing]\n').length).toBe(1);
    expect(codes('      - url: https://h.example.com/\n        secret_env: "a b"\n').length).toBe(1);
  });
});

describe('phase changes', () => {
  const i = (id: string, phase: string, provider?: string) => ({ id: `t-${id}`, tenant: 't', name: id, phase, ...(provider ? { provider } : {}) });

  test('a phase entered is one event; a provider change of a placed intent is a failover; intermediate phases are not sent', () => {
    const seen = new Map([
      ['t-a', { phase: 'Deploying', provider: 'p1' }],
      ['t-b', { phase: 'Running', provider: 'p1' }],
      ['t-c', { phase: 'Reserving', provider: 'p1' }],
    ]);
    const ch = phaseChanges(seen, [i('a', 'Running', 'p1'), i('b', 'Deploying', 'p2'), i('c', 'Allocating', 'p1')], ['t-a', 't-b', 't-c']);
    expect(ch.map((c) => [c.intent.id, c.event])).toEqual([
      ['t-a', 'Running'],
      ['t-b', 'failover'],
    ]);
    const e = fluxEvent(ch[1]!, { now: new Date('2026-11-28T10:00:00Z'), revision: 'abc' });
    expect(e).toEqual({
      involvedObject: { apiVersion: 'flare.fluidos.eu/v1alpha1', kind: 'Intent', namespace: 't', name: 'b' },
      severity: 'error',
      timestamp: '2026-11-28T10:00:00.000Z',
      message: 't-b failed over from p1 to p2',
      reason: 'Failover',
      metadata: { intent: 't-b', tenant: 't', phase: 'Deploying', provider: 'p2', previousPhase: 'Running', previousProvider: 'p1', revision: 'abc' },
      reportingController: 'flare-reconciler',
    });
  });

  test('after a restart nothing seen: only intents whose status changed this cycle are sent', () => {
    const ch = phaseChanges(new Map(), [i('a', 'Running', 'p1'), i('b', 'NoMatch')], ['t-b']);
    expect(ch.map((c) => [c.intent.id, c.event])).toEqual([['t-b', 'NoMatch']]);
  });

  test('HMAC-SHA256 of the body, hex', () => {
    // printf '{"a":1}' | openssl dgst -sha256 -hmac key
    expect(signature('{"a":1}', 'key')).toBe('sha256=88a67f24bbcdaed0e6c997404bb79a743baf44c6bab2f4c27328e3009d22e342');
  });
});
