/**
 * A job's life, stated once: the states a job is stored in, the events that move it,
 * and what each event means in each state. {@link JobLedger} performs each move as ONE
 * conditional write on the stored state (`SET state = to … WHERE state = from`, with a
 * token of the move, so a retried write that had committed is known as its own); when
 * the condition fails the state has moved meanwhile, and the event is applied again to
 * the state now stored. States only move down the table, so that settles in at most
 * three writes, and no event is ever dropped on an unexpected state: every cell says
 * what happens.
 *
 * | stored \ event | complete (last group closed) | cancel (DELETE)        | stop (failure rate)  | fail (split or queuing failed) |
 * | -------------- | ---------------------------- | ---------------------- | -------------------- | ------------------------------ |
 * | queued         | → done                       | → cancelling           | → failing            | → failed                       |
 * | cancelling     | → cancelled                  | already                | already (stopping)   | → cancelled                    |
 * | failing        | → failed                     | already (stopping)     | already              | → failed                       |
 * | done           | already                      | ended                  | ended                | ended                          |
 * | cancelled      | already                      | ended                  | ended                | ended                          |
 * | failed         | already                      | ended                  | ended                | ended                          |
 *
 * A move into an ended state also stores `endedAt`, once: the end event is built from
 * stored fields only, so every repeat of its announcement is the same, byte for byte.
 * `running` is never stored: it is `queued` with progress (job-status.ts).
 */
import { members, stringField, type LedgerItem } from './ledger-store';
import { JOB_STATES, type JobState } from '../ports';

/** What can happen to a job. */
export const JOB_EVENTS = {
  /** Every group the job will have is registered and closed: every URL has its record. */
  COMPLETE: 'complete',
  /** A user asked to cancel it. */
  CANCEL: 'cancel',
  /** Its failure rate passed `maxFailureRate`. */
  STOP: 'stop',
  /** Something it needs cannot happen (a manifest gone or changed, chunks that could not be queued). */
  FAIL: 'fail',
} as const;

/** One of {@link JOB_EVENTS}. */
export type JobEvent = (typeof JOB_EVENTS)[keyof typeof JOB_EVENTS];

/** The states a job is stored in (`running` is only reported). */
export type StoredState = Exclude<JobState, typeof JOB_STATES.RUNNING>;

/** What an event means in a state: a move, nothing to do (its effect holds already), or too late (the job has ended). */
export type Step = { readonly to: StoredState } | 'already' | 'ended';

const { QUEUED, DONE, FAILED, CANCELLING, CANCELLED, FAILING } = JOB_STATES;
const ENDED_ROW = { complete: 'already', cancel: 'ended', stop: 'ended', fail: 'ended' } as const;

/** The table at the top of this file. */
export const TRANSITIONS: Readonly<Record<StoredState, Readonly<Record<JobEvent, Step>>>> = {
  queued: { complete: { to: DONE }, cancel: { to: CANCELLING }, stop: { to: FAILING }, fail: { to: FAILED } },
  cancelling: { complete: { to: CANCELLED }, cancel: 'already', stop: 'already', fail: { to: CANCELLED } },
  failing: { complete: { to: FAILED }, cancel: 'already', stop: 'already', fail: { to: FAILED } },
  done: ENDED_ROW,
  cancelled: ENDED_ROW,
  failed: ENDED_ROW,
};

/** States from which a job no longer changes. */
export const ENDED_STATES: ReadonlySet<JobState> = new Set([DONE, FAILED, CANCELLED]);

/** The state stored on a job item (`queued` before any move). */
export function storedState(job: LedgerItem): StoredState {
  const state = stringField(job, 'state');
  return state !== undefined && state in TRANSITIONS ? (state as StoredState) : QUEUED;
}

/** What `event` means for a job stored in `state`. */
export function stepOf(state: StoredState, event: JobEvent): Step {
  return TRANSITIONS[state][event];
}

/** Every group the job will have is registered and closed: every URL has its record. */
export function allGroupsClosed(job: LedgerItem): boolean {
  const splits = job['splitsTotal'];
  return typeof splits === 'number' && members(job, 'closed').length >= splits;
}

/**
 * The state to report: a job whose groups are all closed has reached the end
 * `complete` leads to, even if the write that records it has not happened yet (or was
 * lost); the next re-walk or announcement writes it, so stored and reported agree.
 */
export function stateOf(job: LedgerItem): JobState {
  const stored = storedState(job);
  if (!allGroupsClosed(job)) return stored;
  const step = stepOf(stored, JOB_EVENTS.COMPLETE);
  return typeof step === 'object' ? step.to : stored;
}

/** States in which a chunk's URLs are not fetched any more (they get CANCELLED records): the job was stopped. */
const STOPPED_STATES: ReadonlySet<JobState> = new Set([CANCELLING, CANCELLED, FAILING, FAILED]);

/** True when the job was stopped (cancelled, failed, or failing by its failure rate). */
export function isStopped(state: JobState): boolean {
  return STOPPED_STATES.has(state);
}
