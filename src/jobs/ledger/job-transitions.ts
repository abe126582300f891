/**
 * The writes of a job's state machine (the table is in {@link ./job-state}): each move
 * is one conditional write on the stored state, and the end is announced from stored
 * fields only. {@link JobLedger} adds the chunk protocol's writes on top.
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../errors';
import { allGroupsClosed, ENDED_STATES, JOB_EVENTS, stepOf, storedState, type JobEvent, type StoredState } from './job-state';
import { JOB } from './ledger-keys';
import { LedgerReader } from './ledger-reader';
import { isMine, numberField, stringField, type LedgerItem } from './ledger-store';
import { JOB_STATES, type JobEndedEvent } from '../ports';

/** What an event did: moved the job, found its effect in place already, or came after the job ended. */
export interface TransitionOutcome {
  readonly step: 'moved' | 'already' | 'ended';
  /** The stored state after it. */
  readonly state: StoredState;
}

/** States a job can pass through before it ends: a move chases the stored state at most this often. */
const MAX_MOVES = 4;

/** A job's state moves and its end announcement; see the table in job-state.ts. */
export class JobTransitions extends LedgerReader {
  /**
   * Applies `event` to the job: one conditional write from the state it is in (read from
   * `job` when given, else assumed `queued`, the common case, with no read). When the
   * condition fails the state moved meanwhile: the event is applied to the state now
   * stored, as the table says. `reason` is stored with moves of `stop` and `fail`.
   */
  async transition(
    jobId: string,
    event: JobEvent,
    now: number,
    options: { readonly reason?: string; readonly job?: LedgerItem } = {},
  ): Promise<TransitionOutcome> {
    let from = options.job === undefined ? JOB_STATES.QUEUED : storedState(options.job);
    for (let move = 0; move < MAX_MOVES; move += 1) {
      const step = stepOf(from, event);
      if (typeof step !== 'object') return { step, state: from };
      const values = {
        state: step.to,
        // The token of this move: a retried write that had committed reads as its own.
        stateToken: randomUUID(),
        updatedAt: now,
        ...(options.reason === undefined ? {} : { reason: options.reason.slice(0, 1000) }),
        ...(ENDED_STATES.has(step.to) ? { endedAt: now } : {}),
      };
      if (isMine(await this.store.setWhen(jobId, JOB, values, { field: 'state', equals: from }, 'stateToken'))) {
        return { step: 'moved', state: step.to };
      }
      const job = await this.store.get(jobId, JOB);
      if (job === undefined) throw new NotFoundError(`No job ${jobId}`);
      from = storedState(job);
    }
    throw new Error(`job ${jobId}: ${event} kept being overtaken (${MAX_MOVES} moves)`);
  }

  /**
   * Asks the job to stop: `queued` → `cancelling`. Chunks not yet fetched then get
   * CANCELLED records, and the job ends `cancelled`. A job whose every record is in has
   * ended (`ended`, its end written first if it was not yet); undefined for no job.
   */
  async requestCancel(jobId: string, now: number): Promise<TransitionOutcome | undefined> {
    const job = await this.store.get(jobId, JOB);
    if (job === undefined) return undefined;
    if (allGroupsClosed(job)) {
      const end = await this.transition(jobId, JOB_EVENTS.COMPLETE, now, { job });
      return { step: 'ended', state: end.state };
    }
    return this.transition(jobId, JOB_EVENTS.CANCEL, now, { job });
  }

  /**
   * Stops the job by its failure rate: `queued` → `failing` with the reason. Its chunks
   * not yet fetched get CANCELLED records and it ends `failed`. True when this call
   * stopped it.
   */
  async requestStop(jobId: string, reason: string, now: number): Promise<boolean> {
    return (await this.transition(jobId, JOB_EVENTS.STOP, now, { reason })).step === 'moved';
  }

  /**
   * Ends a job that cannot finish (a manifest gone or changed, chunks that could not be
   * queued) with the reason: `failed`, or `cancelled` when it was being cancelled.
   */
  markFailed(jobId: string, reason: string, now: number): Promise<TransitionOutcome> {
    return this.transition(jobId, JOB_EVENTS.FAIL, now, { reason });
  }

  /**
   * The announcement a job that has ended still owes (its end not yet marked announced),
   * or undefined. A job whose groups are all closed gets its end written first, so the
   * stored state is the one announced. The event is stored on the job the first time
   * and read back every time after, so every repeat is the same, byte for byte: at least
   * once, the same event each time.
   */
  async pendingAnnouncement(jobId: string, now: number): Promise<{ event: JobEndedEvent; webhook?: string } | undefined> {
    let job = await this.store.get(jobId, JOB);
    if (job === undefined) return undefined;
    if (allGroupsClosed(job) && !ENDED_STATES.has(storedState(job))) {
      await this.transition(jobId, JOB_EVENTS.COMPLETE, now, { job });
      job = (await this.store.get(jobId, JOB)) ?? job;
    }
    const state = storedState(job);
    if (!ENDED_STATES.has(state) || stringField(job, 'announced') === state) return undefined;
    let stored = stringField(job, 'endEvent');
    if (stored === undefined) {
      const built = JSON.stringify(await this.endEventOf(jobId, job));
      const outcome = await this.store.setWhen(jobId, JOB, { endEvent: built }, { field: 'endEvent', absent: true }, 'endEvent');
      stored = isMine(outcome) ? built : (stringField(await this.store.get(jobId, JOB), 'endEvent') ?? built);
    }
    const event = JSON.parse(stored) as JobEndedEvent;
    const webhook = stringField(job, 'webhook');
    return webhook === undefined ? { event } : { event, webhook };
  }

  /** Records that the job's end was announced. */
  async markAnnounced(event: JobEndedEvent): Promise<void> {
    await this.store.setWhen(event.jobId, JOB, { announced: event.state }, { field: 'state', equals: event.state });
  }

  /** Records why the job's webhook could not be delivered (shown in its status), whatever its state. */
  async recordWebhookFailure(jobId: string, reason: string): Promise<void> {
    await this.store.setWhen(jobId, JOB, { webhookError: reason.slice(0, 1000) }, { field: 'state', present: true });
  }

  /** Writes the end a job whose last group closed has reached; true when all its groups are closed. */
  protected async finishIfComplete(jobId: string, now: number): Promise<boolean> {
    const job = await this.store.get(jobId, JOB);
    if (job === undefined || !allGroupsClosed(job)) return false;
    await this.transition(jobId, JOB_EVENTS.COMPLETE, now, { job });
    return true;
  }

  /** The end event of an ended job, from its stored fields and counts. */
  private async endEventOf(jobId: string, job: LedgerItem): Promise<JobEndedEvent> {
    const state = storedState(job);
    const status = await this.getJob(jobId);
    const endedAt = numberField(job, 'endedAt') || numberField(job, 'updatedAt');
    return {
      id: `${jobId}:${state}`,
      jobId,
      state,
      total: status?.total ?? 0,
      succeeded: status?.succeeded ?? 0,
      failed: status?.failed ?? 0,
      ...(status?.reason === undefined ? {} : { reason: status.reason }),
      ...(status?.changes === undefined ? {} : { changes: status.changes }),
      endedAt: new Date(endedAt).toISOString(),
    };
  }
}
