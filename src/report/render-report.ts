/**
 * A {@link ReportSummary} → one self-contained HTML page: inline CSS and SVG, no script
 * and no external resource (a Content-Security-Policy meta tag says so to the browser
 * too), so it opens offline, from a file or from the API. Pure: same input, same page.
 */
import type { JobState, JobStatus } from '../jobs/ports';
import { formatBytes, formatCount, formatMoney, formatMs, formatPercent } from '../io/numbers';
import { html, SafeHtml } from './html';
import { histogramChart, progressBar, stackedBar, type Segment } from './report-charts';
import { REPORT_CSS } from './report-style';
import type { HostRow } from './host-table';
import { OUTCOME_LABELS, OUTCOMES, type Outcome } from './outcome-categories';
import { MAX_LISTED_FAILURES, type ReportSummary } from './report-summary';

/**
 * What the page may load: its inline style and nothing else (no script, no image, no
 * font, no request). The page carries it as a meta tag; the API sends it as a header.
 */
export const REPORT_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'";

/** Where the records came from. */
export type ReportSource =
  | { readonly kind: 'file'; readonly name: string }
  | {
      readonly kind: 'job';
      readonly status: JobStatus;
      /** Why fewer records were read than the job holds (a time or size budget), when so. */
      readonly truncated?: string;
    };

/**
 * A job's cost estimate, shown when given. The numbers are the caller's (prices and
 * usage live elsewhere); the report only lays them out.
 */
export interface CostEstimate {
  /** ISO 4217 code, `USD` for AWS list prices. */
  readonly currency: string;
  readonly total: number;
  /** The parts the total is made of (Lambda duration, SQS requests, …). */
  readonly items?: readonly { readonly label: string; readonly amount: number; readonly detail?: string }[];
  /** What the figures rest on, e.g. `us-east-1 list prices of 2026-11`. */
  readonly basis?: string;
}

/** What {@link renderReport} lays out. */
export interface ReportInput {
  readonly summary: ReportSummary;
  readonly source: ReportSource;
  readonly generatedAt: Date;
  readonly cost?: CostEstimate;
}

/** The colour of each outcome category, and of the two latency charts. */
const COLORS = {
  ok: '#37b24d',
  http: '#f59f00',
  network: '#f03e3e',
  timeout: '#e8590c',
  body: '#d6336c',
  blocked: '#7950f2',
  badInput: '#1098ad',
  notFetched: '#adb5bd',
  other: '#495057',
  ttfb: '#339af0',
  total: '#20c997',
} as const satisfies Record<Outcome | 'ttfb' | 'total', string>;

/** The badge colour of every job state (and of a results file): a new state does not compile until it has one. */
const STATE_COLORS: { readonly [K in JobState | 'file']: string } = {
  queued: '#868e96',
  running: '#1c7ed6',
  failing: '#e8590c',
  done: '#2b8a3e',
  failed: '#c92a2a',
  cancelling: '#868e96',
  cancelled: '#495057',
  file: '#495057',
};

function stat(key: string, label: string, value: string, tone = ''): SafeHtml {
  return html`<div class="stat"><div class="label">${label}</div><div class="value ${tone}" data-metric="${key}">${value}</div></div>`;
}

function progressCard(input: ReportInput): SafeHtml {
  const { source, summary } = input;
  if (source.kind === 'file') {
    return html`<div class="card"><h2>Progress</h2>
<div><b data-metric="progress-done">${formatCount(summary.records)}</b> records read from the file: one per input URL of a <code>fanout fetch</code> run.</div>
${progressBar(1, 1, STATE_COLORS.done)}</div>`;
  }
  const s = source.status;
  const done = s.succeeded + s.failed;
  return html`<div class="card"><h2>Progress</h2>
<div><b data-metric="progress-done">${formatCount(done)}</b> of <b data-metric="progress-total">${formatCount(s.total)}</b> URLs
(${formatPercent(done, s.total)}): <span data-metric="job-succeeded">${formatCount(s.succeeded)}</span> ok,
<span data-metric="job-failed">${formatCount(s.failed)}</span> failed; chunks
<span data-metric="chunks-done">${formatCount(s.chunks.done)}</span>/<span data-metric="chunks-total">${formatCount(s.chunks.total)}</span></div>
${progressBar(done, s.total, STATE_COLORS[s.state])}
<div class="note">created ${s.createdAt} · updated ${s.updatedAt}${s.reason === undefined ? '' : ` · reason: ${s.reason}`}</div>
${source.truncated === undefined ? '' : html`<div class="note" data-metric="truncated">Shown from ${formatCount(summary.records)} records: ${source.truncated}</div>`}</div>`;
}

function outcomesCard(summary: ReportSummary): SafeHtml {
  // Categories nothing fell into stay out of the legend; `ok` is always there.
  const segments: Segment[] = Object.values(OUTCOMES)
    .filter((key) => key === OUTCOMES.OK || summary.outcomes[key] > 0)
    .map((key) => ({ key, label: OUTCOME_LABELS[key], count: summary.outcomes[key], color: COLORS[key] }));
  const classes = Object.entries(summary.statusClasses).filter(([, n]) => n > 0);
  return html`<div class="card"><h2>Outcomes</h2>${stackedBar(segments)}
<div class="note">Final status: ${classes.map(([cls, n], i) => html`${i > 0 ? ' · ' : ''}${cls === 'none' ? 'no response' : cls} <b data-metric="status-${cls}">${formatCount(n)}</b>`)}</div></div>`;
}

function errorsCard(summary: ReportSummary): SafeHtml {
  // Every record that is not ok has a code, the unfetched included: shares are of those.
  const notOk = summary.records - summary.outcomes.ok;
  const top = summary.errorCodes[0]?.count ?? 1;
  const rows = summary.errorCodes.map(
    ({ code, count }) => html`<tr><td><code>${code}</code></td>
<td class="num"><span class="meter" style="width:${Math.max(2, Math.round((count / top) * 80))}px"></span><span data-metric="code-${code}">${formatCount(count)}</span></td>
<td class="num muted">${formatPercent(count, notOk)}</td></tr>`,
  );
  const body =
    rows.length === 0
      ? html`<p class="empty">Every record is ok.</p>`
      : html`<table><thead><tr><th>code</th><th class="num">records</th><th class="num">of not ok</th></tr></thead><tbody>${rows}</tbody></table>`;
  return html`<div class="card"><h2>Not ok, by error code</h2>${body}</div>`;
}

function latencyCard(name: 'ttfb' | 'total', title: string, summary: ReportSummary): SafeHtml {
  const l = summary.latency[name];
  const pcts = html`<div class="pcts"><span>p50 <b data-metric="${name}-p50">${formatMs(l.p50)}</b></span><span>p90 <b>${formatMs(l.p90)}</b></span>
<span>p99 <b data-metric="${name}-p99">${formatMs(l.p99)}</b></span><span>max <b>${formatMs(l.max)}</b></span><span>n <b data-metric="${name}-count">${formatCount(l.count)}</b></span></div>`;
  return html`<div class="card"><h2>${title}</h2>${pcts}${histogramChart(name, title, l, COLORS[name])}</div>`;
}

/** A column of a host table: its heading and the cell it shows for a host. */
type HostColumn = readonly [heading: string, cell: (row: HostRow) => SafeHtml];

const HOST_COLUMNS = {
  requests: ['requests', (r) => html`${formatCount(r.requests)}`],
  failed: ['failed', (r) => html`${formatCount(r.failed)} <span class="muted">${formatPercent(r.failed, r.requests)}</span>`],
  meanTotal: ['mean total', (r) => html`${formatMs(r.meanTotalMs)}`],
  maxTotal: ['max total', (r) => html`${formatMs(r.maxTotalMs)}`],
  meanTtfb: ['mean ttfb', (r) => html`${formatMs(r.meanTtfbMs)}`],
} as const satisfies Record<string, HostColumn>;

function hostsCard(title: string, rows: readonly HostRow[], key: string, columns: readonly HostColumn[], summary: ReportSummary): SafeHtml {
  const body =
    rows.length === 0
      ? html`<p class="empty">None.</p>`
      : html`<table><thead><tr><th>host</th>${columns.map(([heading]) => html`<th class="num">${heading}</th>`)}</tr></thead><tbody>
${rows.map((r) => html`<tr data-host-list="${key}"><td class="text host">${r.host}</td>${columns.map(([, cell]) => html`<td class="num">${cell(r)}</td>`)}</tr>`)}</tbody></table>`;
  const note = summary.hosts.approximate
    ? html`<div class="note">More hosts than the report tracks: these rows are approximate.</div>`
    : '';
  return html`<div class="card"><h2>${title}</h2>${body}${note}</div>`;
}

function failuresCard(summary: ReportSummary): SafeHtml {
  if (summary.firstFailures.length === 0) return html``;
  const rows = summary.firstFailures.map(
    (
      f,
    ) => html`<tr data-failure-line="${f.line}"><td class="num">${f.line}</td><td class="text">${f.url}</td><td><code>${f.code}</code></td>
<td class="num">${f.status ?? '–'}</td><td class="text muted">${f.message}</td></tr>`,
  );
  return html`<div class="card"><h2>First failures by input line (up to ${MAX_LISTED_FAILURES}, spread across codes)</h2>
<table><thead><tr><th class="num">line</th><th>url</th><th>code</th><th class="num">status</th><th>message</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function changesCard(summary: ReportSummary): SafeHtml {
  const changes = summary.changes;
  if (changes === undefined) return html``;
  const rows = (['new', 'changed', 'unchanged', 'gone'] as const).map(
    (kind) => html`<tr><td>${kind}</td><td class="num" data-metric="change-${kind}">${formatCount(changes[kind])}</td></tr>`,
  );
  return html`<div class="grid"><div class="card"><h2>Changes since the previous run</h2><table><tbody>${rows}</tbody></table></div></div>`;
}

function costCard(cost: CostEstimate | undefined): SafeHtml {
  if (cost === undefined)
    return html`<div class="card"><h2>Cost estimate</h2><p class="empty" data-metric="cost-total">Not estimated for this report.</p></div>`;
  const items = (cost.items ?? []).map(
    (item) =>
      html`<tr><td>${item.label}</td><td class="muted">${item.detail ?? ''}</td><td class="num">${formatMoney(item.amount, cost.currency)}</td></tr>`,
  );
  return html`<div class="card"><h2>Cost estimate</h2><div class="stat" style="border:0;padding:0"><div class="value" data-metric="cost-total">${formatMoney(cost.total, cost.currency)}</div></div>
${items.length === 0 ? '' : html`<table><tbody>${items}</tbody></table>`}
${cost.basis === undefined ? '' : html`<div class="note">${cost.basis}; an estimate, not a bill.</div>`}</div>`;
}

/**
 * Renders the report page.
 *
 * @example
 * await writeFile('report.html', renderReport({ summary, source: { kind: 'file', name: 'out.jsonl' }, generatedAt: new Date() }));
 */
export function renderReport(input: ReportInput): string {
  const { summary, source } = input;
  // Not fetched (cancelled, never attempted, given up on a host) is not a failure of the URL.
  const notFetched = summary.outcomes.notFetched;
  const failed = summary.records - summary.outcomes.ok - notFetched;
  const state = source.kind === 'job' ? source.status.state : 'file';
  const what = source.kind === 'job' ? html`job <code>${source.status.jobId}</code>` : html`results file <code>${source.name}</code>`;
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${new SafeHtml(REPORT_CONTENT_SECURITY_POLICY)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fanout report: ${source.kind === 'job' ? source.status.jobId : source.name}</title>
<style>${new SafeHtml(REPORT_CSS)}</style></head>
<body><main>
<header><div><h1>fanout report</h1><div class="sub">${what} · generated ${input.generatedAt.toISOString()}</div></div>
<span class="badge" style="background:${STATE_COLORS[state]}" data-metric="state">${state}</span></header>
<div class="stats">
${stat('records', 'records', formatCount(summary.records))}
${stat('ok', 'ok', formatCount(summary.outcomes.ok), 'ok')}
${stat('failed', 'failed', formatCount(failed), failed > 0 ? 'bad' : '')}
${notFetched > 0 ? stat('not-fetched', 'not fetched', formatCount(notFetched)) : ''}
${stat('retried', 'retried', formatCount(summary.retried))}
${stat('bytes', 'body bytes', formatBytes(summary.bytes))}
${stat('total-p50', 'total p50', formatMs(summary.latency.total.p50))}
</div>
<div class="grid">${progressCard(input)}${costCard(input.cost)}</div>
${changesCard(summary)}
<div class="grid">${outcomesCard(summary)}${errorsCard(summary)}</div>
<div class="grid">${latencyCard('ttfb', 'Time to first byte', summary)}${latencyCard('total', 'Total time per URL (retries included)', summary)}</div>
<div class="grid">${hostsCard('Slowest hosts (mean total)', summary.slowestHosts, 'slowest', [HOST_COLUMNS.requests, HOST_COLUMNS.meanTotal, HOST_COLUMNS.maxTotal, HOST_COLUMNS.meanTtfb], summary)}
${hostsCard('Most failing hosts', summary.failingHosts, 'failing', [HOST_COLUMNS.requests, HOST_COLUMNS.failed, HOST_COLUMNS.meanTotal], summary)}</div>
${failuresCard(summary)}
<footer>Made by <code>fanout report</code>. Self-contained: no script, no external resource. Latency percentiles are within 5% (histogram buckets).</footer>
</main></body></html>
`;
  return page.value;
}
