import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUi } from '../../scripts/build-ui.mjs';
import { startLocalDashboard, type LocalDashboard } from '../../src/serve/dashboard.js';
import { allSettled, cycleUntil, REPO_ROOT, serviceIntent, startWorld, TENANT, type World } from '../reconcile/harness.js';

/**
 * The dashboard in a real headless browser (Debian's chromium driven by playwright-core) over a
 * real sandbox + reconciler run: the list, the filters, an intent page with its choice and the
 * rejected offers, the federation page, keyboard navigation, live updates. Screenshots go to
 * test-results/dashboard/.
 */

// What the page.evaluate callbacks touch in the page (the test program has no DOM lib).
interface PageElement {
  id: string;
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: { activeElement: PageElement | null };
declare function getComputedStyle(e: PageElement): { outlineStyle: string };

const CHROMIUM = process.env.FLARE_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';
if (!haveChromium && !inCi) console.warn(`dashboard browser test skipped: no chromium at ${CHROMIUM} (apt-get install chromium, as .ci/run does)`);

/**
 * WCAG AA contrast of every visible element with its own text, in the page: text colour against
 * the first opaque background up the tree (4.5:1, large text 3:1). Returns the failures.
 */
const CONTRAST_FAILURES = `(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const bgOf = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3); } return [255, 255, 255]; };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg') || el.closest('.sr-only')) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
    if (!own || el.getClientRects().length === 0) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.display === 'none') continue;
    const a = lum(rgb(st.color)), b = lum(bgOf(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(st.fontSize), bold = Number(st.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) out.push(el.tagName + ' "' + el.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2));
  }
  return out;
})()`;

const SHOTS = path.join(REPO_ROOT, 'test-results', 'dashboard');
/** The flags this machine's closed network needs: no calls home, no GPU, no QUIC. */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(!haveChromium && !inCi)('dashboard in a headless browser', () => {
  let world: World;
  let dash: LocalDashboard;
  let ctx: BrowserContext;
  let page: Page;
  let profile: string;
  let uiDir: string;
  /** Every URL the page requested: all of them must be the dashboard's own. */
  const requested: string[] = [];
  /** Console errors of the page (a CSP violation is one). */
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    // Under CI a missing browser is a failure, not a skip: .ci/run installs it.
    if (!haveChromium) throw new Error(`CI=true but no chromium at ${CHROMIUM}: .ci/run should have installed it`);
    world = await startWorld({
      // The money quota is checked by FLARE, not by the Solver: the dearer EU RTX 4090 offers
      // reach the ranker and are rejected there with their reason, next to the runners-up.
      'tenants/team-a.yaml': TENANT('team-a', '  quota:\n    gpus: 6\n    max_hourly_cost: 0.62 EUR\n'),
      'tenants/team-b.yaml': TENANT('team-b'),
      'intents/team-a/web.yaml': serviceIntent('web'),
      'intents/team-b/fast.yaml': serviceIntent('fast', { objective: 'Performance_Maximization', model: 'nvidia-h100' }),
      'intents/team-b/cheap.yaml': serviceIntent('cheap', { maxHourly: '0.01 EUR' }),
    });
    uiDir = await buildUi(path.join(world.tmp, 'ui'));
    const rec = await world.start();
    await cycleUntil(rec, (r) => allSettled(r) && r.intents.length === 3, { timeoutMs: 40_000 });
    await rec.stop();
    dash = await startLocalDashboard({ gitUrl: world.url, cluster: world.cluster, workDir: world.tmp, uiDir });
    profile = await mkdtemp(path.join(os.tmpdir(), 'flare-chromium-'));
    ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('request', (r) => requested.push(r.url()));
    page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await mkdir(SHOTS, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await ctx?.close();
    await dash?.close();
    await world?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const shot = async (name: string): Promise<void> => {
    // every page the test photographs also passes the contrast check
    expect(await page.evaluate(CONTRAST_FAILURES), `contrast on ${name}`).toEqual([]);
    const file = path.join(SHOTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot: ${path.relative(REPO_ROOT, file)}`);
  };
  const row = (id: string) => page.locator('#intents tbody tr', { has: page.locator(`a[href="#/intents/${id}"]`) });

  it('without a token: the page asks for one in a labelled form and the API gives no data', async () => {
    const origin = dash.server.url;
    const r = await fetch(`${origin}/api/v1/intents`);
    expect(r.status).toBe(401);
    const body = await r.text();
    expect(body).not.toContain('team-a');
    expect(body).not.toContain('web');
    await page.goto(`${origin}/`);
    const input = page.getByLabel('API token');
    await input.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('token');
    expect(await page.locator('body').innerText()).not.toContain('team-a/web');
    await shot('sign-in');
  });

  it('serves the bundle with its content types and a strict CSP, and it names no external URL', async () => {
    const origin = dash.server.url;
    const html = await fetch(`${origin}/`);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = html.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const js = await fetch(`${origin}/ui/app.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    const css = await fetch(`${origin}/ui/app.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const texts = [await html.text(), await js.text(), await css.text(), await readFile(path.join(uiDir, 'favicon.svg'), 'utf8')];
    // The one URL allowed is the SVG namespace name, an identifier that is never fetched.
    for (const t of texts) expect(t.replaceAll('http://www.w3.org/2000/svg', '').match(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/gi) ?? []).toEqual([]);
    expect(texts[0]).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('the list shows the intents with their phases; the token leaves the address bar', async () => {
    await page.goto(dash.url);
    await row('team-a-web').waitFor();
    expect(page.url()).not.toContain('token');
    expect(await row('team-a-web').locator('td').nth(2).innerText()).toBe('Running');
    expect(await row('team-b-fast').locator('td').nth(2).innerText()).toBe('Running');
    expect(await row('team-b-cheap').locator('td').nth(2).innerText()).toBe('NoMatch');
    const web = await row('team-a-web').locator('td').allInnerTexts();
    const api = (await (await fetch(`${dash.server.url}/api/v1/intents/team-a-web/describe`, { headers: { authorization: `Bearer ${tokenOf(dash.url)}` } })).json()) as { cost: { provider: string; hourly: number } };
    expect(web[3]).toBe(api.cost.provider);
    expect(web[4]).toBe('1× nvidia-rtx-4090');
    expect(web[5]).toBe(api.cost.hourly.toFixed(2));
    expect(web[6]).toMatch(/^\d+[smhd]/);
    await shot('intents');
  });

  it('filters by tenant and by phase', async () => {
    await page.getByLabel('Tenant').selectOption('team-a');
    await expect.poll(() => page.locator('#intents tbody tr').count()).toBe(1);
    expect(await row('team-a-web').count()).toBe(1);
    expect(page.url()).toContain('tenant=team-a');
    await page.getByLabel('Tenant').selectOption('team-b');
    await expect.poll(() => page.locator('#intents tbody tr').count()).toBe(2);
    expect(await row('team-b-cheap').count()).toBe(1);
    await page.getByLabel('Tenant').selectOption('');
    await page.getByLabel('Phase').selectOption('Running');
    await expect.poll(() => page.locator('#intents tbody tr').count()).toBe(2);
    expect(await row('team-b-cheap').count()).toBe(0);
    await page.getByLabel('Tenant').selectOption('team-b');
    await expect.poll(() => page.locator('#intents tbody tr').count()).toBe(1);
    expect(await row('team-b-fast').count()).toBe(1);
    await page.getByLabel('Tenant').selectOption('');
    await page.getByLabel('Phase').selectOption('Failed');
    await expect.poll(() => page.locator('main').innerText()).toContain('No intent matches the filters.');
    await page.getByLabel('Phase').selectOption('');
    await expect.poll(() => page.locator('#intents tbody tr').count()).toBe(3);
  });

  it('keyboard: Tab reaches an intent link, Enter opens its page with the choice, runners-up and rejected offers', async () => {
    await page.locator('body').focus();
    let reached = false;
    for (let i = 0; i < 25 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.getAttribute('href') === '#/intents/team-a-web');
    }
    expect(reached, 'Tab never reached the link of team-a/web').toBe(true);
    // The focused element shows a visible focus ring.
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe('none');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/intents\/team-a-web$/);
    await page.locator('#chosen-provider-0').waitFor();
    const detail = await statusOf('team-a-web');
    const placement = detail.placements[0]!;
    expect(await page.locator('#chosen-provider-0').innerText()).toBe(placement.chosen.provider);
    expect(placement.runners_up.length).toBeGreaterThan(0);
    const ru = page.locator('#runners-up-0 tbody tr');
    expect(await ru.count()).toBe(1 + placement.runners_up.length);
    expect(await ru.nth(1).locator('td').nth(1).innerText()).toBe(placement.runners_up[0]!.provider);
    // the chart: one bar per offer and term (chosen in its own colour)
    expect(await page.locator('figure.score svg rect.bar-chosen').count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator('figure.score svg rect.bar-runner').count()).toBeGreaterThanOrEqual(placement.runners_up.length);
    expect(placement.rejected.length, JSON.stringify(placement)).toBeGreaterThan(0);
    const rej = placement.rejected[0]!;
    const rejRow = page.locator('#rejected-0 tbody tr', { hasText: rej.candidate }).first();
    expect(await rejRow.innerText()).toContain(rej.reason);
    expect(await page.locator('#history tbody tr').count()).toBeGreaterThan(0);
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
    await shot('intent-placed');
    // back with the keyboard: Shift+Tab from the heading reaches the back link
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('All intents');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/$/);
    await row('team-a-web').waitFor();
  });

  it('a NoMatch intent page shows each rejected offer with its reason', async () => {
    await page.goto(`${dash.server.url}/#/intents/team-b-cheap`);
    await page.locator('#rejected-0').waitFor();
    const detail = await statusOf('team-b-cheap');
    const rejected = detail.placements[0]!.rejected;
    expect(rejected.length).toBeGreaterThan(0);
    expect(await page.locator('#rejected-0 tbody tr').count()).toBe(rejected.length);
    const budget = rejected.find((r) => r.constraint.endsWith('max_hourly_cost'))!;
    expect(budget).toBeDefined();
    const tr = page.locator('#rejected-0 tbody tr', { hasText: budget.candidate }).first();
    expect(await tr.innerText()).toContain(budget.reason);
    expect(await page.locator('main').innerText()).toContain('No offer chosen');
    await shot('intent-nomatch');
  });

  it('the federation page lists the GPUs and the tenant quota usage', async () => {
    await page.goto(`${dash.server.url}/#/federation`);
    await page.locator('#resources tbody tr').first().waitFor();
    expect(await page.locator('#resources tbody tr').count()).toBeGreaterThan(10);
    expect(await page.locator('#resources').innerText()).toContain('nvidia-h100');
    const teamA = page.locator('#quota tbody tr', { hasText: 'team-a' });
    // web holds 1 GPU of the quota's 6, and its hourly cost of the money quota
    const web = (await statusOf('team-a-web')).placements[0]!.chosen as unknown as { hourly_cost: number };
    expect(await teamA.innerText()).toContain('1 of 6');
    expect(await teamA.innerText()).toContain(`${web.hourly_cost.toFixed(2)} of 0.62`);
    await shot('federation');
  });

  it('updates live: a new intent appears without a reload', async () => {
    await page.goto(`${dash.server.url}/#/`);
    await row('team-a-web').waitFor();
    await world.push({ 'intents/team-b/late.yaml': serviceIntent('late') }, 'Add late');
    await row('team-b-late').waitFor({ timeout: 20_000 });
    expect(await row('team-b-late').locator('td').nth(2).innerText()).toBe('Pending');
  });

  it('every request of the page went to the dashboard itself, and the page logged no error (no CSP violation)', () => {
    expect(consoleErrors).toEqual([]);
    const origin = new URL(dash.server.url).origin;
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((u) => new URL(u).origin !== origin)).toEqual([]);
    // the token travelled in headers only, never in a URL the server saw
    expect(requested.filter((u) => u.split('#')[0]!.includes('flr_'))).toEqual([]);
  });

  function tokenOf(url: string): string {
    return decodeURIComponent(url.split('#token=')[1]!);
  }

  async function statusOf(id: string): Promise<{ placements: { chosen: { provider: string }; runners_up: { provider: string }[]; rejected: { candidate: string; constraint: string; reason: string }[] }[] }> {
    const r = await fetch(`${dash.server.url}/api/v1/intents/${id}`, { headers: { authorization: `Bearer ${tokenOf(dash.url)}` } });
    return (await r.json()) as never;
  }
});
