import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allSettled, cycleUntil, serviceIntent, startWorld, TENANT, type World } from '../reconcile/harness.js';
import { runFlare } from '../support/cli.js';
import { startApi, until, type Api } from './helpers.js';

/**
 * The dashboard's view routes answer what the CLI answers over the same repo: describe, history,
 * plan and cost are the CLI's pure functions, so the page and the terminal cannot disagree.
 */

const AT = '2026-12-05T12:00:00.000Z';

describe('the view routes of flare serve', () => {
  let world: World;
  let api: Api;
  let admin: string;
  let teamB: string;

  beforeAll(async () => {
    world = await startWorld({
      // a money quota: the ranker rejects what would take team-a over it, counting its other intents
      'tenants/team-a.yaml': TENANT('team-a', '  quota:\n    max_hourly_cost: 1.2 EUR\n'),
      'tenants/team-b.yaml': TENANT('team-b'),
      'intents/team-a/web.yaml': serviceIntent('web'),
      'intents/team-a/web2.yaml': serviceIntent('web2'),
      'intents/team-b/cheap.yaml': serviceIntent('cheap', { maxHourly: '0.01 EUR' }),
    });
    const rec = await world.start();
    await cycleUntil(rec, (r) => allSettled(r) && r.intents.length === 3, { timeoutMs: 40_000 });
    await rec.stop();
    api = await startApi(world, { now: () => new Date(AT) });
    await api.server.intents.refresh();
    admin = await api.token(null, ['admin:*']);
    teamB = await api.token('team-b', ['intents:read', 'resources:read']);
  }, 90_000);
  afterAll(async () => {
    await api?.close();
    await world?.close();
  });

  const json = async (p: string, token: string): Promise<any> => {
    const r = await api.call('GET', p, { token });
    expect(r.status, `${p}: ${JSON.stringify(r.body).slice(0, 300)}`).toBe(200);
    return r.body;
  };

  it('describe and history are flare describe and flare history of the same clone', async () => {
    const dir = api.repo.dir;
    for (const [id, ref] of [['team-a-web', 'team-a/web'], ['team-b-cheap', 'team-b/cheap']] as const) {
      const d = await json(`/api/v1/intents/${id}/describe`, admin);
      const cli = JSON.parse((await runFlare(['describe', id, '--repo', dir, '-o', 'json'], dir)).stdout);
      // the running meter is read at each one's own clock
      expect({ ...d, cost: { ...d.cost, accrued: 0 }, history: d.history.slice(-10) }).toEqual({ ...cli, cost: { ...cli.cost, accrued: 0 } });
      const h = await json(`/api/v1/intents/${id}/history`, admin);
      const hc = JSON.parse((await runFlare(['history', ref, '--repo', dir, '-o', 'json'], dir)).stdout);
      expect(h.entries).toEqual(hc.entries);
      expect(h.entries.length).toBeGreaterThan(1);
      expect(h.entries.at(-1).phase).toBe(d.phase);
    }
    const nomatch = await json('/api/v1/intents/team-b-cheap/describe', admin);
    expect(nomatch.phase).toBe('NoMatch');
    expect(nomatch.placements[0].rejected.length).toBeGreaterThan(0);
  });

  it('cost is flare cost at the same instant, scoped to the token\'s tenant', async () => {
    const all = await json('/api/v1/cost', admin);
    const cli = JSON.parse((await runFlare(['cost', '--repo', api.repo.dir, '--at', AT, '-o', 'json'], api.repo.dir)).stdout);
    expect(all).toEqual(cli);
    expect(all.tenants.find((t: { tenant: string }) => t.tenant === 'team-a')).toMatchObject({ quota_max_hourly_cost: 1.2 });
    const mine = await json('/api/v1/cost', teamB);
    expect(mine.intents.map((i: { id: string }) => i.id)).toEqual(['team-b-cheap']);
    expect(mine.tenants.map((t: { tenant: string }) => t.tenant)).toEqual(['team-b']);
    expect((await api.call('GET', '/api/v1/cost?tenant=team-a', { token: teamB })).status).toBe(403);
    expect((await api.call('GET', '/api/v1/intents/team-a-web/describe', { token: teamB })).status).toBe(404);
  });

  it('plan is flare plan --kubeconfig of one intent, counting the tenant\'s other placements against its quota', async () => {
    const p = await json('/api/v1/intents/team-a-web/plan', admin);
    const cli = JSON.parse((await runFlare(['plan', 'team-a-web', '--repo', api.repo.dir, '--kubeconfig', world.sandbox.kubeconfigPath, '-o', 'json'], api.repo.dir)).stdout);
    expect(cli.plans).toHaveLength(1);
    expect(p).toEqual(cli.plans[0]);
    // web2 holds about 0.6 EUR/h of team-a's 1.2: the dearer RTX 4090 offers are over the quota
    const overQuota = p.placements[0].offers.filter((o: { rejected?: { constraint: string } }) => o.rejected?.constraint === 'tenant.quota.max_hourly_cost');
    expect(overQuota.length).toBeGreaterThan(0);
    expect(p.placements[0].change.kind).toBe('stay');
  });

  it('a poll of an unchanged list is a 304; a new commit changes the ETag', async () => {
    const first = await api.call('GET', '/api/v1/intents', { token: admin });
    const etag = first.headers.etag as string;
    expect((await api.call('GET', '/api/v1/intents', { token: admin, headers: { 'if-none-match': etag } })).status).toBe(304);
    await world.push({ 'intents/team-b/late.yaml': serviceIntent('late') }, 'Add late');
    const after = await until('the new intent in the list', async () => {
      const r = await api.call('GET', '/api/v1/intents', { token: admin, headers: { 'if-none-match': etag } });
      return r.status === 200 ? r : undefined;
    });
    expect(after.headers.etag).not.toBe(etag);
    expect(after.body.intents.map((i: { intent_id: string }) => i.intent_id)).toContain('team-b-late');
  });
});
