import type { Decision } from './types.js';

function f2(x: number): string {
  return x.toFixed(2);
}

/**
 * Human lines for logs and `flare status`: the choice with its score breakdown, the runners-up,
 * the rejected candidates with their reasons, and the suggestions of a NoMatch.
 */
export function explainDecision(d: Decision, currency = 'EUR'): string[] {
  const lines: string[] = [];
  const c = d.chosen;
  if (c) {
    const where = [c.region, c.zone].filter(Boolean).join('/');
    const lat = c.latency_ms !== undefined ? `, ${c.latency_ms} ms` : '';
    lines.push(
      `chosen ${c.candidate}: ${c.model} ×${c.count} (${c.memory}) from ${c.provider}${where ? ` in ${where}` : ''}, ` +
        `${f2(c.hourly_cost)} ${currency}/h${lat}, score ${f2(c.score)}`,
    );
    const b = c.breakdown;
    lines.push(`  breakdown: cost ${f2(b.cost)}, performance ${f2(b.performance)}, latency ${f2(b.latency)}, energy ${f2(b.energy)}`);
  } else {
    lines.push('no feasible candidate');
  }
  d.runners_up.forEach((r, i) => {
    lines.push(`runner-up ${i + 1}: ${r.candidate} (${r.model} from ${r.provider}), ${f2(r.hourly_cost)} ${currency}/h, score ${f2(r.score)}`);
  });
  for (const r of d.rejected) {
    lines.push(`rejected ${r.candidate} (${r.model || 'no GPU'} from ${r.provider || 'unknown'}): ${r.constraint}: ${r.reason}`);
  }
  for (const s of d.suggestions) {
    lines.push(`suggestion: ${s.alternative}; cost ${s.cost_difference}; performance ${s.performance_impact}; set ${s.change.path} = ${JSON.stringify(s.change.value)}`);
  }
  return lines;
}
