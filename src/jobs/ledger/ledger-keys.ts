/** The keys of a job's ledger items (see the table in job-ledger.ts). */
export const JOB = 'JOB';
export const groupKey = (group: string): string => `GROUP#${group}`;
export const bucketKey = (group: string, bucket: number): string => `BUCKET#${group}#${String(bucket).padStart(4, '0')}`;
export const CLAIM_PREFIX = 'CHUNK#';
export const claimKey = (chunkId: string): string => `${CLAIM_PREFIX}${chunkId}`;

export const USAGE_KEY = 'USAGE';
/** A schedule's runs live in a partition of their own, beside the jobs'. */
export const scheduleKey = (name: string): string => `schedule:${name}`;
export const SCHEDULE_ITEM = 'RUNS';
