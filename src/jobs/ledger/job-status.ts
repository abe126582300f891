import { JOB_STATES, type JobState, type JobStatus } from '../ports';

/** What a job store knows of a job: its record plus the summed counters. */
export interface JobProgress {
  readonly state: JobState;
  readonly reason?: string | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly urls: number;
  readonly chunksTotal: number;
  readonly chunksDone: number;
  readonly succeeded: number;
  readonly failed: number;
}

/**
 * The API's view of a job's progress. A job stays `queued` in the store until it
 * is done or failed; it reads as `running` once a chunk has been counted.
 */
export function jobStatus(jobId: string, progress: JobProgress): JobStatus {
  const state = progress.state === JOB_STATES.QUEUED && progress.chunksDone > 0 ? JOB_STATES.RUNNING : progress.state;
  return {
    jobId,
    state,
    total: progress.urls,
    succeeded: progress.succeeded,
    failed: progress.failed,
    chunks: { total: progress.chunksTotal, done: progress.chunksDone },
    createdAt: new Date(progress.createdAt).toISOString(),
    updatedAt: new Date(progress.updatedAt).toISOString(),
    ...(progress.reason === undefined ? {} : { reason: progress.reason }),
  };
}
