import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { EngineConfig } from '../config/engine-config';
import { consumeChunk, type ConsumeDeps } from '../jobs/consume-chunk';
import { parseChunkMessage, parseSplitMessage } from '../jobs/messages';
import { handleSplitMessage, type SplitDeps } from '../jobs/split-manifest';
import type { Logger } from './http-errors';
import { processSqsBatch } from './sqs-batch';

/** An SQS-triggered Lambda with partial batch responses. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const logJson: Logger = (entry) => {
  console.error(JSON.stringify(entry));
};

/**
 * The consumer: every chunk in the batch runs under one deadline, the Lambda's end
 * minus `deadlineMarginMs`, leaving time to store, re-queue and count before it is cut.
 * The batch's chunks run side by side, each with an equal share of the engine's
 * limits (concurrency / n, perHost / n, at least 1), so requests in flight per
 * consumer stay within the engine's concurrency (fleet-wide: consumer concurrency x
 * engine concurrency) and per host within `perHost`, while no chunk waits for the
 * others and loses its part of the deadline.
 * An unparseable message throws, so it is reported failed on every delivery and ends
 * in the DLQ after maxReceiveCount.
 */
export function createConsumerHandler(deps: ConsumeDeps & { readonly deadlineMarginMs: number; readonly log?: Logger }): SqsHandler {
  const log = deps.log ?? logJson;
  return (event, context) => {
    const deadline = Date.now() + context.getRemainingTimeInMillis() - deps.deadlineMarginMs;
    const share = Math.max(1, event.Records.length);
    const shared: ConsumeDeps = { ...deps, configFor: (options) => shareOf(deps.configFor(options), share) };
    return processSqsBatch(
      event,
      async (record) => {
        const msg = parseChunkMessage(record.body);
        const outcome = await consumeChunk(shared, msg, deadline);
        log({ level: 'info', msg: 'chunk consumed', jobId: msg.jobId, chunkId: msg.chunkId, ...outcome });
      },
      log,
    );
  };
}

/** One of `n` equal shares of a run's limits. */
export function shareOf(config: EngineConfig, n: number): EngineConfig {
  if (n <= 1) return config;
  return Object.freeze({
    ...config,
    concurrency: Math.max(1, Math.floor(config.concurrency / n)),
    perHost: Math.max(1, Math.floor(config.perHost / n)),
  });
}

/** The splitter: plan and range messages of manifest jobs. */
export function createSplitterHandler(deps: SplitDeps & { readonly log?: Logger }): SqsHandler {
  const log = deps.log ?? logJson;
  return (event) =>
    processSqsBatch(
      event,
      async (record) => {
        await handleSplitMessage(deps, parseSplitMessage(record.body));
      },
      log,
    );
}
