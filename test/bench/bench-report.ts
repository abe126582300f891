/** Turns the runs of one scenario into a table of medians, ratios and verdicts. */
import type { ClientSummary } from './bench-clients';
import type { RateRun } from './rate-report';
import { CLIENT_KINDS, idealRequestsPerSecond, isBodyScenario, type ClientKind, type Scenario } from './scenarios';

const MIB = 1024 * 1024;

/** Every run of one client in one scenario. */
export interface ClientRuns {
  readonly summaries: ClientSummary[];
  /** Connections the server accepted during each run (keep-alive reuse check). */
  readonly connections: number[];
  /**
   * The server's CPU time during each run over the run's elapsed time: near 1 means
   * the server, not the client, may have been the limit.
   */
  readonly serverBusy: number[];
  readonly failures: string[];
  /** Many-hosts runs: DNS queries the bench's server received, in all and at most for one name and record type. */
  readonly dns: { total: number; maxPerName: number }[];
  /** Rate-limited runs: each host's rate as the target server saw it (rate-report.ts). */
  readonly rates: RateRun[];
}

/** A many-hosts run's extra conditions: every URL ok, and no name asked twice for one record type. */
function manyHostsHeld(runs: ClientRuns | undefined): boolean {
  if (runs === undefined || runs.summaries.length === 0) return false;
  return runs.summaries.every((s) => s.ok === s.total) && runs.dns.every((d) => d.maxPerName <= 1);
}

/** A scenario's verdict against its target. */
export interface Verdict {
  readonly scenario: string;
  readonly target: string;
  readonly measured: string;
  readonly result: 'PASS' | 'MISS' | 'NO DATA';
}

/** Median, min and max of a figure over runs. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

/** Median (mean of the middle two for an even count), min and max; null for no values. */
export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, n: sorted.length };
}

type Metric = {
  readonly label: string;
  readonly value: (s: ClientSummary) => number;
  readonly digits: number;
};

function metricsFor(scenario: Scenario, count: number): Metric[] {
  const ideal = idealRequestsPerSecond(scenario, count);
  const metrics: Metric[] = [{ label: 'throughput req/s', value: (s) => s.requests_per_s, digits: 0 }];
  if (scenario.target.kind === 'elapsed-ratio') metrics.push({ label: 'elapsed s', value: (s) => s.elapsed_s, digits: 2 });
  if (ideal !== null) {
    metrics.push({ label: 'efficiency vs ideal', value: (s) => s.requests_per_s / ideal, digits: 3 });
  }
  metrics.push({ label: 'CPU µs/request', value: (s) => s.cpu_us_per_request, digits: 1 });
  metrics.push({ label: 'peak RSS MiB', value: (s) => s.max_rss_mib, digits: 1 });
  if (isBodyScenario(scenario)) {
    metrics.push({ label: 'body MiB/s', value: (s) => s.bytes / MIB / s.elapsed_s, digits: 0 });
  }
  return metrics;
}

/** A number with `digits` decimals and thousands separators. */
export function num(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `median [min–max]`, or the one value of a single run; — for none. */
export function cell(s: Spread | null, digits: number): string {
  if (s === null) return '—';
  if (s.n === 1) return num(s.median, digits);
  return `${num(s.median, digits)} [${num(s.min, digits)}–${num(s.max, digits)}]`;
}

function medianOf(runs: ClientRuns | undefined, value: (s: ClientSummary) => number): number | null {
  return spread(runs?.summaries.map(value) ?? [])?.median ?? null;
}

/** Rows as left-aligned columns, two spaces apart. */
export function renderTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((text, col) => text.padEnd(widths[col]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function judge(scenario: Scenario, count: number, results: ReadonlyMap<ClientKind, ClientRuns>): Verdict & { metric: string } {
  const target = scenario.target;
  const runs = results.get(target.client);
  const base = (text: string, measured: number | null, pass: boolean, metric: string) => ({
    scenario: scenario.id,
    target: text,
    measured: measured === null ? '—' : num(measured, measured < 10 ? 3 : 0),
    result: measured === null ? ('NO DATA' as const) : pass ? ('PASS' as const) : ('MISS' as const),
    metric,
  });
  switch (target.kind) {
    case 'efficiency': {
      const ideal = idealRequestsPerSecond(scenario, count) ?? Number.NaN;
      const m = medianOf(runs, (s) => s.requests_per_s / ideal);
      if (scenario.manyHosts !== undefined) {
        const text = `${target.client} ≥ ${target.min} of ideal, every URL ok, ≤ 1 DNS query per name and type`;
        return base(text, m, m !== null && m >= target.min && manyHostsHeld(runs), 'efficiency vs ideal');
      }
      return base(`${target.client} ≥ ${target.min} of ideal`, m, m !== null && m >= target.min, 'efficiency vs ideal');
    }
    case 'cpu-ratio': {
      const engine = medianOf(runs, (s) => s.cpu_us_per_request);
      const baseline = medianOf(results.get(CLIENT_KINDS.BASELINE), (s) => s.cpu_us_per_request);
      const ratio = engine === null || baseline === null ? null : engine / baseline;
      return base(`${target.client}/baseline ≤ ${target.max}`, ratio, ratio !== null && ratio <= target.max, 'CPU µs/request');
    }
    case 'mib-per-s': {
      const m = medianOf(runs, (s) => s.bytes / MIB / s.elapsed_s);
      return base(`${target.client} ≥ ${num(target.min, 0)} MiB/s`, m, m !== null && m >= target.min, 'body MiB/s');
    }
    case 'rss': {
      const m = medianOf(runs, (s) => s.max_rss_mib);
      return base(`${target.client} ≤ ${target.maxMib} MiB`, m, m !== null && m <= target.maxMib, 'peak RSS MiB');
    }
    case 'elapsed-ratio': {
      const healthy = medianOf(runs, (s) => s.elapsed_s);
      const ratios = target.slower.map((kind) => medianOf(results.get(kind), (s) => s.elapsed_s));
      // The worst of them is the figure; any missing is no data.
      const worst = healthy === null || ratios.some((r) => r === null) ? null : Math.max(...ratios.map((r) => (r as number) / healthy));
      const text = `${target.slower.join(', ')} each ≤ ${target.max} × ${target.client}'s elapsed time`;
      return base(text, worst, worst !== null && worst <= target.max, 'elapsed s');
    }
    case 'host-rate':
      throw new Error(`scenario ${scenario.id}: per-host rates are reported by rate-report.ts`);
  }
}

/** The scenario's table (one row per figure, one column per client) and its verdict. */
export function reportScenario(
  scenario: Scenario,
  count: number,
  results: ReadonlyMap<ClientKind, ClientRuns>,
): { text: string; verdict: Verdict } {
  const clients = scenario.clients.filter((kind) => (results.get(kind)?.summaries.length ?? 0) > 0);
  const baseline = results.get(CLIENT_KINDS.BASELINE);
  const engines = clients.filter((kind) => kind !== CLIENT_KINDS.BASELINE);
  const ratioHeads = baseline?.summaries.length ? engines.map((kind) => `${kind}/baseline`) : [];
  const verdict = judge(scenario, count, results);

  const rows: string[][] = [['figure', ...clients.map((kind) => `${kind} (median [min–max])`), ...ratioHeads, 'target', 'result']];
  for (const metric of metricsFor(scenario, count)) {
    const row = [metric.label];
    for (const kind of clients) row.push(cell(spread(results.get(kind)!.summaries.map(metric.value)), metric.digits));
    for (const kind of ratioHeads.length > 0 ? engines : []) {
      const e = medianOf(results.get(kind), metric.value);
      const b = medianOf(baseline, metric.value);
      row.push(e === null || b === null || b === 0 ? '—' : num(e / b, 2));
    }
    const isTarget = metric.label === verdict.metric;
    row.push(isTarget ? verdict.target : '', isTarget ? verdict.result : '');
    rows.push(row);
  }
  const extra: [string, (runs: ClientRuns) => string][] = [
    ['ok / failed', (r) => `${num(medianOf(r, (s) => s.ok) ?? 0, 0)} / ${num(medianOf(r, (s) => s.failed) ?? 0, 0)}`],
    ['connections opened', (r) => cell(spread(r.connections), 0)],
    ['server CPU busy %', (r) => cell(spread(r.serverBusy.map((b) => b * 100)), 0)],
  ];
  if (scenario.manyHosts !== undefined) {
    extra.push(['DNS queries', (r) => cell(spread(r.dns.map((d) => d.total)), 0)]);
    extra.push(['DNS queries, most for one name+type', (r) => cell(spread(r.dns.map((d) => d.maxPerName)), 0)]);
  }
  for (const [label, show] of extra) {
    rows.push([label, ...clients.map((kind) => show(results.get(kind)!)), ...ratioHeads.map(() => ''), '', '']);
  }

  const lines = [renderTable(rows)];
  if (clients.length === 0 || !clients.includes(scenario.target.client)) {
    lines.push(`  target ${verdict.target}: NO DATA (the measured client did not run or failed every run)`);
  }
  const busiest = Math.max(0, ...clients.flatMap((kind) => results.get(kind)!.serverBusy));
  if (busiest > 0.9) {
    lines.push(`  note: the target server was ${Math.round(busiest * 100)}% busy in a run: it may have been the limit there`);
  }
  for (const kind of scenario.clients) {
    for (const failure of results.get(kind)?.failures ?? []) lines.push(`  ${kind} run failed: ${failure}`);
  }
  return { text: lines.join('\n'), verdict };
}
