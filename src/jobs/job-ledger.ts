/**
 * The job ledger: what a job has registered, claimed and counted, and when it is done.
 * The rules live here, once; a {@link LedgerStore} (DynamoDB, or the unit tests'
 * in-memory fake) only stores items with single-item conditional writes.
 *
 * Items of one job:
 *
 * | item            | holds                                                                 |
 * | --------------- | --------------------------------------------------------------------- |
 * | `JOB`           | state, splitsTotal, totals; sets `registered` and `closed` of groups   |
 * | `GROUP#g`       | `expected` buckets; set `closed` of buckets; totals of closed buckets  |
 * | `BUCKET#g#b`    | `expected` chunks; sets `children` (registered) and `closed` (counted); totals |
 * | `CHUNK#id`      | the claim: which delivery's results object counts, its counts, leftovers |
 *
 * A group is what one registration cut (an inline job, a manifest range); a bucket is
 * {@link CHUNKS_PER_BUCKET} of its root chunks plus every re-queued generation of them.
 * Every write is one conditional write on one item, sized by a bucket, never by the
 * job: a chunk costs the same whatever the job's size.
 *
 * Rules, and why a repeat or a crash between any two writes is harmless:
 *
 * | step                 | write (once per id, by condition)                          | repeated / crashed after |
 * | -------------------- | ---------------------------------------------------------- | ------------------------ |
 * | register group g     | create each BUCKET (expected = its roots), create GROUP (expected = buckets), add g to JOB.registered (+urls) | each create is if-absent; the chunks are sent only after all three, so a retry redoes the missing ones |
 * | claim chunk c        | create CHUNK#c                                             | the first claim wins; later deliveries read it and finish *its* steps |
 * | register child of c  | add child to BUCKET.children, expected + 1                 | set condition: +1 once; happens before c is counted, so a bucket never reads complete while a child is pending |
 * | count c              | add c to BUCKET.closed, + its counts                       | set condition: counted once |
 * | close bucket b       | when |closed| = expected: add b to GROUP.closed, + bucket totals | set condition; re-walked by every later delivery of any chunk of b |
 * | close group g        | when |closed| = expected: add g to JOB.closed, + group totals | same |
 * | finish job           | when |JOB.closed| = splitsTotal: state queued → done        | conditional; status also derives done from the counts, so a lost flip is never visible |
 *
 * A bucket's `expected` only grows by a child registered before its parent is counted,
 * so |closed| = expected happens exactly when every chunk registered in it is counted
 * and none can still be added. Closes roll totals upward, so a done job's totals are on
 * its JOB item alone.
 */
import {
  bucketMember,
  bucketOf,
  bucketsFor,
  childOf,
  rootsInBucket,
  type ChunkRef,
} from './chunk-ref';
import { allGroupsClosed, endOnCompletion, ENDED_STATES, stateOf } from './job-state';
import { jobStatus } from './job-status';
import { members, numberField, stringField, type LedgerItem, type LedgerStore } from './ledger-store';
import { JOB_STATES, type JobEndedEvent, type JobState, type JobStatus, type NewJob } from './ports';

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

/** What a registration adds: one group of root chunks. */
export interface GroupRegistration {
  readonly group: string;
  readonly chunks: number;
  readonly urls: number;
}

/** A job's state and whether all its results are in, read from the job item alone. */
export interface JobCompletion {
  readonly state: JobState;
  /** True once every URL has its result (state `done`). */
  readonly complete: boolean;
}

const JOB = 'JOB';
const groupKey = (group: string): string => `GROUP#${group}`;
const bucketKey = (group: string, bucket: number): string => `BUCKET#${group}#${String(bucket).padStart(4, '0')}`;
const CLAIM_PREFIX = 'CHUNK#';
const claimKey = (chunkId: string): string => `${CLAIM_PREFIX}${chunkId}`;

/** A node is complete when every member it expects has closed. */
const isClosed = (item: LedgerItem): boolean => members(item, 'closed').length >= numberField(item, 'expected');

/** The job ledger; see the table at the top of this file. */
export class JobLedger {
  constructor(private readonly store: LedgerStore) {}

  /** Creates the job; false (and no change) when it exists already. */
  createJob(job: NewJob): Promise<boolean> {
    return this.store.create(job.jobId, JOB, {
      state: JOB_STATES.QUEUED,
      source: job.source,
      options: JSON.stringify(job.options),
      createdAt: job.now,
      updatedAt: job.now,
      ...(job.splitsTotal === undefined ? {} : { splitsTotal: job.splitsTotal }),
      ...(job.parent === undefined ? {} : { parent: job.parent }),
      ...(job.webhook === undefined ? {} : { webhook: job.webhook }),
    });
  }

  /** Sets how many groups the job has, once known (manifest jobs: its ranges). */
  async setSplitsTotal(jobId: string, splits: number, now: number): Promise<boolean> {
    const job = await this.store.get(jobId, JOB);
    const stored = stringField(job, 'state') ?? JOB_STATES.QUEUED;
    await this.store.setWhen(jobId, JOB, { splitsTotal: splits, updatedAt: now }, { field: 'state', equals: stored });
    // An empty manifest has nothing to wait for.
    return this.finishIfComplete(jobId);
  }

  /**
   * Registers a group of root chunks before any of them is sent. Idempotent: every
   * write is if-absent or once per group.
   */
  async registerGroup(jobId: string, reg: GroupRegistration, now: number): Promise<boolean> {
    const buckets = bucketsFor(reg.chunks);
    for (let b = 0; b < buckets; b += 1) {
      await this.store.create(jobId, bucketKey(reg.group, b), { expected: rootsInBucket(reg.chunks, b), updatedAt: now });
    }
    await this.store.create(jobId, groupKey(reg.group), { expected: buckets, updatedAt: now });
    await this.store.addOnce(jobId, JOB, 'registered', reg.group, { urls: reg.urls, chunks: reg.chunks }, now);
    // A group with no chunks (a range of blank lines) is closed as soon as it exists.
    return buckets === 0 ? this.closeGroup(jobId, reg.group, now) : false;
  }

  /** The chunk's claim, if a delivery has made one. */
  async getClaim(jobId: string, chunkId: string): Promise<ChunkClaim | undefined> {
    const item = await this.store.get(jobId, claimKey(chunkId));
    return item === undefined ? undefined : claimFrom(item);
  }

  /** Claims the chunk for one delivery; the first claim wins and every caller gets the winning one. */
  async claim(jobId: string, chunkId: string, claim: ChunkClaim): Promise<{ won: boolean; claim: ChunkClaim }> {
    if (await this.store.create(jobId, claimKey(chunkId), { ...claim })) return { won: true, claim };
    const winner = await this.getClaim(jobId, chunkId);
    if (winner === undefined) throw new Error(`claim of ${chunkId} vanished`);
    return { won: false, claim: winner };
  }

  /** True once the chunk has been counted. */
  async isCounted(jobId: string, ref: ChunkRef): Promise<boolean> {
    const bucket = await this.store.get(jobId, bucketKey(ref.group, bucketOf(ref)));
    return members(bucket, 'closed').includes(bucketMember(ref));
  }

  /** Registers the chunk's child (its re-queued leftovers) in their bucket, once, before the child is sent. */
  async registerChild(jobId: string, parent: ChunkRef, now: number): Promise<void> {
    const child = childOf(parent);
    await this.store.addOnce(jobId, bucketKey(child.group, bucketOf(child)), 'children', bucketMember(child), { expected: 1 }, now);
  }

  /**
   * Counts the chunk once and closes whatever its count completes (bucket, group, job).
   * Also re-walks those closes when the chunk was counted before, so a delivery that
   * follows a crash finishes what the crashed one started.
   */
  async countChunk(jobId: string, ref: ChunkRef, counts: { succeeded: number; failed: number }, now: number): Promise<boolean> {
    const bucket = bucketOf(ref);
    const { item } = await this.store.addOnce(jobId, bucketKey(ref.group, bucket), 'closed', bucketMember(ref), {
      succeeded: counts.succeeded,
      failed: counts.failed,
    }, now);
    return isClosed(item) ? this.closeBucket(jobId, ref.group, bucket, item, now) : false;
  }

  /**
   * Asks the job to stop: `queued` → `cancelling`. Chunks not yet fetched then get
   * CANCELLED records, and the job ends `cancelled`. False when it has ended already.
   */
  async requestCancel(jobId: string, now: number): Promise<boolean> {
    const job = await this.store.get(jobId, JOB);
    // A job whose every record is in has ended, even before its state says so.
    if (job === undefined || ENDED_STATES.has(stateOf(job))) return false;
    return this.store.setWhen(jobId, JOB, { state: JOB_STATES.CANCELLING, updatedAt: now }, { field: 'state', equals: JOB_STATES.QUEUED });
  }

  /**
   * Stops the job: `queued` → `failing` with the reason. Its chunks not yet fetched get
   * CANCELLED records and it ends `failed`. False when it was no longer queued.
   */
  async requestStop(jobId: string, reason: string, now: number): Promise<boolean> {
    return this.store.setWhen(
      jobId,
      JOB,
      { state: JOB_STATES.FAILING, reason: reason.slice(0, 1000), updatedAt: now },
      { field: 'state', equals: JOB_STATES.QUEUED },
    );
  }

  /**
   * Adds a claimed chunk's outcome to the job's running tally for its failure rate and
   * returns the tally. Approximate by design: one unconditional add per claim (a claim
   * whose delivery dies before adding is missing from it), so a threshold costs one
   * small write per chunk, not a read of every bucket.
   */
  async tallyForFailureRate(jobId: string, counts: { succeeded: number; failed: number }): Promise<{ succeeded: number; failed: number }> {
    const item = await this.store.add(jobId, 'RATE', counts);
    return { succeeded: numberField(item, 'succeeded'), failed: numberField(item, 'failed') };
  }

  /** The options the job was submitted with. */
  async jobOptions(jobId: string): Promise<Readonly<Record<string, unknown>> | undefined> {
    const raw = stringField(await this.store.get(jobId, JOB), 'options');
    return raw === undefined ? undefined : (JSON.parse(raw) as Readonly<Record<string, unknown>>);
  }

  /** Links a job to one that re-runs its failures (shown in both status documents). */
  async addRedrive(jobId: string, childJobId: string, now: number): Promise<void> {
    await this.store.addOnce(jobId, JOB, 'redrives', childJobId, {}, now);
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

  /** Records why the job's webhook could not be delivered (shown in its status). */
  async recordWebhookFailure(jobId: string, reason: string): Promise<void> {
    const state = stateOf((await this.store.get(jobId, JOB)) ?? {});
    await this.store.setWhen(jobId, JOB, { webhookError: reason.slice(0, 1000) }, { field: 'state', equals: state });
  }

  /** Records that the job's end was announced. */
  async markAnnounced(event: JobEndedEvent): Promise<void> {
    await this.store.setWhen(event.jobId, JOB, { announced: event.state }, { field: 'state', equals: event.state });
  }

  /** Marks the job failed with a reason, unless it has ended already. */
  async markFailed(jobId: string, reason: string, now: number): Promise<void> {
    await this.store.setWhen(
      jobId,
      JOB,
      { state: JOB_STATES.FAILED, reason: reason.slice(0, 1000), updatedAt: now },
      { field: 'state', equals: JOB_STATES.QUEUED },
    );
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
    return {
      ...status,
      ...optional('parent'),
      ...(redrives.length === 0 ? {} : { redrives }),
      ...optional('webhook'),
      ...optional('webhookError'),
    };
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

  /** Closes a complete bucket into its group; true when that ended the job. */
  private async closeBucket(jobId: string, group: string, bucket: number, item: LedgerItem, now: number): Promise<boolean> {
    const { item: groupItem } = await this.store.addOnce(jobId, groupKey(group), 'closed', String(bucket), {
      succeeded: numberField(item, 'succeeded'),
      failed: numberField(item, 'failed'),
      chunksDone: members(item, 'closed').length,
    }, now);
    return isClosed(groupItem) ? this.closeGroup(jobId, group, now, groupItem) : false;
  }

  private async closeGroup(jobId: string, group: string, now: number, item?: LedgerItem): Promise<boolean> {
    const groupItem = item ?? (await this.store.get(jobId, groupKey(group)));
    await this.store.addOnce(jobId, JOB, 'closed', group, {
      succeeded: numberField(groupItem, 'succeeded'),
      failed: numberField(groupItem, 'failed'),
      chunksDone: numberField(groupItem, 'chunksDone'),
    }, now);
    return this.finishIfComplete(jobId);
  }

  /** Records the end a job reached when its last group closed; true when it has ended. */
  private async finishIfComplete(jobId: string): Promise<boolean> {
    const job = await this.store.get(jobId, JOB);
    if (job === undefined || !allGroupsClosed(job)) return false;
    const stored = (stringField(job, 'state') ?? JOB_STATES.QUEUED) as JobState;
    const end = endOnCompletion(stored);
    if (end !== undefined) await this.store.setWhen(jobId, JOB, { state: end }, { field: 'state', equals: stored });
    return true;
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

