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
 * | `BUCKET#g#b`    | `expected` chunks; per root r, `k{r}` children registered and `n{r}` chunks counted in its lineage; totals |
 * | `CHUNK#id`      | the claim: which delivery's results object counts, its counts, leftovers |
 *
 * A group is what one registration cut (an inline job, a manifest range); a bucket is
 * {@link CHUNKS_PER_BUCKET} of its root chunks plus every re-queued generation of them.
 * Every write is one conditional write on one item, sized by a bucket, never by the
 * job or a lineage's length: a chunk costs the same whatever the job's size and however
 * often its URLs were re-queued.
 *
 * Rules, and why a repeat or a crash between any two writes is harmless:
 *
 * | step                 | write (once per id, by condition)                          | repeated / crashed after |
 * | -------------------- | ---------------------------------------------------------- | ------------------------ |
 * | register group g     | create each BUCKET (expected = its roots), create GROUP (expected = buckets), add g to JOB.registered (+urls) | each create is if-absent; the chunks are sent only after all three, so a retry redoes the missing ones |
 * | claim chunk c        | create CHUNK#c                                             | the first claim wins; later deliveries read it and finish *its* steps |
 * | register child of c  | BUCKET.k{r}: g → g + 1, expected + 1                       | counter condition: +1 once; happens before c is counted, so a bucket never reads complete while a child is pending |
 * | count c              | BUCKET.n{r}: g → g + 1, + its counts                       | counter condition: counted once; the child is sent only after this, so a lineage counts in generation order |
 * | close bucket b       | when Σ n{r} = expected: add b to GROUP.closed, + bucket totals | set condition; re-walked by every later delivery of any chunk of b |
 * | close group g        | when |closed| = expected: add g to JOB.closed, + group totals | same |
 * | finish job           | when |JOB.closed| = splitsTotal: the `complete` move of job-state.ts | conditional on the stored state, chased when it moved; status also derives the end from the counts, so a lost move is never visible, and the next re-walk or announcement writes it |
 * | announce the end     | store the end event once, publish it, mark JOB announced    | until marked, every repeat announces again: at least once, byte for byte the same event |
 *
 * The job's other moves (cancel, a failure-rate stop, a failure) are in job-state.ts and
 * job-transitions.ts. A stopped job's chunks are claimed with CANCELLED records instead
 * of fetched, so it still ends with one record per URL. Reads (status, claims,
 * completion) are in ledger-reader.ts.
 *
 * Every create and set here that a retried send could repeat carries the writer's token
 * (the claim its delivery id, the job its creator's, a move its own), so a write whose
 * response was lost and whose retry failed its condition still knows it was its own
 * (ledger-store.ts, WRITE_OUTCOMES). An add-once's member, and an advanced counter's
 * new value, are their own tokens.
 *
 * A bucket's `expected` only grows by a child registered before its parent is counted,
 * so Σ n{r} = expected happens exactly when every chunk registered in it is counted
 * and none can still be added. Closes roll totals upward, so a done job's totals are on
 * its JOB item alone.
 */
import { bucketOf, bucketsFor, childrenField, countedField, rootsInBucket, type ChunkRef } from './chunk-ref';
import { randomUUID } from 'node:crypto';
import { ROLLED_UP_FIELDS } from './change-counts';
import type { JobUsage } from '../cost/job-cost';
import { bucketKey, claimKey, groupKey, JOB, SCHEDULE_ITEM, scheduleKey, USAGE_KEY } from './ledger-keys';
import { countedChunks, type ChunkClaim } from './ledger-reader';
import { isMine, members, numberField, stringField, type LedgerItem, type LedgerStore } from './ledger-store';
import { JobTransitions } from './job-transitions';
import { JOB_STATES, type NewJob } from '../ports';

export type { ChunkClaim, ClaimPosition, JobCompletion, ListedClaim } from './ledger-reader';
export type { TransitionOutcome } from './job-transitions';

/** What a registration adds: one group of root chunks. */
export interface GroupRegistration {
  readonly group: string;
  readonly chunks: number;
  readonly urls: number;
}

/** The counts a close carries upward (successes, failures, change kinds), zeros left out. */
function rolledUp(item: LedgerItem): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const field of ROLLED_UP_FIELDS) {
    const value = numberField(item, field);
    if (value !== 0 || field === 'succeeded' || field === 'failed') counts[field] = value;
  }
  return counts;
}

/** A group or the job is complete when every member it expects has closed. */
const isClosed = (item: LedgerItem): boolean => members(item, 'closed').length >= numberField(item, 'expected');

/** The job ledger; see the table at the top of this file. */
export class JobLedger extends JobTransitions {
  constructor(store: LedgerStore) {
    super(store);
  }

  /** Creates the job; false (and no change) when another submit created it already. */
  async createJob(job: NewJob): Promise<boolean> {
    const item = {
      state: JOB_STATES.QUEUED,
      source: job.source,
      options: JSON.stringify(job.options),
      createdAt: job.now,
      updatedAt: job.now,
      // This submit's token: a create whose response was lost and whose retry found the item is still this submit's.
      createdBy: randomUUID(),
      ...(job.splitsTotal === undefined ? {} : { splitsTotal: job.splitsTotal }),
      ...(job.parent === undefined ? {} : { parent: job.parent }),
      ...(job.webhook === undefined ? {} : { webhook: job.webhook }),
      ...(job.requestHash === undefined ? {} : { requestHash: job.requestHash }),
    };
    return isMine(await this.store.create(job.jobId, JOB, item, 'createdBy'));
  }

  /** The fingerprint of the request that created the job under an idempotency key, if any. */
  async requestHashOf(jobId: string): Promise<string | undefined> {
    return stringField(await this.store.get(jobId, JOB), 'requestHash');
  }

  /**
   * Sets how many groups the job has, once known (manifest jobs: its ranges): one write,
   * on condition that it is not set yet, whatever the job's state (a cancel during
   * planning must not lose it, or the job would never end).
   */
  async setSplitsTotal(jobId: string, splits: number, now: number): Promise<boolean> {
    await this.store.setWhen(jobId, JOB, { splitsTotal: splits, updatedAt: now }, { field: 'splitsTotal', absent: true });
    // An empty manifest has nothing to wait for.
    return this.finishIfComplete(jobId, now);
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

  /** Claims the chunk for one delivery; the first claim wins and every caller gets the winning one. */
  async claim(jobId: string, chunkId: string, claim: ChunkClaim): Promise<{ won: boolean; claim: ChunkClaim }> {
    // Owned by its delivery id: a claim whose response was lost, retried by the SDK, is still won.
    if (isMine(await this.store.create(jobId, claimKey(chunkId), { ...claim }, 'deliveryId'))) return { won: true, claim };
    const winner = await this.getClaim(jobId, chunkId);
    if (winner === undefined) throw new Error(`claim of ${chunkId} vanished`);
    return { won: false, claim: winner };
  }

  /**
   * How many chunks of this chunk's lineage are counted: generation g is counted when it
   * is above g, and its child when it is above g + 1.
   */
  async countedInLineage(jobId: string, ref: ChunkRef): Promise<number> {
    return numberField(await this.store.get(jobId, bucketKey(ref.group, bucketOf(ref))), countedField(ref));
  }

  /** True once the chunk has been counted. */
  async isCounted(jobId: string, ref: ChunkRef): Promise<boolean> {
    return (await this.countedInLineage(jobId, ref)) > ref.generation;
  }

  /** Registers the chunk's child (its re-queued leftovers) in their bucket, once, before the parent is counted. */
  async registerChild(jobId: string, parent: ChunkRef, now: number): Promise<void> {
    await this.store.advanceOnce(
      jobId,
      bucketKey(parent.group, bucketOf(parent)),
      childrenField(parent),
      parent.generation,
      { expected: 1 },
      now,
    );
  }

  /**
   * Counts the chunk once and closes whatever its count completes (bucket, group, job).
   * Also re-walks those closes when the chunk was counted before, so a delivery that
   * follows a crash finishes what the crashed one started.
   */
  async countChunk(
    jobId: string,
    ref: ChunkRef,
    counts: { readonly succeeded: number; readonly failed: number } & Readonly<Record<string, number>>,
    now: number,
  ): Promise<boolean> {
    const bucket = bucketOf(ref);
    const key = bucketKey(ref.group, bucket);
    const { advanced, item } = await this.store.advanceOnce(jobId, key, countedField(ref), ref.generation, rolledUp(counts), now);
    // A child is sent only after its parent is counted; one that arrives first must come back later, not be lost.
    if (!advanced && numberField(item, countedField(ref)) < ref.generation) {
      throw new Error(`chunk ${ref.group}/${ref.index}~${ref.generation} of job ${jobId} came before its parent was counted`);
    }
    return countedChunks(item) >= numberField(item, 'expected') ? this.closeBucket(jobId, ref.group, bucket, item, now) : false;
  }

  /**
   * Adds a claimed chunk's outcome to the job's running tally for its failure rate and
   * returns the tally. Approximate by design: one unconditional add per claim (a claim
   * whose delivery dies before adding is missing from it), so a threshold costs one
   * small write per chunk, not a read of every bucket.
   */
  async tallyForFailureRate(jobId: string, counts: { succeeded: number; failed: number }): Promise<{ succeeded: number; failed: number }> {
    const item = await this.store.add(jobId, 'RATE', { succeeded: counts.succeeded, failed: counts.failed });
    return { succeeded: numberField(item, 'succeeded'), failed: numberField(item, 'failed') };
  }

  /** Adds what a delivery used to the job's usage (approximate: one unconditional add; see job-cost.ts). */
  async addUsage(jobId: string, usage: JobUsage): Promise<void> {
    const deltas = Object.fromEntries(Object.entries(usage).filter(([, amount]) => amount !== 0));
    if (Object.keys(deltas).length > 0) await this.store.add(jobId, USAGE_KEY, deltas);
  }

  /**
   * Records a schedule's newest run (the run before it is kept too, so a retried tick
   * still finds the run to compare with). One item per schedule, moved by a conditional
   * write from the run it replaces; another tick that moved it meanwhile stands.
   */
  async recordScheduledRun(name: string, jobId: string): Promise<void> {
    const runs = await this.scheduledRuns(name);
    if (runs.last === jobId) return;
    if (runs.last === undefined) {
      await this.store.create(scheduleKey(name), SCHEDULE_ITEM, { jobId }, 'jobId');
    } else {
      await this.store.setWhen(
        scheduleKey(name),
        SCHEDULE_ITEM,
        { jobId, previousJobId: runs.last },
        { field: 'jobId', equals: runs.last },
        'jobId',
      );
    }
  }

  /** Links a job to one that re-runs its failures (shown in both status documents). */
  async addRedrive(jobId: string, childJobId: string, now: number): Promise<void> {
    await this.store.addOnce(jobId, JOB, 'redrives', childJobId, {}, now);
  }

  /** Closes a complete bucket into its group; true when that ended the job. */
  private async closeBucket(jobId: string, group: string, bucket: number, item: LedgerItem, now: number): Promise<boolean> {
    const { item: groupItem } = await this.store.addOnce(
      jobId,
      groupKey(group),
      'closed',
      String(bucket),
      {
        ...rolledUp(item),
        chunksDone: countedChunks(item),
      },
      now,
    );
    return isClosed(groupItem) ? this.closeGroup(jobId, group, now, groupItem) : false;
  }

  private async closeGroup(jobId: string, group: string, now: number, item?: LedgerItem): Promise<boolean> {
    const groupItem = item ?? (await this.store.get(jobId, groupKey(group)));
    await this.store.addOnce(
      jobId,
      JOB,
      'closed',
      group,
      {
        ...rolledUp(groupItem ?? {}),
        chunksDone: numberField(groupItem, 'chunksDone'),
      },
      now,
    );
    return this.finishIfComplete(jobId, now);
  }
}
