import type { IntentPlan, PlanRow } from './plan.js';

/** Left-aligned columns separated by two spaces; trailing blanks trimmed. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

const f2 = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x.toFixed(2));

function gpus(r: PlanRow): string {
  return `${r.count}×${r.memory || '?'}`;
}

const HEADER = ['', 'PROVIDER', 'MODEL', 'GPUS', 'REGION', 'EUR/H', 'LATENCY', 'COST', 'PERF', 'LAT', 'ENERGY', 'SCORE', 'REJECTED BY'];

function cells(r: PlanRow): string[] {
  const t = r.terms;
  return [
    r.chosen ? '✔' : '',
    r.provider || '?',
    r.model || '-',
    gpus(r),
    r.region || '-',
    f2(r.hourly_cost),
    r.latency_ms === null ? '-' : `${r.latency_ms} ms`,
    t ? f2(t.cost) : '',
    t ? f2(t.performance) : '',
    t ? f2(t.latency) : '',
    t ? f2(t.energy) : '',
    r.score !== undefined ? f2(r.score) : '',
    r.rejected ? `${r.rejected.constraint}: ${r.rejected.reason}` : '',
  ];
}

function weightsText(p: IntentPlan): string {
  const w = p.weights;
  return `cost ${w.cost}, performance ${w.performance}, latency ${w.latency}, energy ${w.energy}`;
}

export function formatPlanText(plans: readonly IntentPlan[]): string {
  const out: string[] = [];
  for (const p of plans) {
    out.push(`${p.intent}: ${p.gpus} GPU${p.gpus === 1 ? '' : 's'}, ${p.objective} (weights ${weightsText(p)})${p.current_phase ? `, now ${p.current_phase}` : ''}${p.spec_changed ? ', spec changed' : ''}`);
    for (const pl of p.placements) {
      if (pl.location !== undefined) out.push(`placement ${pl.location}:`);
      out.push(`  ${pl.summary}`);
      for (const l of table(HEADER.map((h) => (h === 'EUR/H' ? `${p.currency}/H` : h)), pl.offers.map(cells))) out.push(`  ${l}`);
      for (const s of pl.suggestions) out.push(`  suggestion: ${s.alternative}; cost ${s.cost_difference}; performance ${s.performance_impact}; set ${s.change.path} = ${JSON.stringify(s.change.value)}`);
      out.push(`  change: ${pl.change.text}`);
    }
    out.push('');
  }
  return out.join('\n');
}

const md = (s: string): string => s.replace(/\|/g, '\\|');

/** For a pull-request comment: one section per intent, a table per placement. */
export function formatPlanMarkdown(plans: readonly IntentPlan[]): string {
  const out: string[] = ['## flare plan', ''];
  for (const p of plans) {
    out.push(`### ${p.intent}`, '');
    out.push(`${p.gpus} GPU${p.gpus === 1 ? '' : 's'}, **${p.objective}** (weights ${weightsText(p)})${p.current_phase ? `, now ${p.current_phase}` : ''}${p.spec_changed ? ', spec changed' : ''}`, '');
    for (const pl of p.placements) {
      if (pl.location !== undefined) out.push(`**placement ${md(pl.location)}**`, '');
      out.push(`**${md(pl.change.text)}** · ${md(pl.summary)}`, '');
      const header = HEADER.map((h) => (h === '' ? ' ' : h === 'EUR/H' ? `${p.currency}/h` : h));
      out.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
      for (const r of pl.offers) out.push(`| ${cells(r).map((c) => md(c) || ' ').join(' | ')} |`);
      out.push('');
      for (const s of pl.suggestions) out.push(`- suggestion: ${md(s.alternative)}; cost ${md(s.cost_difference)}; set \`${s.change.path}\` = \`${JSON.stringify(s.change.value)}\``);
      if (pl.suggestions.length) out.push('');
    }
  }
  return out.join('\n');
}
