/**
 * Records → the numbers a report shows, in one pass and bounded memory: fixed-size
 * histograms, a capped host table, a capped list of error codes and a bounded sample
 * of failures. A million-record file costs the same memory as a hundred-record one.
 */
import type { ChangeKind, FetchResult } from '../fetch/result';
import { FailureSample, type FailureRow } from './failure-sample';
import { HostTable, hostOf, type HostRow } from './host-table';
import { LatencyHistogram, type LatencySummary } from './latency-histogram';
import { noOutcomes, outcomeOf, type Outcome } from './outcome-categories';

export type { FailureRow } from './failure-sample';

/** Distinct error codes counted at most; any further code counts under {@link OTHER_CODE}. */
export const MAX_ERROR_CODES = 64;
/** Where codes past {@link MAX_ERROR_CODES} are counted. */
export const OTHER_CODE = '(other codes)';
/** Failures listed in full at most (the lowest input lines, spread across codes). */
export const MAX_LISTED_FAILURES = 20;
/** Hosts per ranking. */
export const HOSTS_SHOWN = 10;
/** Characters of a URL or message kept for the failure list. */
const MAX_TEXT = 300;

/** Everything a report shows about a set of records. */
export interface ReportSummary {
  readonly records: number;
  readonly outcomes: Readonly<Record<Outcome, number>>;
  /** Final HTTP status by class; `none` when no response arrived. */
  readonly statusClasses: Readonly<Record<'2xx' | '3xx' | '4xx' | '5xx' | 'other' | 'none', number>>;
  /** Failed records by error code, most frequent first. */
  readonly errorCodes: readonly { readonly code: string; readonly count: number }[];
  /** Records that took more than one attempt. */
  readonly retried: number;
  /** Decoded body bytes over all records. */
  readonly bytes: number;
  readonly latency: { readonly ttfb: LatencySummary; readonly total: LatencySummary };
  readonly slowestHosts: readonly HostRow[];
  readonly failingHosts: readonly HostRow[];
  /** Distinct hosts tracked; `approximate` once the host table had to drop some. */
  readonly hosts: { readonly tracked: number; readonly approximate: boolean };
  /** Failures at the lowest input lines, spread across codes (see {@link FailureSample}). */
  readonly firstFailures: readonly FailureRow[];
  /** Records by change kind, when they say what changed (monitoring runs); undefined otherwise. */
  readonly changes?: Readonly<Record<ChangeKind, number>>;
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

function statusClass(status: number | null): keyof ReportSummary['statusClasses'] {
  if (status === null) return 'none';
  if (status >= 200 && status < 600) return `${Math.floor(status / 100)}xx` as '2xx' | '3xx' | '4xx' | '5xx';
  return 'other';
}

/**
 * Folds result records into a {@link ReportSummary}.
 *
 * @example
 * const summary = new ReportAggregator();
 * for await (const record of records) summary.add(record);
 * renderReport({ summary: summary.summary(), source, generatedAt: new Date() });
 */
export class ReportAggregator {
  private records = 0;
  private retried = 0;
  private readonly changes: Record<ChangeKind, number> = { new: 0, changed: 0, unchanged: 0, gone: 0 };
  private monitored = false;
  private bytes = 0;
  private readonly outcomes = noOutcomes();
  private readonly statusClasses = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0, none: 0 };
  private readonly codes = new Map<string, number>();
  private readonly ttfb = new LatencyHistogram();
  private readonly total = new LatencyHistogram();
  private readonly hosts = new HostTable();
  private readonly failures = new FailureSample(MAX_LISTED_FAILURES, MAX_ERROR_CODES, OTHER_CODE);

  /** Adds one record. */
  add(record: FetchResult): void {
    this.records += 1;
    this.bytes += record.bytes;
    if (record.attempts > 1) this.retried += 1;
    if (record.change !== undefined) this.monitored = true;
    // A results file is user input: only the kinds the tally has are counted.
    if (typeof record.change === 'string' && Object.hasOwn(this.changes, record.change)) this.changes[record.change] += 1;
    this.statusClasses[statusClass(record.status)] += 1;
    const code = record.error?.code;
    this.outcomes[outcomeOf(record.ok, code)] += 1;
    if (!record.ok) this.countFailure(record, code ?? '(none)');
    const attempted = record.attempts > 0;
    if (record.timings.ttfb !== null) this.ttfb.add(record.timings.ttfb);
    if (attempted) this.total.add(record.timings.total);
    this.hosts.add(hostOf(record.url), !record.ok, attempted ? record.timings.total : null, record.timings.ttfb);
  }

  private countFailure(record: FetchResult, code: string): void {
    const key = this.codes.has(code) || this.codes.size < MAX_ERROR_CODES ? code : OTHER_CODE;
    this.codes.set(key, (this.codes.get(key) ?? 0) + 1);
    this.failures.add({
      line: record.line,
      url: clip(record.url),
      code,
      status: record.status,
      message: clip(record.error?.message ?? ''),
    });
  }

  /** The summary of every record added so far. */
  summary(): ReportSummary {
    return {
      records: this.records,
      outcomes: { ...this.outcomes },
      statusClasses: { ...this.statusClasses },
      errorCodes: [...this.codes]
        .map(([code, count]) => ({ code, count }))
        .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
      retried: this.retried,
      ...(this.monitored ? { changes: { ...this.changes } } : {}),
      bytes: this.bytes,
      latency: { ttfb: this.ttfb.summary(), total: this.total.summary() },
      slowestHosts: this.hosts.slowest(HOSTS_SHOWN),
      failingHosts: this.hosts.mostFailing(HOSTS_SHOWN),
      hosts: { tracked: this.hosts.size, approximate: this.hosts.approximate },
      firstFailures: this.failures.rows(),
    };
  }
}
