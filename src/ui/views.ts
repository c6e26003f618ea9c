import { ApiFailure, get } from './api.js';
import { costChart, scoreChart, type ScoredOffer } from './chart.js';
import { age, h, money, phaseBadge, table } from './dom.js';
import type { CostReport, Describe, HistoryEntry, IntentSummary, Placement, Plan, PlanRow, Resource } from './types.js';

/** A page of the dashboard: fetches its data on each poll and re-renders only when it changed. */
export interface View {
  refresh(first: boolean): Promise<void>;
}

/** The phases a filter offers (status model order), whatever the current intents are in. */
const PHASES = ['Pending', 'Reserving', 'Allocating', 'Deploying', 'Running', 'Completed', 'NoMatch', 'Failed', 'Invalid', 'Deleting'];

/** Re-renders `root` keeping keyboard focus on the element with the same data-key. */
function replace(root: HTMLElement, ...nodes: Node[]): void {
  const active = document.activeElement as HTMLElement | null;
  const key = active && root.contains(active) ? active.dataset.key : undefined;
  root.replaceChildren(...nodes);
  if (key) root.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

function failureNote(err: unknown): HTMLElement {
  const text = err instanceof ApiFailure ? `${err.message} (${err.code})` : `the server did not answer: ${String((err as Error)?.message ?? err)}`;
  return h('p', { class: 'note', role: 'status' }, text);
}

export function intentsView(main: HTMLElement, query: URLSearchParams): View {
  const filter = { tenant: query.get('tenant') ?? '', phase: query.get('phase') ?? '' };
  let intents: IntentSummary[] = [];
  const tenantSel = h('select', { id: 'filter-tenant', name: 'tenant', 'data-key': 'filter-tenant' });
  const phaseSel = h('select', { id: 'filter-phase', name: 'phase', 'data-key': 'filter-phase' });
  const count = h('p', { id: 'count', 'aria-live': 'polite' });
  const body = h('div');
  const onFilter = (): void => {
    filter.tenant = tenantSel.value;
    filter.phase = phaseSel.value;
    // The filter is part of the address (shareable, survives a reload) without a navigation.
    const q = new URLSearchParams();
    if (filter.tenant) q.set('tenant', filter.tenant);
    if (filter.phase) q.set('phase', filter.phase);
    history.replaceState(null, '', `#/${q.size ? `?${q}` : ''}`);
    renderTable();
  };
  tenantSel.addEventListener('change', onFilter);
  phaseSel.addEventListener('change', onFilter);
  const options = (sel: HTMLSelectElement, all: string, values: string[], current: string): void => {
    const opts = [h('option', { value: '' }, all), ...values.map((v) => h('option', { value: v }, v))];
    sel.replaceChildren(...opts);
    sel.value = values.includes(current) ? current : '';
  };
  main.replaceChildren(
    h('h1', { tabindex: -1 }, 'Intents'),
    h(
      'form',
      { class: 'filters', role: 'search', 'aria-label': 'Filter intents', onsubmit: (e: Event) => e.preventDefault() },
      h('label', { for: 'filter-tenant' }, 'Tenant'),
      tenantSel,
      h('label', { for: 'filter-phase' }, 'Phase'),
      phaseSel,
    ),
    count,
    body,
  );
  const renderTable = (): void => {
    const shown = intents.filter((i) => (!filter.tenant || i.tenant === filter.tenant) && (!filter.phase || i.phase === filter.phase));
    count.textContent = `${shown.length} of ${intents.length} intents`;
    if (shown.length === 0) {
      replace(body, h('p', {}, intents.length === 0 ? 'No intents in the repository yet.' : 'No intent matches the filters.'));
      return;
    }
    const rows = shown.map((i) => [
      h('a', { href: `#/intents/${i.intent_id}`, 'data-key': `intent-${i.intent_id}` }, `${i.tenant}/${i.name}`),
      i.tenant,
      phaseBadge(i.phase),
      i.provider ?? '–',
      i.gpu ? `${i.gpu.count}× ${i.gpu.model ?? 'any'}` : '–',
      money(i.hourly_cost),
      h('time', { 'data-age': i.first_seen ?? '', datetime: i.first_seen ?? '' }, age(i.first_seen)),
    ]);
    replace(body, table('Intents with their phase, provider, GPU, hourly cost and age', ['Intent', 'Tenant', 'Phase', 'Provider', 'GPU', 'EUR/h', 'Age'], rows, { id: 'intents' }));
  };
  return {
    async refresh(first) {
      const { data, changed } = await get<{ intents: IntentSummary[] }>('/api/v1/intents');
      if (!changed && !first) return;
      intents = data.intents;
      const tenants = [...new Set(intents.map((i) => i.tenant))].sort();
      if (first || tenants.join() !== [...tenantSel.options].slice(1).map((o) => o.value).join()) options(tenantSel, 'All tenants', tenants, filter.tenant);
      if (first) options(phaseSel, 'All phases', PHASES, filter.phase);
      renderTable();
    },
  };
}

/** The offers of one placement for the chart: the chosen one and the recorded runners-up. */
function scoredOffers(p: Placement, plan: Plan['placements'][number] | undefined): ScoredOffer[] {
  const rows = new Map<string, PlanRow>((plan?.offers ?? []).map((r) => [r.candidate, r]));
  const out: ScoredOffer[] = [];
  if (p.chosen) {
    const live = rows.get(p.chosen.candidate);
    out.push({ label: `${p.chosen.provider} (chosen)`, chosen: true, terms: live?.terms ?? p.chosen.breakdown, score: live?.score ?? p.chosen.score });
  }
  for (const r of p.runners_up ?? []) {
    const live = rows.get(r.candidate);
    out.push({ label: r.provider, chosen: false, terms: live?.terms ?? null, score: live?.score ?? r.score });
  }
  return out;
}

function placementSection(d: Describe, p: Placement, idx: number, plan: Plan | null, cur: string): HTMLElement {
  const where = p.location ? ` in ${p.location}` : '';
  const planP = plan?.placements.find((x) => x.location === p.location) ?? (p.location === undefined ? plan?.placements[0] : undefined);
  const parts: Node[] = [h('h2', { id: `placement-${idx}` }, `Choice${where}`)];
  if (p.chosen) {
    const c = p.chosen;
    parts.push(
      h(
        'p',
        { class: 'chosen' },
        'Chosen provider: ',
        h('strong', { id: `chosen-provider-${idx}` }, c.provider),
        ` — ${c.model} ${c.memory} (an offer of ${c.count} GPUs) in ${[c.region, c.zone].filter(Boolean).join('/')}, ${money(c.hourly_cost)} ${cur}/h, score ${c.score.toFixed(3)}`,
      ),
    );
    const offers = scoredOffers(p, planP ?? undefined);
    const capId = `score-caption-${idx}`;
    const termCells = (o: ScoredOffer): string[] => (o.terms ? [o.terms.cost, o.terms.performance, o.terms.latency, o.terms.energy].map((x) => x.toFixed(2)) : ['n/a', 'n/a', 'n/a', 'n/a']);
    const rows = [
      [h('span', {}, c.candidate, ' ', h('span', { class: 'tag' }, 'chosen')), c.provider, c.model, money(c.hourly_cost), ...termCells(offers[0]!), offers[0]!.score?.toFixed(3) ?? '–'],
      ...(p.runners_up ?? []).map((r, i) => [r.candidate, r.provider, r.model, money(r.hourly_cost), ...termCells(offers[i + 1]!), offers[i + 1]!.score?.toFixed(3) ?? '–']),
    ];
    parts.push(
      h(
        'figure',
        { class: 'score' },
        h('figcaption', { id: capId }, `Score terms (0–1, 1 is best) of the chosen offer against ${p.runners_up?.length ?? 0} runners-up, objective ${d.spec.objective}. ${planP ? 'Terms as the ranker scores the federation now (flare plan); ' : ''}the recorded decision is in the table.`),
        h('div', { class: 'chart-wrap' }, scoreChart(offers, d.weights, capId)),
        table('Chosen offer and runners-up', ['Offer', 'Provider', 'Model', `${cur}/h`, 'Cost', 'Performance', 'Latency', 'Energy', 'Score'], rows, { id: `runners-up-${idx}` }),
      ),
    );
  } else {
    parts.push(h('p', { class: 'chosen' }, 'No offer chosen', p.nomatch?.summary ? `: ${p.nomatch.summary}` : '.'));
  }
  const rejected = p.rejected ?? [];
  parts.push(h('h3', {}, `Rejected offers (${rejected.length})`));
  if (rejected.length === 0) parts.push(h('p', {}, 'None: every offer seen was feasible.'));
  else {
    parts.push(table('Offers rejected, with the constraint that rejected each and why', ['Offer', 'Provider', 'Model', 'Constraint', 'Reason'], rejected.map((r) => [r.candidate, r.provider || '?', r.model || '–', r.constraint, r.reason]), { id: `rejected-${idx}` }));
  }
  return h('section', { 'aria-labelledby': `placement-${idx}` }, ...parts);
}

export function intentView(main: HTMLElement, id: string): View {
  let shown = '';
  return {
    async refresh(first) {
      const base = `/api/v1/intents/${encodeURIComponent(id)}`;
      const [dr, hr] = await Promise.all([get<Describe>(`${base}/describe`), get<{ entries: HistoryEntry[] }>(`${base}/history`)]);
      // The plan needs a cluster behind the server; without one the chart shows what the status recorded.
      const pr = await get<Plan>(`${base}/plan`).catch((err: unknown) => {
        if (err instanceof ApiFailure && err.status === 503) return { data: null, changed: false };
        throw err;
      });
      if (!first && !dr.changed && !hr.changed && !pr.changed) return;
      const d = dr.data;
      const key = JSON.stringify([d, hr.data, pr.data]);
      if (key === shown) return;
      shown = key;
      render(d, hr.data.entries, pr.data, first);
    },
  };

  function render(d: Describe, entries: HistoryEntry[], plan: Plan | null, first: boolean): void {
    const cur = d.cost.currency;
    document.title = `${d.tenant}/${d.name} – FLARE dashboard`;
    const sections: Node[] = [];
    d.placements.forEach((p, i) => sections.push(placementSection(d, p, i, plan, cur)));
    if (d.placements.length === 0) sections.push(h('p', {}, 'No placement yet.'));
    const costPoints = entries.map((e) => ({ time: e.time, accrued: e.accrued }));
    if (d.cost.accrued !== costPoints[costPoints.length - 1]?.accrued) costPoints.push({ time: new Date().toISOString(), accrued: d.cost.accrued });
    const nodes: Node[] = [
      h('p', {}, h('a', { href: '#/', 'data-key': 'back' }, '← All intents')),
      h('h1', { tabindex: -1 }, `${d.tenant}/${d.name}`),
      h('p', { class: 'lead' }, phaseBadge(d.phase), ' ', h('span', { id: 'phase-message' }, d.message)),
      h(
        'dl',
        { class: 'facts' },
        ...fact('Intent', d.intent),
        ...fact('File', d.file),
        ...fact('Objective', `${d.spec.objective} (weights: cost ${d.weights.cost}, performance ${d.weights.performance}, latency ${d.weights.latency}, energy ${d.weights.energy})`),
        ...fact('Workload', d.spec.workload),
        ...fact('GPU', d.spec.gpu),
        ...fact('Constraints', d.spec.constraints.join(', ')),
        ...fact('Provider', d.cost.provider),
        ...fact(`${cur}/h`, `${money(d.cost.hourly)}${d.cost.burn ? ' (charging)' : ''}`),
        ...fact('Accrued', `${money(d.cost.accrued)} ${cur}${d.cost.budget_left !== undefined ? `, ${money(d.cost.budget_left)} of ${money(d.cost.max_total_cost)} left` : ''}`),
      ),
      ...d.warnings.map((w) => h('p', { class: 'note' }, `Warning: ${w}`)),
      ...sections,
    ];
    if (d.suggestions.length) {
      nodes.push(h('h2', {}, 'Suggestions'), h('ul', {}, d.suggestions.map((x) => h('li', {}, `${x.alternative} (${x.cost_difference}; ${x.performance_impact})${x.change ? ` — set ${x.change.path}: ${JSON.stringify(x.change.value)}` : ''}`))));
    }
    nodes.push(
      h('h2', {}, 'History'),
      entries.length
        ? table('Status commits of the intent, oldest first', ['Time (UTC)', 'Commit', 'Phase', 'Provider', `${cur}/h`, `Accrued ${cur}`, 'Reason'], entries.map((e) => [e.time.replace('T', ' ').replace(/\.\d+Z$|Z$/, ''), h('code', {}, e.commit), phaseBadge(e.phase), e.provider, e.hourly_cost ? money(e.hourly_cost) : '–', money(e.accrued), e.reason]), { id: 'history' })
        : h('p', {}, 'No status commits yet.'),
      h('h2', {}, 'Cost over time'),
      h('figure', {}, h('figcaption', { id: 'cost-caption' }, `Accrued cost in ${cur} at each status commit and now (${money(d.cost.accrued)} ${cur}); the values are in the History table.`), costChart(costPoints, cur, 'cost-caption')),
    );
    replace(main, ...nodes);
    if (first) main.querySelector<HTMLElement>('h1')?.focus();
  }
}

function fact(k: string, v: string): HTMLElement[] {
  return [h('dt', {}, k), h('dd', {}, v)];
}

export function federationView(main: HTMLElement): View {
  let shown = '';
  return {
    async refresh(first) {
      const [res, cost] = await Promise.all([
        get<{ resources: Resource[] }>('/api/v1/resources').then((r) => ({ ok: true as const, ...r }), (err: unknown) => ({ ok: false as const, err })),
        get<CostReport>('/api/v1/cost'),
      ]);
      const key = JSON.stringify([res.ok ? res.data : String(res.err), cost.data]);
      if (!first && key === shown) return;
      shown = key;
      const c = cost.data;
      const cur = c.currency;
      const quota = c.tenants.map((t) => [
        t.tenant,
        String(t.intents),
        t.quota_gpus !== undefined ? usage(t.gpus_in_use, t.quota_gpus, `${t.gpus_in_use} of ${t.quota_gpus}`) : String(t.gpus_in_use),
        t.quota_max_hourly_cost !== undefined ? usage(t.held_hourly, t.quota_max_hourly_cost, `${money(t.held_hourly)} of ${money(t.quota_max_hourly_cost)}`) : money(t.held_hourly),
        money(t.burn),
        money(t.accrued),
      ]);
      replace(
        main,
        h('h1', { tabindex: -1 }, 'Federation'),
        h('h2', {}, 'GPUs'),
        res.ok
          ? table(
              "The federation's GPU offers (flare resources)",
              ['Provider', 'Model', 'GPUs', 'Memory', 'Location', 'Zone', `${cur}/h per GPU`, 'Latency', 'Available'],
              res.data.resources.map((r) => [r.provider, r.model, String(r.count), r.memory ?? '–', r.location ?? '–', r.zone ?? '–', money(r.cost_per_hour), r.latency_ms !== null ? `${r.latency_ms} ms` : '–', r.available ? 'yes' : 'no']),
              { id: 'resources' },
            )
          : failureNote(res.err),
        h('h2', {}, 'Tenant quota usage'),
        table('GPUs and hourly cost held by each tenant against its quota', ['Tenant', 'Intents', 'GPUs in use', `Held ${cur}/h`, `Burn ${cur}/h`, `Accrued ${cur}`], quota, { id: 'quota' }),
        h('p', {}, `Total: ${money(c.total.burn)} ${cur}/h burn, ${money(c.total.accrued)} ${cur} accrued.`),
      );
      if (first) main.querySelector<HTMLElement>('h1')?.focus();
    },
  };
}

/** A value against its quota: the text, and a meter for sighted users (labelled by the text). */
function usage(used: number, max: number, text: string): HTMLElement {
  return h('span', { class: 'usage' }, h('meter', { min: 0, max, value: Math.min(used, max), 'aria-hidden': 'true' }), ' ', text);
}
