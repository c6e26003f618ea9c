import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, test } from 'vitest';
import { TENANT, allSettled, cycleUntil, serviceIntent, sleep, startWorld, type World } from '../reconcile/harness.js';
import type { FluxEvent } from '../../src/notify/webhook.js';
import path from 'node:path';
import { runGit } from '../../src/git/exec.js';
import { runFlare } from '../support/cli.js';
import type { HistoryRow } from '../../src/views/history.js';
import type { CostReport } from '../../src/status/cost.js';

interface Got {
  headers: IncomingHttpHeaders;
  raw: string;
  event: FluxEvent;
}

function receiver(port = 0): Promise<{ server: Server; port: number; got: Got[] }> {
  const got: Got[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      got.push({ headers: req.headers, raw, event: JSON.parse(raw) as FluxEvent });
      res.writeHead(200).end();
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, got })));
}

async function until<T>(what: string, f: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const SECRET = 'hook-secret-value-0123';
const closeServer = (s: Server): Promise<void> => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); });

let world: World | undefined;
afterAll(async () => {
  await world?.close();
});

describe('webhook notifications', () => {
  test('one signed Flux-shaped event per phase change; the reconciler keeps working while the receiver is down', async () => {
    const rx = await receiver();
    const flare = [
      'apiVersion: flare.fluidos.eu/v1alpha1',
      'kind: FlareConfig',
      'metadata: {name: flare}',
      'spec:',
      '  notifications:',
      '    webhooks:',
      `      - url: http://127.0.0.1:${rx.port}/hook`,
      '        secret_env: FLARE_TEST_HOOK',
      '',
    ].join('\n');
    world = await startWorld({
      'flare.yaml': flare,
      'tenants/team.yaml': TENANT('team'),
      'intents/team/ok.yaml': serviceIntent('ok'),
      'intents/team/nomatch.yaml': serviceIntent('nomatch', { count: 64 }),
    });
    const rec = await world.start({ notify: { env: { FLARE_TEST_HOOK: SECRET }, backoffMs: 50, attempts: 30 } });
    await cycleUntil(rec, (r) => allSettled(r));
    const of = (name: string, reason: string) => rx.got.filter((g) => g.event.involvedObject.name === name && g.event.reason === reason);
    await until('Running of ok and NoMatch of nomatch', () => of('ok', 'Running').length > 0 && of('nomatch', 'NoMatch').length > 0);
    // more cycles with no phase change send nothing more
    for (let i = 0; i < 3; i++) await rec.runOnce();
    // whatever those cycles queued has been sent once this resolves: no waiting for a while
    await rec.notified();
    expect(of('ok', 'Running')).toHaveLength(1);
    expect(of('nomatch', 'NoMatch')).toHaveLength(1);
    expect(rx.got.map((g) => g.event.reason).sort()).toEqual(['NoMatch', 'Running']);

    const run = of('ok', 'Running')[0]!;
    expect(run.headers['x-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(run.raw).digest('hex')}`);
    expect(run.headers['content-type']).toBe('application/json');
    expect(run.event.involvedObject).toEqual({ apiVersion: 'flare.fluidos.eu/v1alpha1', kind: 'Intent', namespace: 'team', name: 'ok' });
    expect(run.event.severity).toBe('info');
    expect(run.event.metadata).toMatchObject({ intent: 'team-ok', tenant: 'team', phase: 'Running' });
    expect(run.event.metadata.provider).toMatch(/^provider-/);
    expect(Number.isNaN(Date.parse(run.event.timestamp))).toBe(false);
    const nm = of('nomatch', 'NoMatch')[0]!;
    expect(nm.event.severity).toBe('error');
    expect(nm.headers['x-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(nm.raw).digest('hex')}`);
    for (const g of rx.got) expect(g.raw).not.toContain(SECRET);

    // the cost gauges on the reconciler's /metrics follow the status files
    const okStatus = await world.read('status/team/ok.yaml');
    const hourly = Number(/hourly_cost: ([\d.]+)/.exec(okStatus ?? '')?.[1]);
    expect(hourly).toBeGreaterThan(0);
    const gauge = () => Number(/^flare_intent_hourly_cost\{tenant="team",intent="ok",currency="EUR"\} ([\d.]+)$/m.exec(rec.metrics())?.[1]);
    await until(`flare_intent_hourly_cost of ok = ${hourly}`, () => gauge() === hourly);
    expect(rec.metrics()).toMatch(/^flare_intent_hourly_cost\{tenant="team",intent="nomatch",currency="EUR"\} 0$/m);

    // receiver down: cycles still complete and a new intent still reaches Running
    await closeServer(rx.server);
    await world.push({ 'intents/team/late.yaml': serviceIntent('late') }, 'add late');
    const r = await cycleUntil(rec, (x) => x.intents.some((i) => i.id === 'team-late' && i.phase === 'Running'));
    expect(r.intents.find((i) => i.id === 'team-late')?.phase).toBe('Running');
    expect(rec.ready()).toBe(true);
    // back up on the same port: the retried event arrives, once
    const rx2 = await receiver(rx.port);
    try {
      await until('the retried Running of late', () => rx2.got.find((g) => g.event.involvedObject.name === 'late' && g.event.reason === 'Running'));
      // the queue is drained (the retried event was its last): a duplicate would be in by now
      await rec.notified();
      expect(rx2.got.filter((g) => g.event.involvedObject.name === 'late')).toHaveLength(1);
    } finally {
      await closeServer(rx2.server);
    }

    // flare history and flare cost agree with the status commits of the run (read back with the git CLI)
    const clone = path.join(world.tmp, 'view');
    await runGit(['clone', '-q', world.url, clone], { cwd: world.tmp, timeoutMs: 30_000 });
    const log = (await runGit(['log', '--reverse', '--format=%h %cI', '--', 'status/team/ok.yaml'], { cwd: clone })).stdout.trim().split('\n');
    const h = await runFlare(['history', 'team/ok', '--repo', clone, '-o', 'json'], world.tmp);
    expect(h.stderr).toBe('');
    const rows = (JSON.parse(h.stdout) as { entries: HistoryRow[] }).entries;
    expect(rows.map((x) => x.commit)).toEqual(log.map((l) => l.split(' ')[0]!.slice(0, 7)));
    for (const [k, row] of rows.entries()) {
      expect(Date.parse(row.time)).toBe(Date.parse(log[k]!.split(' ')[1]!));
      const text = (await runGit(['show', `${row.commit}:status/team/ok.yaml`], { cwd: clone })).stdout;
      expect(row.phase).toBe(/^  phase: (\w+)$/m.exec(text)?.[1]);
    }
    expect(rows.at(-1)!.phase).toBe('Running');
    const statusText = (await runGit(['show', 'HEAD:status/team/ok.yaml'], { cwd: clone })).stdout;
    const chosenHourly = Number(/hourly_cost: ([\d.]+)/.exec(statusText)?.[1]);
    expect(rows.at(-1)!.hourly_cost).toBe(chosenHourly);
    expect(rows.at(-1)!.provider).toBe(/^        provider: (\S+)$/m.exec(statusText)?.[1]);
    const c = JSON.parse((await runFlare(['cost', '--repo', clone, '-o', 'json'], world.tmp)).stdout) as CostReport;
    const ok = c.intents.find((x) => x.name === 'ok')!;
    expect(ok).toMatchObject({ phase: 'Running', hourly: chosenHourly, burn: chosenHourly, provider: rows.at(-1)!.provider });
    expect(ok.accrued).toBeGreaterThanOrEqual(Number(/accrued: ([\d.]+)/.exec(statusText)?.[1]));
    expect(c.intents.find((x) => x.name === 'nomatch')).toMatchObject({ phase: 'NoMatch', burn: 0 });
  }, 60_000);
});
