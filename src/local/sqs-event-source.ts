import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createLogger, type Logger } from '../observability/logger';
import { FaultInjector } from './fault-injector';
import type { EventSourceSettings } from './pipeline-settings';
import { buildSqsEvent, failedItemIds } from './sqs-event';

/** How the event source polls and invokes: an SQS event source mapping's settings plus where to. */
export interface SqsEventSourceOptions extends EventSourceSettings {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** serverless-offline's Lambda endpoint, e.g. `http://127.0.0.1:3002`. */
  readonly lambdaEndpoint: string;
  readonly region?: string;
  /**
   * Where notable events go (failed invocations, poll and delete errors, faults applied),
   * one structured line each; the stack gives a logger writing to its own output
   * (see src/local/local-stack.ts). None: silent.
   */
  readonly log?: Logger;
  /** The queue's visibility timeout: a held message is kept this long (plus a little) before the invocation. */
  readonly visibilityTimeoutS?: number;
}

/** Counters, for the benchmark and for diagnostics. */
export interface SqsEventSourceStats {
  receives: number;
  messagesReceived: number;
  invocations: number;
  /** Invocations that failed as a whole (error, timeout, bad response, unreachable). */
  failedInvocations: number;
  /** Messages reported in `batchItemFailures`. */
  itemFailures: number;
  messagesDeleted: number;
  /** Sum of invocation wall times, ms. */
  invokeMs: number;
  /** Sum of time from a batch's first message to its invocation, ms. */
  batchingMs: number;
}

/** Lambda's cap on a synchronous invocation's payload. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** SQS's longest long poll. */
const LONG_POLL_S = 20;
/** SQS's cap on messages per receive. */
const MAX_RECEIVE = 10;
/** After a failed invocation, pause before polling again (the poller's backoff). */
const FAILURE_BACKOFF_MS = 500;

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * A local stand-in for Lambda's SQS event source mapping, for serverless-offline
 * (whose SQS plugin deletes messages the handler reported as failed; see
 * TOOLCHAIN.md). It keeps Lambda's semantics:
 *
 * - `maximumConcurrency` pollers, each long-polling the queue and invoking the
 *   function synchronously through serverless-offline's Lambda endpoint, so at most
 *   that many invocations run at once;
 * - a batch is up to `batchSize` messages gathered for at most the batching window
 *   (window 0: what one receive returns) and at most 6 MB of bodies;
 * - on success every message is deleted, except, with ReportBatchItemFailures, the
 *   ones named in `batchItemFailures`; an unknown or empty item id fails the whole
 *   batch, as in AWS;
 * - on a failed invocation (handler error, timeout, unreachable endpoint) nothing is
 *   deleted; messages come back after the queue's visibility timeout, which is never
 *   changed here, and the queue's redrive policy moves a message to its DLQ after
 *   `maxReceiveCount` receives (fauxqs implements this as SQS does).
 *
 * @example
 * const source = new SqsEventSource({ sqs, queueUrl, lambdaEndpoint: 'http://127.0.0.1:3002',
 *   functionName: 'fanout-dev-consumer', batchSize: 5, maximumBatchingWindowS: 1,
 *   maximumConcurrency: 4, reportBatchItemFailures: true, functionTimeoutS: 60 });
 * await source.start();
 * // ...
 * await source.stop();
 */
export class SqsEventSource {
  readonly #options: SqsEventSourceOptions;
  readonly #log: Logger;
  readonly #lambda: LambdaClient;
  readonly #abort = new AbortController();
  readonly #stats: SqsEventSourceStats = {
    receives: 0,
    messagesReceived: 0,
    invocations: 0,
    failedInvocations: 0,
    itemFailures: 0,
    messagesDeleted: 0,
    invokeMs: 0,
    batchingMs: 0,
  };
  #pollers: Promise<void>[] = [];
  #queueArn = '';
  /** Faults to inflict on deliveries (none unless rules are added). */
  readonly faults = new FaultInjector();

  constructor(options: SqsEventSourceOptions) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new RangeError(`Expected batchSize to be a positive integer, got ${options.batchSize}`);
    }
    if (!Number.isInteger(options.maximumConcurrency) || options.maximumConcurrency < 1) {
      throw new RangeError(`Expected maximumConcurrency to be a positive integer, got ${options.maximumConcurrency}`);
    }
    this.#options = options;
    this.#log = (options.log ?? createLogger({ level: 'silent' })).createChild({
      persistentKeys: { eventSource: 'sqs', functionName: options.functionName },
    });
    this.#lambda = new LambdaClient({
      region: options.region ?? 'us-east-1',
      endpoint: options.lambdaEndpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      // The poller decides about retries (by not deleting); the client must not
      // invoke the same batch twice on its own.
      maxAttempts: 1,
    });
  }

  /** A snapshot of the counters. */
  stats(): SqsEventSourceStats {
    return { ...this.#stats };
  }

  /**
   * Invokes the function `maximumConcurrency` times at once with an empty batch, so its
   * workers exist before the first message: a cold serverless-offline worker on a loaded
   * machine can take seconds to start, which a short function timeout turns into a
   * failed delivery (AWS's provisioned concurrency does the same for real Lambdas).
   */
  async warm(): Promise<void> {
    const event = buildSqsEvent([], this.#queueArn, this.#options.region ?? 'us-east-1');
    await Promise.all(
      Array.from({ length: this.#options.maximumConcurrency }, () =>
        this.#lambda
          .send(new InvokeCommand({ FunctionName: this.#options.functionName, Payload: Buffer.from(JSON.stringify(event)) }))
          .catch((error: unknown) => this.#log.warn('warm-up failed', { error })),
      ),
    );
  }

  /** Looks up the queue's ARN (for the event records) and starts the pollers. */
  async start(): Promise<void> {
    const attributes = await this.#options.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: this.#options.queueUrl, AttributeNames: ['QueueArn'] }),
    );
    this.#queueArn = attributes.Attributes?.QueueArn ?? '';
    for (let i = 0; i < this.#options.maximumConcurrency; i += 1) {
      this.#pollers.push(this.#poll());
    }
  }

  /**
   * Stops polling and abandons running invocations (as a disabled event source
   * mapping would leave them to time out). Nothing received since is deleted: those
   * messages come back after the visibility timeout.
   */
  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#pollers);
    this.#pollers = [];
    this.#lambda.destroy();
  }

  async #poll(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        const { messages, firstAt } = await this.#gather(signal);
        if (messages.length === 0) continue;
        this.#stats.batchingMs += Date.now() - firstAt;
        const ok = await this.#invoke(messages);
        if (!ok) await delay(FAILURE_BACKOFF_MS, signal);
      } catch (error) {
        if (signal.aborted) return;
        this.#log.warn('poll failed', { error });
        await delay(FAILURE_BACKOFF_MS, signal);
      }
    }
  }

  /**
   * Gathers one batch: up to batchSize messages within the batching window. A message
   * whose visibility timeout ran out while gathering can be received again; it is kept
   * once, with its newest receipt handle (the older one no longer deletes it).
   */
  async #gather(signal: AbortSignal): Promise<{ messages: Message[]; firstAt: number }> {
    const { batchSize, maximumBatchingWindowS } = this.#options;
    const byId = new Map<string, Message>();
    let bytes = 0;
    let firstAt = 0;
    while (byId.size < batchSize && !signal.aborted) {
      let waitS = LONG_POLL_S;
      if (byId.size > 0) {
        const leftMs = firstAt + maximumBatchingWindowS * 1000 - Date.now();
        if (leftMs <= 0) break;
        waitS = Math.min(LONG_POLL_S, Math.ceil(leftMs / 1000));
      }
      // Ask for no more than can still fit in one 6 MB invocation payload, counting
      // each message at the queue's 1 MiB maximum.
      const room = Math.floor((MAX_PAYLOAD_BYTES - bytes) / (1024 * 1024));
      const max = Math.min(MAX_RECEIVE, batchSize - byId.size, byId.size === 0 ? Math.max(room, 1) : room);
      if (max <= 0) break;
      const received = await this.#options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#options.queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitS,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: signal },
      );
      this.#stats.receives += 1;
      const got = received.Messages ?? [];
      if (got.length > 0 && byId.size === 0) firstAt = Date.now();
      for (const message of got) {
        const id = message.MessageId ?? '';
        if (!byId.has(id)) bytes += Buffer.byteLength(message.Body ?? '');
        byId.set(id, message);
      }
      this.#stats.messagesReceived += got.length;
      if (byId.size > 0 && maximumBatchingWindowS === 0) break;
    }
    return { messages: [...byId.values()], firstAt };
  }

  /**
   * Invokes the function with one batch, as planned by the fault injector (held past
   * the visibility timeout, or invoked twice, after or at once), and deletes what the
   * (last) invocation reported done; true if it succeeded.
   */
  async #invoke(received: readonly Message[]): Promise<boolean> {
    const planned = this.faults.plan(received);
    if (planned.applied.length > 0) this.#log.info('faults applied', { faults: planned.applied });
    if (planned.hold) await delay(((this.#options.visibilityTimeoutS ?? 0) + 1) * 1000, this.#abort.signal);
    const messages = planned.messages;
    if (planned.duplicate === 'concurrent') {
      const [first] = await Promise.all([this.#invokeOnce(messages), this.#invokeOnce(messages)]);
      return this.#finish(messages, first);
    }
    if (planned.duplicate === 'after') await this.#invokeOnce(messages);
    return this.#finish(messages, await this.#invokeOnce(messages));
  }

  /** Deletes what an invocation reported done; true if it succeeded. */
  async #finish(messages: readonly Message[], failedIds: ReadonlySet<string> | null): Promise<boolean> {
    if (failedIds === null) return false;
    this.#stats.itemFailures += failedIds.size;
    await this.#delete(messages.filter((m) => !failedIds.has(m.MessageId ?? '')));
    return true;
  }

  /** One invocation; the ids it reported failed, or null when it failed as a whole. */
  async #invokeOnce(messages: readonly Message[]): Promise<ReadonlySet<string> | null> {
    const { functionName, functionTimeoutS } = this.#options;
    const event = buildSqsEvent(messages, this.#queueArn, this.#options.region ?? 'us-east-1');
    const started = Date.now();
    this.#stats.invocations += 1;
    let failedIds: ReadonlySet<string>;
    try {
      // serverless-offline enforces the function's timeout itself; the timer only
      // guards against an endpoint that never answers. `stop()` abandons the call: the
      // batch is not deleted and comes back after the visibility timeout.
      const response = await this.#lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: Buffer.from(JSON.stringify(event)),
        }),
        { abortSignal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(functionTimeoutS * 1000 + 10_000)]) },
      );
      const text = response.Payload === undefined ? '' : Buffer.from(response.Payload).toString('utf8');
      if (response.FunctionError !== undefined) {
        throw new Error(`function error ${response.FunctionError}: ${text.slice(0, 500)}`);
      }
      failedIds = this.#options.reportBatchItemFailures ? failedItemIds(text, new Set(messages.map((m) => m.MessageId ?? ''))) : new Set();
    } catch (error) {
      this.#stats.failedInvocations += 1;
      this.#stats.invokeMs += Date.now() - started;
      if (!this.#abort.signal.aborted) {
        this.#log.warn('batch failed, left for redelivery', { messages: messages.length, error });
      }
      return null;
    }
    this.#stats.invokeMs += Date.now() - started;
    return failedIds;
  }

  async #delete(messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += MAX_RECEIVE) {
      const group = messages.slice(i, i + MAX_RECEIVE);
      const result = await this.#options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#options.queueUrl,
          Entries: group.map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
      this.#stats.messagesDeleted += result.Successful?.length ?? 0;
      // A receipt handle can be stale when an invocation outlived the visibility
      // timeout; the message is then redelivered, as in AWS.
      for (const failed of result.Failed ?? []) this.#log.warn('delete failed', { code: failed.Code, reason: failed.Message });
    }
  }
}
