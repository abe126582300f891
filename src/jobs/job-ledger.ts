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
import { jobStatus } from './job-status';
import { members, numberField, stringField, type LedgerItem, type LedgerStore } from './ledger-store';
import { JOB_STATES, type JobState, type JobStatus, type NewJob } from './ports';

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
    });
  }

  /** Sets how many groups the job has, once known (manifest jobs: its ranges). */
  async setSplitsTotal(jobId: string, splits: number, now: number): Promise<void> {
    await this.store.setWhen(jobId, JOB, { splitsTotal: splits, updatedAt: now }, { field: 'state', equals: JOB_STATES.QUEUED });
    // An empty manifest has nothing to wait for.
    await this.finishIfComplete(jobId);
  }

  /**
   * Registers a group of root chunks before any of them is sent. Idempotent: every
   * write is if-absent or once per group.
   */
  async registerGroup(jobId: string, reg: GroupRegistration, now: number): Promise<void> {
    const buckets = bucketsFor(reg.chunks);
    for (let b = 0; b < buckets; b += 1) {
      await this.store.create(jobId, bucketKey(reg.group, b), { expected: rootsInBucket(reg.chunks, b), updatedAt: now });
    }
    await this.store.create(jobId, groupKey(reg.group), { expected: buckets, updatedAt: now });
    await this.store.addOnce(jobId, JOB, 'registered', reg.group, { urls: reg.urls, chunks: reg.chunks }, now);
    // A group with no chunks (a range of blank lines) is closed as soon as it exists.
    if (buckets === 0) await this.closeGroup(jobId, reg.group, now);
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
  async countChunk(jobId: string, ref: ChunkRef, counts: { succeeded: number; failed: number }, now: number): Promise<void> {
    const bucket = bucketOf(ref);
    const { item } = await this.store.addOnce(jobId, bucketKey(ref.group, bucket), 'closed', bucketMember(ref), {
      succeeded: counts.succeeded,
      failed: counts.failed,
    }, now);
    if (isClosed(item)) await this.closeBucket(jobId, ref.group, bucket, item, now);
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
    if (state !== JOB_STATES.DONE) progress = await this.sumBuckets(jobId, progress.updatedAt);
    return jobStatus(jobId, {
      state,
      reason: stringField(job, 'reason'),
      createdAt: numberField(job, 'createdAt'),
      urls: numberField(job, 'urls'),
      ...progress,
    });
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

  private async closeBucket(jobId: string, group: string, bucket: number, item: LedgerItem, now: number): Promise<void> {
    const { item: groupItem } = await this.store.addOnce(jobId, groupKey(group), 'closed', String(bucket), {
      succeeded: numberField(item, 'succeeded'),
      failed: numberField(item, 'failed'),
      chunksDone: members(item, 'closed').length,
    }, now);
    if (isClosed(groupItem)) await this.closeGroup(jobId, group, now, groupItem);
  }

  private async closeGroup(jobId: string, group: string, now: number, item?: LedgerItem): Promise<void> {
    const groupItem = item ?? (await this.store.get(jobId, groupKey(group)));
    await this.store.addOnce(jobId, JOB, 'closed', group, {
      succeeded: numberField(groupItem, 'succeeded'),
      failed: numberField(groupItem, 'failed'),
      chunksDone: numberField(groupItem, 'chunksDone'),
    }, now);
    await this.finishIfComplete(jobId);
  }

  private async finishIfComplete(jobId: string): Promise<void> {
    const job = await this.store.get(jobId, JOB);
    if (job !== undefined && allGroupsClosed(job)) {
      await this.store.setWhen(jobId, JOB, { state: JOB_STATES.DONE }, { field: 'state', equals: JOB_STATES.QUEUED });
    }
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

/** Every group the job will have is registered and closed. */
function allGroupsClosed(job: LedgerItem): boolean {
  const splits = job['splitsTotal'];
  return typeof splits === 'number' && members(job, 'closed').length >= splits;
}

/**
 * The state to report: a failed job stays failed; a job whose groups are all closed is
 * done even if the write that flips its state has not happened yet (or was lost).
 */
function stateOf(job: LedgerItem): JobState {
  const stored = (stringField(job, 'state') ?? JOB_STATES.QUEUED) as JobState;
  if (stored === JOB_STATES.QUEUED && allGroupsClosed(job)) return JOB_STATES.DONE;
  return stored;
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

