/**
 * A job's life, stated once: which stored states a job passes through and what a
 * reader is told. Stored: `queued` → `done` | `failed` | `cancelling` → `cancelled` |
 * `failing` → `failed`.
 * Every transition is one conditional write from the state before it (see JobLedger),
 * so two writers never both win, and a job that has ended never changes again.
 */
import { members, stringField, type LedgerItem } from './ledger-store';
import { JOB_STATES, type JobState } from '../ports';

/** States from which a job no longer changes. */
export const ENDED_STATES: ReadonlySet<JobState> = new Set([JOB_STATES.DONE, JOB_STATES.FAILED, JOB_STATES.CANCELLED]);

/** Every group the job will have is registered and closed: every URL has its record. */
export function allGroupsClosed(job: LedgerItem): boolean {
  const splits = job['splitsTotal'];
  return typeof splits === 'number' && members(job, 'closed').length >= splits;
}

/** The end a job reaches when its last group closes, from the state it is in (none when it ended already). */
export function endOnCompletion(stored: JobState): JobState | undefined {
  if (stored === JOB_STATES.QUEUED) return JOB_STATES.DONE;
  if (stored === JOB_STATES.CANCELLING) return JOB_STATES.CANCELLED;
  if (stored === JOB_STATES.FAILING) return JOB_STATES.FAILED;
  return undefined;
}

/**
 * The state to report: a job whose groups are all closed has reached its end even if
 * the write that records it has not happened yet (or was lost).
 */
export function stateOf(job: LedgerItem): JobState {
  const stored = (stringField(job, 'state') ?? JOB_STATES.QUEUED) as JobState;
  return allGroupsClosed(job) ? (endOnCompletion(stored) ?? stored) : stored;
}

/** States in which a chunk's URLs are not fetched any more (they get CANCELLED records): the job was stopped. */
const STOPPED_STATES: ReadonlySet<JobState> = new Set([JOB_STATES.CANCELLING, JOB_STATES.CANCELLED, JOB_STATES.FAILING, JOB_STATES.FAILED]);

/** True when the job was stopped (cancelled, failed, or failing by its failure rate). */
export function isStopped(state: JobState): boolean {
  return STOPPED_STATES.has(state);
}
