import type { FetchResult } from '../fetch/result';

/** One message to send: `id` is unique within one `sendAll` call. */
export interface QueueMessage {
  readonly id: string;
  readonly body: string;
}

/** Sends messages to one queue. Resolves only when every message is sent. */
export interface QueuePublisher {
  /** Sends all messages; throws `QueuePublishError` naming the ones that could not be sent. */
  sendAll(messages: readonly QueueMessage[]): Promise<void>;
}

/** One page of a job's stored results. */
export interface ResultPage {
  readonly items: readonly FetchResult[];
  /** Opaque; pass back to get the next page. Null when there is nothing more (yet). */
  readonly nextCursor: string | null;
}

/** Where results live: one object per chunk, rewritten on redelivery. */
export interface ResultStore {
  /** Writes the chunk's final results at its deterministic key (overwrites). */
  putChunkResults(jobId: string, chunkId: string, results: readonly FetchResult[]): Promise<void>;
  /** Stores a body under its sha256 (content-addressed, so rewriting is harmless). */
  putBody(sha256: string, body: Buffer): Promise<void>;
  /** Reads up to `limit` results from `cursor` on; throws `BadCursorError` for a foreign cursor. */
  readResults(jobId: string, cursor: string | undefined, limit: number): Promise<ResultPage>;
}

/** Job states as stored and reported (`running` is derived: queued with progress). */
export const JOB_STATES = {
  QUEUED: 'queued',
  RUNNING: 'running',
  DONE: 'done',
  FAILED: 'failed',
} as const;

/** One of {@link JOB_STATES}. */
export type JobState = (typeof JOB_STATES)[keyof typeof JOB_STATES];

/** What a job is created with. */
export interface NewJob {
  readonly jobId: string;
  /** The job's engine options as submitted (validated). */
  readonly options: Readonly<Record<string, unknown>>;
  /** `urls` or an `s3://` manifest. */
  readonly source: string;
  /** Number of registrations (splits) that must happen before the job can be done; 1 for inline jobs. */
  readonly splitsTotal?: number;
  readonly now: number;
}

/** A job's progress as the API reports it. */
export interface JobStatus {
  readonly jobId: string;
  readonly state: JobState;
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly chunks: { readonly total: number; readonly done: number };
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Why the job failed, when it did. */
  readonly reason?: string;
}

/** Chunks and URLs added to a job by one registration. */
export interface Registration {
  readonly chunks: number;
  readonly urls: number;
  /** True when this registration completes one of the job's `splitsTotal` splits. */
  readonly split: boolean;
}

/** What one counted chunk contributes. */
export interface ChunkCounts {
  readonly succeeded: number;
  readonly failed: number;
}

/** The job record and its counters. Every mutation is idempotent by its id. */
export interface JobStore {
  /** Creates the job; false (and no change) when it exists already. */
  createJob(job: NewJob): Promise<boolean>;
  getJob(jobId: string): Promise<JobStatus | undefined>;
  /** Sets how many splits the job has, once known (manifest jobs). */
  setSplitsTotal(jobId: string, splits: number, now: number): Promise<void>;
  /**
   * Adds chunks/URLs to the job's totals once per `registrationId`, before they are sent,
   * so `chunks.total` never lags what is queued. Returns false when already registered.
   */
  register(jobId: string, registrationId: string, registration: Registration, now: number): Promise<boolean>;
  isChunkCounted(jobId: string, chunkId: string): Promise<boolean>;
  /** Counts the chunk exactly once; returns false when it was counted before. Marks the job done when complete. */
  countChunk(jobId: string, chunkId: string, counts: ChunkCounts, now: number): Promise<boolean>;
  /** Marks the job failed with a reason (unless it is done already). */
  markFailed(jobId: string, reason: string, now: number): Promise<void>;
}
