import type { JobLedger } from '../jobs/ledger/job-ledger';
import type { ResultStore } from '../jobs/ports';
import { readResults } from '../jobs/lifecycle/read-results';
import { formatCount } from '../io/numbers';
import type { ReportInput } from './render-report';
import { ReportAggregator } from './report-summary';

/** How much of a job's results one report may read. */
export interface JobReportBudget {
  /** Records read at most. */
  readonly records: number;
  /** Epoch ms after which no further page is read (the API's answer must fit in its timeout). */
  readonly deadline?: number;
  readonly now?: () => number;
}

/** Records one report reads by default: about 100 result pages. */
export const REPORT_MAX_RECORDS = 100_000;

const PAGE = { items: 1_000, bytes: 4 * 1024 * 1024 } as const;

/**
 * Builds a job's report input from its status and its stored results, page by page
 * (one page in memory at a time). A job larger than the budget is summarised from the
 * records read by then, and the page says so. Returns undefined for an unknown job.
 *
 * @example
 * const input = await jobReport(ledger, results, jobId, { records: REPORT_MAX_RECORDS, deadline });
 * if (input !== undefined) reply(renderReport(input));
 */
export async function jobReport(
  ledger: JobLedger,
  results: ResultStore,
  jobId: string,
  budget: JobReportBudget,
): Promise<ReportInput | undefined> {
  const status = await ledger.getJob(jobId);
  if (status === undefined) return undefined;
  const now = budget.now ?? Date.now;
  const aggregator = new ReportAggregator();
  let read = 0;
  let truncated: string | undefined;
  let cursor: string | undefined;
  do {
    if (read >= budget.records) {
      truncated = `the report reads at most ${formatCount(budget.records)} records`;
      break;
    }
    if (budget.deadline !== undefined && now() >= budget.deadline) {
      truncated = 'the time to answer ran out before every result was read';
      break;
    }
    const page = await readResults(ledger, results, jobId, cursor, {
      items: Math.min(PAGE.items, budget.records - read),
      bytes: PAGE.bytes,
    });
    // The job was read above: a page is undefined only if it vanished since.
    for (const record of page?.items ?? []) aggregator.add(record);
    read += page?.items.length ?? 0;
    cursor = page?.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return {
    summary: aggregator.summary(),
    source: { kind: 'job', status, ...(truncated === undefined ? {} : { truncated }) },
    generatedAt: new Date(now()),
    // The job's own usage, priced (src/jobs/cost/job-cost.ts); absent before its first delivery.
    ...(status.cost === undefined ? {} : { cost: status.cost }),
  };
}
