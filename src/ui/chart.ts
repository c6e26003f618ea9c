import { h, s } from './dom.js';
import type { Terms } from './types.js';

export interface ScoredOffer {
  label: string;
  chosen: boolean;
  /** Normalized terms (0–1, 1 best); null when the offer is no longer in the federation. */
  terms: Terms | null;
  score: number | null;
}

const TERMS: (keyof Terms)[] = ['cost', 'performance', 'latency', 'energy'];
const W = 640;
const LABEL_W = 190;
const VALUE_W = 50;
const BAR_H = 14;
const GAP = 4;

/**
 * The choice as bars: for each score term (and the total), one bar per offer, the chosen one in
 * blue, runners-up in grey. The same numbers are in the table beside it; the SVG is labelled as
 * an image so a screen reader reads the table instead of every bar.
 */
export function scoreChart(offers: ScoredOffer[], weights: Terms, captionId: string): SVGElement {
  const groups: { title: string; values: (number | null)[] }[] = [
    ...TERMS.map((t) => ({ title: `${t} (weight ${weights[t]})`, values: offers.map((o) => (o.terms ? o.terms[t] : null)) })),
    { title: 'score (weighted sum)', values: offers.map((o) => o.score) },
  ];
  const groupH = 18 + offers.length * (BAR_H + GAP) + 8;
  const height = groups.length * groupH + 24;
  const barW = W - LABEL_W - VALUE_W;
  const kids: SVGElement[] = [];
  groups.forEach((g, gi) => {
    const y0 = gi * groupH;
    kids.push(s('text', { x: 0, y: y0 + 13, class: 'chart-group' }, g.title));
    g.values.forEach((v, i) => {
      const o = offers[i]!;
      const y = y0 + 18 + i * (BAR_H + GAP);
      kids.push(s('text', { x: LABEL_W - 6, y: y + BAR_H - 3, 'text-anchor': 'end', class: 'chart-label' }, o.label));
      kids.push(s('rect', { x: LABEL_W, y, width: barW, height: BAR_H, class: 'chart-track' }));
      if (v !== null) {
        kids.push(
          s('rect', { x: LABEL_W, y, width: Math.max(1, Math.round(v * barW)), height: BAR_H, class: o.chosen ? 'bar-chosen' : 'bar-runner' }, s('title', {}, `${o.label}: ${g.title} ${v.toFixed(3)}`)),
        );
      }
      kids.push(s('text', { x: W - VALUE_W + 6, y: y + BAR_H - 3, class: 'chart-value' }, v === null ? 'n/a' : v.toFixed(2)));
    });
  });
  const ly = groups.length * groupH + 8;
  kids.push(s('rect', { x: LABEL_W, y: ly, width: 12, height: 12, class: 'bar-chosen' }));
  kids.push(s('text', { x: LABEL_W + 18, y: ly + 11, class: 'chart-label' }, 'chosen'));
  kids.push(s('rect', { x: LABEL_W + 90, y: ly, width: 12, height: 12, class: 'bar-runner' }));
  kids.push(s('text', { x: LABEL_W + 108, y: ly + 11, class: 'chart-label' }, 'runner-up'));
  return s('svg', { viewBox: `0 0 ${W} ${height}`, width: W, height, role: 'img', 'aria-labelledby': captionId, class: 'chart' }, ...kids);
}

/** Accrued cost at each status commit (and now) as a step line. */
export function costChart(points: { time: string; accrued: number }[], currency: string, captionId: string): SVGElement | HTMLElement {
  const pts = points.map((p) => ({ t: Date.parse(p.time), v: p.accrued })).filter((p) => !Number.isNaN(p.t));
  if (pts.length < 2) return h('p', {}, 'Not enough status commits yet to draw the cost over time.');
  const width = W;
  const height = 200;
  const pad = { l: 56, r: 12, t: 10, b: 28 };
  const t0 = pts[0]!.t;
  const t1 = Math.max(pts[pts.length - 1]!.t, t0 + 1);
  const vmax = Math.max(0.01, ...pts.map((p) => p.v));
  const x = (t: number): number => pad.l + ((t - t0) / (t1 - t0)) * (width - pad.l - pad.r);
  const y = (v: number): number => height - pad.b - (v / vmax) * (height - pad.t - pad.b);
  let d = `M${x(pts[0]!.t).toFixed(1)},${y(pts[0]!.v).toFixed(1)}`;
  for (let i = 1; i < pts.length; i++) d += ` L${x(pts[i]!.t).toFixed(1)},${y(pts[i]!.v).toFixed(1)}`;
  const fmt = (t: number): string => new Date(t).toISOString().slice(11, 19);
  return s(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-labelledby': captionId, class: 'chart' },
    s('line', { x1: pad.l, y1: height - pad.b, x2: width - pad.r, y2: height - pad.b, class: 'chart-axis' }),
    s('line', { x1: pad.l, y1: pad.t, x2: pad.l, y2: height - pad.b, class: 'chart-axis' }),
    s('text', { x: pad.l - 6, y: pad.t + 10, 'text-anchor': 'end', class: 'chart-label' }, vmax.toFixed(2)),
    s('text', { x: pad.l - 6, y: height - pad.b, 'text-anchor': 'end', class: 'chart-label' }, `0 ${currency}`),
    s('text', { x: pad.l, y: height - 8, class: 'chart-label' }, `${fmt(t0)} UTC`),
    s('text', { x: width - pad.r, y: height - 8, 'text-anchor': 'end', class: 'chart-label' }, `${fmt(t1)} UTC`),
    s('path', { d, class: 'chart-line' }),
    ...pts.map((p) => s('circle', { cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: 3, class: 'chart-dot' })),
  );
}
