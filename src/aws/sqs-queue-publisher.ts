import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { QueuePublishError } from '../jobs/errors';
import type { QueueMessage, QueuePublisher } from '../jobs/ports';

/** SQS takes at most 10 entries per SendMessageBatch. */
const MAX_BATCH_ENTRIES = 10;
/** And at most 1 MiB per batch request, all entries together. */
const MAX_BATCH_BYTES = 1024 * 1024;

/** Retry settings for per-entry failures and failed batch calls. */
export interface PublisherOptions {
  /** Attempts per message, the first included. */
  readonly maxAttempts?: number;
  /** Backoff before attempt n+1 is `baseDelayMs * 2^(n-1)`, capped at 5 s. */
  readonly baseDelayMs?: number;
  /** Batch calls in flight at once. */
  readonly parallel?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Groups messages into batches of ≤ 10 entries and ≤ 1 MiB. */
export function toBatches(messages: readonly QueueMessage[]): QueueMessage[][] {
  const batches: QueueMessage[][] = [];
  let current: QueueMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.body);
    if (current.length > 0 && (current.length === MAX_BATCH_ENTRIES || bytes + size > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Sends messages to one SQS queue with SendMessageBatch. Entries that SQS reports
 * as failed (and whole batch calls that throw) are retried with backoff until sent
 * or `maxAttempts` is spent; then {@link QueuePublishError} names what was not sent.
 * The caller decides what a partial send means (the submit marks the job failed).
 */
export class SqsQueuePublisher implements QueuePublisher {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly parallel: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    options: PublisherOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.parallel = options.parallel ?? 4;
    this.sleep = options.sleep ?? sleepFor;
  }

  async sendAll(messages: readonly QueueMessage[]): Promise<void> {
    const batches = toBatches(messages);
    const failed: string[] = [];
    let lastError: unknown;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const batch = batches[next++] as QueueMessage[];
        const result = await this.sendBatch(batch);
        failed.push(...result.failed);
        lastError = result.error ?? lastError;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.parallel, batches.length) }, worker));
    if (failed.length > 0) {
      throw new QueuePublishError(
        `${failed.length} of ${messages.length} messages not sent to ${this.queueUrl} after ${this.maxAttempts} attempts: ${describe(lastError)}`,
        failed,
        { cause: lastError },
      );
    }
  }

  /** Sends one batch, re-sending only the entries that failed. */
  private async sendBatch(batch: readonly QueueMessage[]): Promise<{ failed: string[]; error?: unknown }> {
    // Batch entry ids must be unique and [A-Za-z0-9_-]{1,80}: use positions, map back to message ids.
    let pending = batch.map((message, i) => ({ entryId: String(i), message }));
    let error: unknown;
    for (let attempt = 1; pending.length > 0 && attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await this.sleep(Math.min(5000, this.baseDelayMs * 2 ** (attempt - 2)));
      try {
        const out = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: pending.map((p) => ({
              Id: p.entryId,
              MessageBody: p.message.body,
              ...(p.message.delaySeconds ? { DelaySeconds: p.message.delaySeconds } : {}),
            })),
          }),
        );
        const failedIds = new Set((out.Failed ?? []).map((f) => f.Id));
        const first = out.Failed?.[0];
        if (first !== undefined) error = new Error(`${first.Code ?? 'Failed'}: ${first.Message ?? ''}`);
        pending = pending.filter((p) => failedIds.has(p.entryId));
      } catch (err) {
        error = err;
      }
    }
    return { failed: pending.map((p) => p.message.id), error };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
