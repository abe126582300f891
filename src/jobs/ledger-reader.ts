/**
 * What the job ledger's items say: a job's status, whether it is complete, its claims,
 * and the announcement its end still owes. Reads only; the writes, and the rules that
 * keep them exactly-once, are in {@link ./job-ledger}.
 */
import { allGroupsClosed, ENDED_STATES, stateOf } from './job-state';
import { jobStatus } from './job-status';
import { estimateCost, NO_USAGE, USAGE_FIELDS, type JobUsage } from './job-cost';
import { CLAIM_PREFIX, claimKey, JOB, USAGE_KEY } from './ledger-keys';
import { members, numberField, stringField, type LedgerItem, type LedgerStore } from './ledger-store';
import { JOB_STATES, type JobEndedEvent, type JobState, type JobStatus } from './ports';

/** What a chunk's winning delivery recorded: its results object, counts and leftovers. */
export interface ChunkClaim {
  readonly deliveryId: string;
  /** Key of the immutable results object of that delivery. */
  readonly objectKey: string;
  readonly succeeded: number;
  readonly failed: number;
  /** Positions in the chunk's URL list re-queued as its child (encoded; '' for none). */
  readonly leftovers: string;
  readonly claimedAt: number;
}

/** One claimed chunk, as the results reader walks them. */
export interface ListedClaim extends ChunkClaim {
  readonly chunkId: string;
}

/** Where a listing of claims starts: at chunk `from` (inclusive), after chunk `after`, or at the first. */
export interface ClaimPosition {
  readonly from?: string;
  readonly after?: string;
}

/** A job's state and whether all its results are in, read from the job item alone. */
export interface JobCompletion {
  readonly state: JobState;
  /** True once every URL has its result (state `done`). */
  readonly complete: boolean;
}

/** Reads of the job ledger; {@link JobLedger} adds the writes. */
export class LedgerReader {
  constructor(protected readonly store: LedgerStore) {}

  /** The chunk's claim, if a delivery has made one. */
  async getClaim(jobId: string, chunkId: string): Promise<ChunkClaim | undefined> {
    const item = await this.store.get(jobId, claimKey(chunkId));
    return item === undefined ? undefined : claimFrom(item);
  }

  /** The job's state from its job item alone (one read): what the results API needs. */
  async completion(jobId: string): Promise<JobCompletion | undefined> {
    const job = await this.store.get(jobId, JOB);
    if (job === undefined) return undefined;
    const state = stateOf(job);
    return { state, complete: state === JOB_STATES.DONE };
  }

  /**
   * The job's progress. A finished job answers from its job item; a running one also
   * sums its buckets (one read per 64 root chunks).
   */
  async getJob(jobId: string): Promise<JobStatus | undefined> {
    const job = await this.store.get(jobId, JOB);
    if (job === undefined) return undefined;
    const state = stateOf(job);
    let progress = {
      chunksTotal: numberField(job, 'chunksDone'),
      chunksDone: numberField(job, 'chunksDone'),
      succeeded: numberField(job, 'succeeded'),
      failed: numberField(job, 'failed'),
      updatedAt: numberField(job, 'updatedAt'),
    };
    if (!allGroupsClosed(job)) progress = await this.sumBuckets(jobId, progress.updatedAt);
    const status = jobStatus(jobId, {
      state,
      reason: stringField(job, 'reason'),
      createdAt: numberField(job, 'createdAt'),
      urls: numberField(job, 'urls'),
      ...progress,
    });
    const redrives = members(job, 'redrives');
    const optional = (field: 'parent' | 'webhook' | 'webhookError') => {
      const value = stringField(job, field);
      return value === undefined ? {} : { [field]: value };
    };
    const usage = await this.usage(jobId);
    return {
      ...status,
      ...optional('parent'),
      ...(redrives.length === 0 ? {} : { redrives }),
      ...optional('webhook'),
      ...optional('webhookError'),
      ...(usage === undefined ? {} : { cost: estimateCost(usage) }),
    };
  }

  /** What the job's deliveries recorded they used; undefined before the first. */
  async usage(jobId: string): Promise<JobUsage | undefined> {
    const item = await this.store.get(jobId, USAGE_KEY);
    if (item === undefined) return undefined;
    const usage: Record<string, number> = { ...NO_USAGE };
    for (const field of USAGE_FIELDS) usage[field] = numberField(item, field);
    return usage as unknown as JobUsage;
  }

  /** Claims in chunk-id order from a position on, at most `limit`: the results reader's index. */
  async listClaims(jobId: string, position: ClaimPosition, limit: number): Promise<ListedClaim[]> {
    const listed = await this.store.list(jobId, CLAIM_PREFIX, {
      ...(position.from === undefined ? {} : { from: claimKey(position.from) }),
      ...(position.after === undefined ? {} : { after: claimKey(position.after) }),
      limit,
    });
    return listed.map(({ key, item }) => ({ chunkId: key.slice(CLAIM_PREFIX.length), ...claimFrom(item) }));
  }

  /** The options the job was submitted with. */
  async jobOptions(jobId: string): Promise<Readonly<Record<string, unknown>> | undefined> {
    const raw = stringField(await this.store.get(jobId, JOB), 'options');
    return raw === undefined ? undefined : (JSON.parse(raw) as Readonly<Record<string, unknown>>);
  }

  /**
   * The announcement a job that has ended still owes (its end not yet marked announced),
   * or undefined. At least once: a crash between publishing and {@link markAnnounced}
   * publishes again, with the same id.
   */
  async pendingAnnouncement(jobId: string, now: number): Promise<{ event: JobEndedEvent; webhook?: string } | undefined> {
    const job = await this.store.get(jobId, JOB);
    if (job === undefined) return undefined;
    const state = stateOf(job);
    if (!ENDED_STATES.has(state) || stringField(job, 'announced') === state) return undefined;
    const status = await this.getJob(jobId);
    const event: JobEndedEvent = {
      id: `${jobId}:${state}`,
      jobId,
      state,
      total: status?.total ?? 0,
      succeeded: status?.succeeded ?? 0,
      failed: status?.failed ?? 0,
      ...(status?.reason === undefined ? {} : { reason: status.reason }),
      endedAt: new Date(now).toISOString(),
    };
    const webhook = stringField(job, 'webhook');
    return webhook === undefined ? { event } : { event, webhook };
  }

  private async sumBuckets(jobId: string, updatedAt: number) {
    const sums = { chunksTotal: 0, chunksDone: 0, succeeded: 0, failed: 0, updatedAt };
    let after: string | undefined;
    for (;;) {
      const page = await this.store.list(jobId, 'BUCKET#', { ...(after === undefined ? {} : { after }), limit: 500 });
      for (const { item } of page) {
        sums.chunksTotal += numberField(item, 'expected');
        sums.chunksDone += members(item, 'closed').length;
        sums.succeeded += numberField(item, 'succeeded');
        sums.failed += numberField(item, 'failed');
        sums.updatedAt = Math.max(sums.updatedAt, numberField(item, 'updatedAt'));
      }
      if (page.length < 500) return sums;
      after = page[page.length - 1]?.key;
    }
  }
}

function claimFrom(item: LedgerItem): ChunkClaim {
  return {
    deliveryId: stringField(item, 'deliveryId') ?? '',
    objectKey: stringField(item, 'objectKey') ?? '',
    succeeded: numberField(item, 'succeeded'),
    failed: numberField(item, 'failed'),
    leftovers: stringField(item, 'leftovers') ?? '',
    claimedAt: numberField(item, 'claimedAt'),
  };
}

