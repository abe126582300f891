/**
 * What the job ledger's items say: a job's status, whether it is complete, its claims.
 * Reads only; the writes, and the rules that
 * keep them exactly-once, are in {@link ./job-ledger}.
 */
import { allGroupsClosed, stateOf } from './job-state';
import { jobStatus } from './job-status';
import { CHANGE_FIELDS, changeCountsOf, ROLLED_UP_FIELDS, type ChangeFieldCounts } from './change-counts';
import { estimateCost, NO_USAGE, USAGE_FIELDS, type JobUsage } from '../cost/job-cost';
import { COUNTED_PREFIX } from './chunk-ref';
import { CLAIM_PREFIX, claimKey, JOB, SCHEDULE_ITEM, scheduleKey, USAGE_KEY } from './ledger-keys';
import { members, numberField, stringField, type LedgerItem, type LedgerStore } from './ledger-store';
import { JOB_STATES, type JobState, type JobStatus } from '../ports';
import { shownWebhookUrl } from '../../webhook/webhook-url';

/** What a chunk's winning delivery recorded: its results object, counts and leftovers. */
export interface ChunkClaim extends ChangeFieldCounts {
  readonly deliveryId: string;
  /** Key of the immutable results object of that delivery. */
  readonly objectKey: string;
  readonly succeeded: number;
  readonly failed: number;
  /** Positions in the chunk's URL list re-queued as its child (encoded; '' for none). */
  readonly leftovers: string;
  /** Of those, the positions whose attempt the deadline cut (encoded; absent for none): their URLs carry one more cut. */
  readonly cuts?: string;
  /**
   * Epoch ms before which the leftovers' hosts could not take them (a rate, a pause, slots
   * leased elsewhere): the child is sent delayed until then. Absent: at once.
   */
  readonly resumeAt?: number;
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
    const counters = allGroupsClosed(job) ? countersOf(job, numberField(job, 'chunksDone')) : await this.sumBuckets(jobId);
    const status = jobStatus(jobId, {
      state,
      reason: stringField(job, 'reason'),
      createdAt: numberField(job, 'createdAt'),
      updatedAt: Math.max(numberField(job, 'updatedAt'), counters.updatedAt),
      urls: numberField(job, 'urls'),
      chunksTotal: counters.chunksTotal,
      chunksDone: counters.chunksDone,
      succeeded: counters.counts['succeeded'] ?? 0,
      failed: counters.counts['failed'] ?? 0,
    });
    const changes = changeCountsOf((field) => counters.counts[field] ?? 0);
    const redrives = members(job, 'redrives');
    const optional = (field: 'parent' | 'webhookError') => {
      const value = stringField(job, field);
      return value === undefined ? {} : { [field]: value };
    };
    const usage = await this.usage(jobId);
    const webhook = stringField(job, 'webhook');
    return {
      ...status,
      ...optional('parent'),
      ...(redrives.length === 0 ? {} : { redrives }),
      // Scheme and host only: a receiver's token often sits in the path.
      ...(webhook === undefined ? {} : { webhook: shownWebhookUrl(webhook) }),
      ...optional('webhookError'),
      ...(changes === undefined ? {} : { changes }),
      ...(usage === undefined ? {} : { cost: estimateCost(usage) }),
    };
  }

  /** A schedule's newest run and the one before it. */
  async scheduledRuns(name: string): Promise<{ last?: string; beforeLast?: string }> {
    const item = await this.store.get(scheduleKey(name), SCHEDULE_ITEM);
    const last = stringField(item, 'jobId');
    const beforeLast = stringField(item, 'previousJobId');
    return { ...(last === undefined ? {} : { last }), ...(beforeLast === undefined ? {} : { beforeLast }) };
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

  /** The counters of a running job: its buckets summed (one read per 64 root chunks). */
  private async sumBuckets(jobId: string): Promise<Counters> {
    const sums: Counters = { chunksTotal: 0, chunksDone: 0, counts: {}, updatedAt: 0 };
    let after: string | undefined;
    for (;;) {
      const page = await this.store.list(jobId, 'BUCKET#', { ...(after === undefined ? {} : { after }), limit: 500 });
      for (const { item } of page) {
        const bucket = countersOf(item, countedChunks(item), numberField(item, 'expected'));
        sums.chunksTotal += bucket.chunksTotal;
        sums.chunksDone += bucket.chunksDone;
        for (const [field, value] of Object.entries(bucket.counts)) sums.counts[field] = (sums.counts[field] ?? 0) + value;
        sums.updatedAt = Math.max(sums.updatedAt, bucket.updatedAt);
      }
      if (page.length < 500) return sums;
      after = page[page.length - 1]?.key;
    }
  }
}

/** The chunks a bucket item has counted: the sum of its lineages' counters. */
export function countedChunks(bucket: LedgerItem): number {
  let counted = 0;
  for (const [field, value] of Object.entries(bucket)) {
    if (field.startsWith(COUNTED_PREFIX) && /^\d+$/.test(field.slice(COUNTED_PREFIX.length)) && typeof value === 'number') counted += value;
  }
  return counted;
}

/** A job's or a bucket's counters. */
interface Counters {
  chunksTotal: number;
  chunksDone: number;
  /** The rolled-up counts (successes, failures, change kinds) by field. */
  counts: Record<string, number>;
  updatedAt: number;
}

function countersOf(item: LedgerItem, chunksDone: number, chunksTotal = chunksDone): Counters {
  const counts: Record<string, number> = {};
  for (const field of ROLLED_UP_FIELDS) counts[field] = numberField(item, field);
  return { chunksTotal, chunksDone, counts, updatedAt: numberField(item, 'updatedAt') };
}

function claimFrom(item: LedgerItem): ChunkClaim {
  const changes: Record<string, number> = {};
  for (const field of Object.values(CHANGE_FIELDS)) if (numberField(item, field) > 0) changes[field] = numberField(item, field);
  return {
    deliveryId: stringField(item, 'deliveryId') ?? '',
    objectKey: stringField(item, 'objectKey') ?? '',
    succeeded: numberField(item, 'succeeded'),
    failed: numberField(item, 'failed'),
    ...changes,
    leftovers: stringField(item, 'leftovers') ?? '',
    ...(stringField(item, 'cuts') === undefined ? {} : { cuts: stringField(item, 'cuts') as string }),
    ...(numberField(item, 'resumeAt') > 0 ? { resumeAt: numberField(item, 'resumeAt') } : {}),
    claimedAt: numberField(item, 'claimedAt'),
  };
}
