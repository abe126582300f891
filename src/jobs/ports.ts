import type { FetchResult } from '../fetch/result';
import type { ChangeCounts } from './ledger/change-counts';
import type { CostEstimate } from './cost/job-cost';

/** One message to send: `id` is unique within one `sendAll` call. */
export interface QueueMessage {
  readonly id: string;
  readonly body: string;
  /** Seconds before the message may be received (SQS `DelaySeconds`, 0–900). */
  readonly delaySeconds?: number;
}

/** Sends messages to one queue. Resolves only when every message is sent. */
export interface QueuePublisher {
  /** Sends all messages; throws `QueuePublishError` naming the ones that could not be sent. */
  sendAll(messages: readonly QueueMessage[]): Promise<void>;
}

/**
 * Where results live: one immutable object per delivery of a chunk (the ledger's claim
 * says which delivery's object counts), and bodies by content.
 */
export interface ResultStore {
  /** Writes one delivery's final results as a new object and returns its key; never overwrites. */
  putDeliveryResults(jobId: string, chunkId: string, deliveryId: string, results: readonly FetchResult[]): Promise<string>;
  /** Removes an object no claim points at (a losing delivery's). */
  deleteObject(key: string): Promise<void>;
  /** The JSON lines of one results object. */
  readLines(key: string): Promise<string[]>;
  /** Stores a body under its sha256 (content-addressed, so rewriting is harmless). */
  putBody(sha256: string, body: Buffer): Promise<void>;
}

/**
 * Job states as stored and reported (`running` is derived: queued with progress).
 * `cancelling` turns `cancelled`, and `failing` (stopped by its failure rate) turns
 * `failed`, once every chunk has its records.
 */
export const JOB_STATES = {
  QUEUED: 'queued',
  RUNNING: 'running',
  DONE: 'done',
  FAILED: 'failed',
  CANCELLING: 'cancelling',
  CANCELLED: 'cancelled',
  FAILING: 'failing',
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
  /** The job whose failures this one re-runs. */
  readonly parent?: string;
  /** Where to POST the job's end (guarded, signed). */
  readonly webhook?: string;
  /**
   * The fingerprint of the request that made the job under an `Idempotency-Key`: a
   * repeat with the same key must carry the same request (src/api/idempotency.ts).
   */
  readonly requestHash?: string;
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
  /** The job this one re-runs the failures of, if any. */
  readonly parent?: string;
  /** Jobs that re-run this one's failures. */
  readonly redrives?: readonly string[];
  /** The webhook the job asked for, and why it could not be delivered, if it could not. */
  readonly webhook?: string;
  readonly webhookError?: string;
  /** A monitoring job's records by change kind (a schedule's runs after its first). */
  readonly changes?: ChangeCounts;
  /** What the job cost so far, estimated from its recorded usage (see job-cost.ts). */
  readonly cost?: CostEstimate;
}

/** What a job's end announces (EventBridge `detail`, and a webhook's body). */
export interface JobEndedEvent {
  /** `{jobId}:{state}`: the same for every repeat of the announcement, to deduplicate on. */
  readonly id: string;
  readonly jobId: string;
  readonly state: JobState;
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly reason?: string;
  /** A monitoring job's records by change kind. */
  readonly changes?: ChangeCounts;
  readonly endedAt: string;
}

/** Publishes job events (EventBridge in AWS). At least once: consumers deduplicate on `id`. */
export interface EventPublisher {
  publishJobEnded(event: JobEndedEvent): Promise<void>;
}
