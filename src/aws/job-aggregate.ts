import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { JOB_STATES, type JobState } from '../jobs/ports';

/** A job item plus the sum of its counter shards. */
export interface Aggregate {
  readonly state: JobState;
  readonly splitsTotal?: number;
  readonly reason?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly urls: number;
  readonly chunksTotal: number;
  readonly chunksDone: number;
  readonly splitsDone: number;
  readonly succeeded: number;
  readonly failed: number;
}

const COUNTERS = ['urls', 'chunksTotal', 'chunksDone', 'splitsDone', 'succeeded', 'failed'] as const;

const n = (v: AttributeValue | undefined): number => (v?.N === undefined ? 0 : Number(v.N));

/** Sums the items of one job's partition; undefined when there is no job item. */
export function sumShards(items: readonly Record<string, AttributeValue>[]): Aggregate | undefined {
  const job = items.find((item) => item['sk']?.S === 'JOB');
  if (job === undefined) return undefined;
  const sums: Record<(typeof COUNTERS)[number], number> = {
    urls: 0,
    chunksTotal: 0,
    chunksDone: 0,
    splitsDone: 0,
    succeeded: 0,
    failed: 0,
  };
  let updatedAt = n(job['updatedAt']);
  for (const item of items) {
    if (item === job) continue;
    for (const key of COUNTERS) sums[key] += n(item[key]);
    updatedAt = Math.max(updatedAt, n(item['updatedAt']));
  }
  const state = (job['state']?.S ?? JOB_STATES.QUEUED) as JobState;
  return {
    state,
    ...(job['splitsTotal'] === undefined ? {} : { splitsTotal: n(job['splitsTotal']) }),
    ...(job['reason']?.S === undefined ? {} : { reason: job['reason'].S }),
    createdAt: n(job['createdAt']),
    updatedAt,
    ...sums,
  };
}
