import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
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
 * Chunks run one after another: the engine's concurrency limits hold per run, so this
 * keeps requests in flight per consumer at the engine's concurrency (fleet-wide:
 * consumer concurrency x engine concurrency) and per host at `perHost`.
 * An unparseable message throws, so it is reported failed on every delivery and ends
 * in the DLQ after maxReceiveCount.
 */
export function createConsumerHandler(deps: ConsumeDeps & { readonly deadlineMarginMs: number; readonly log?: Logger }): SqsHandler {
  const log = deps.log ?? logJson;
  return (event, context) => {
    const deadline = Date.now() + context.getRemainingTimeInMillis() - deps.deadlineMarginMs;
    return processSqsBatch(
      event,
      async (record) => {
        const msg = parseChunkMessage(record.body);
        const outcome = await consumeChunk(deps, msg, deadline);
        log({ level: 'info', msg: 'chunk consumed', jobId: msg.jobId, chunkId: msg.chunkId, ...outcome });
      },
      log,
      1,
    );
  };
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
