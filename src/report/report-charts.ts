/**
 * Inline SVG charts for the report: no script, no external file, so the page opens
 * offline and prints. Each drawn number is also a text node (a `data-*` attribute says
 * which), so a reader, a screen reader and the browser test all see the same values.
 */
import { formatBound, formatCount, formatPercent } from '../io/numbers';
import { html, type SafeHtml } from './html';
import type { LatencySummary } from './latency-histogram';

/** One segment of a stacked bar. */
export interface Segment {
  readonly key: string;
  readonly label: string;
  readonly count: number;
  readonly color: string;
}

const CHART = { width: 560, height: 230, left: 8, right: 8, top: 22, bottom: 40 } as const;

function bucketLabel(fromMs: number, toMs: number | null): string {
  if (fromMs === 0 && toMs !== null) return `<${formatBound(toMs)}`;
  if (toMs === null) return `≥${formatBound(fromMs)}`;
  return `${formatBound(fromMs)}–${formatBound(toMs)}`;
}

/**
 * A bar chart of a latency histogram: one bar per bucket, its count above it, its
 * range (ms unless marked `s`) below it.
 */
export function histogramChart(name: string, title: string, latency: LatencySummary, color: string): SafeHtml {
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  const slot = plotWidth / latency.buckets.length;
  const tallest = Math.max(1, ...latency.buckets.map((b) => b.count));
  const baseline = CHART.top + plotHeight;
  const bars = latency.buckets.map((bucket, i) => {
    const h = bucket.count === 0 ? 0 : Math.max(2, (bucket.count / tallest) * plotHeight);
    const x = CHART.left + i * slot + slot * 0.12;
    const w = slot * 0.76;
    const mid = CHART.left + i * slot + slot / 2;
    const range = bucketLabel(bucket.fromMs, bucket.toMs);
    return html`<g><title>${range} ms: ${formatCount(bucket.count)} (${formatPercent(bucket.count, latency.count)})</title>
<rect x="${x.toFixed(1)}" y="${(baseline - h).toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" rx="3" fill="${color}"/>
<text class="bar-count" x="${mid.toFixed(1)}" y="${(baseline - h - 6).toFixed(1)}" text-anchor="middle" data-hist="${name}" data-bucket="${i}">${bucket.count === 0 ? '' : formatCount(bucket.count)}</text>
<text class="bar-label" x="${mid.toFixed(1)}" y="${baseline + 16}" text-anchor="middle">${range}</text></g>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${CHART.width} ${CHART.height}" role="img" aria-label="${title}">
<line x1="${CHART.left}" y1="${baseline}" x2="${CHART.width - CHART.right}" y2="${baseline}" class="axis"/>
${bars}
<text class="axis-note" x="${CHART.width / 2}" y="${CHART.height - 6}" text-anchor="middle">milliseconds (s = seconds)</text>
</svg>`;
}

/** A horizontal bar split into segments by share, with a legend of counts and percentages. */
export function stackedBar(segments: readonly Segment[]): SafeHtml {
  const whole = segments.reduce((sum, s) => sum + s.count, 0);
  let x = 0;
  const rects = segments
    .filter((s) => s.count > 0)
    .map((s) => {
      const w = (s.count / whole) * 1000;
      const rect = html`<rect x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="24" fill="${s.color}"><title>${s.label}: ${formatCount(s.count)}</title></rect>`;
      x += w;
      return rect;
    });
  const legend = segments.map(
    (s) => html`<li><span class="swatch" style="background:${s.color}"></span>${s.label}
<b data-metric="outcome-${s.key}">${formatCount(s.count)}</b> <span class="muted">${formatPercent(s.count, whole)}</span></li>`,
  );
  return html`<svg class="stacked" viewBox="0 0 1000 24" preserveAspectRatio="none" role="img" aria-label="outcomes">
<rect x="0" y="0" width="1000" height="24" fill="#e9ecef"/>${rects}</svg>
<ul class="legend">${legend}</ul>`;
}

/** A progress bar for `done` of `total` (a full bar when total is 0 and nothing is pending). */
export function progressBar(done: number, total: number, color: string): SafeHtml {
  const share = total === 0 ? 1 : Math.min(1, done / total);
  return html`<svg class="progress" viewBox="0 0 1000 14" preserveAspectRatio="none" role="img" aria-label="progress">
<rect x="0" y="0" width="1000" height="14" rx="7" fill="#e9ecef"/>
<rect x="0" y="0" width="${(share * 1000).toFixed(1)}" height="14" rx="7" fill="${color}"/></svg>`;
}
