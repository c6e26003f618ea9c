import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runFlare } from '../support/cli.js';
import { serviceIntent, startWorld, TENANT, type World } from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('flare reconcile --http-host', () => {
  it('serves the probes on the given address; loopback by default; a bad address is a usage error', async () => {
    world = await startWorld({ 'tenants/team-a.yaml': TENANT('team-a'), 'intents/team-a/web.yaml': serviceIntent('web') });
    const base = ['reconcile', '--repo', world.url, '--kubeconfig', world.sandbox.kubeconfigPath, '--workdir', path.join(world.tmp, 'clone'), '--once', '--http-port', '0'];
    const def = await runFlare(base, world.tmp);
    expect(def.code, def.stderr).toBe(0);
    expect(def.stderr).toMatch(/serving http:\/\/127\.0\.0\.1:\d+\/healthz/);
    const other = await runFlare([...base, '--http-host', '127.0.0.2'], world.tmp);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).toMatch(/serving http:\/\/127\.0\.0\.2:\d+\/healthz/);
    const bad = await runFlare([...base, '--http-host', 'not a host!'], world.tmp);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--http-host');
  });
});
