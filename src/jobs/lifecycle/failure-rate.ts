import type { JobLedger } from '../ledger/job-ledger';
import { FAILURE_RATE_MIN_RESULTS } from '../job-options';

/**
 * A job's failure-rate stop (`options.maxFailureRate`): after each claimed chunk, adds
 * its outcome to the job's tally, and once at least {@link FAILURE_RATE_MIN_RESULTS}
 * results are in and the share of failures is above the limit, stops the job with the
 * reason: the chunks not yet fetched then get CANCELLED records and it ends `failed`.
 */
export async function checkFailureRate(
  ledger: JobLedger,
  jobId: string,
  counts: { succeeded: number; failed: number },
  maxFailureRate: number,
  now: number,
): Promise<boolean> {
  const tally = await ledger.tallyForFailureRate(jobId, counts);
  const total = tally.succeeded + tally.failed;
  if (total < FAILURE_RATE_MIN_RESULTS || tally.failed / total <= maxFailureRate) return false;
  const rate = (tally.failed / total).toFixed(3);
  return ledger.requestStop(
    jobId,
    `Stopped: ${tally.failed} of ${total} results failed (${rate}), above maxFailureRate ${maxFailureRate}`,
    now,
  );
}
