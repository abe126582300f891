import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Logger } from '../observability/logger';

/**
 * Runs `handle` on the records of an SQS batch, `parallel` at a time, and answers in Lambda's
 * partial batch format (`ReportBatchItemFailures`): a record whose handler throws is
 * listed by its messageId, so SQS keeps only that one and delivers it again (then to
 * the DLQ after maxReceiveCount). The others are deleted. An error that `fatal` picks
 * (an injected kill) fails the whole invocation instead, as a crashed Lambda would:
 * nothing is deleted and every record comes back.
 *
 * Each record gets its own child of `log` (keys `messageId`, `receiveCount`), which
 * `handle` may give more keys (the job and chunk ids); its failure is logged through
 * that child, so the line names what failed even while other records run.
 */
export async function processSqsBatch(
  event: SQSEvent,
  handle: (record: SQSRecord, log: Logger) => Promise<void>,
  log: Logger,
  options: { readonly parallel?: number; readonly fatal?: (error: unknown) => boolean } = {},
): Promise<SQSBatchResponse> {
  const parallel = options.parallel ?? Number.POSITIVE_INFINITY;
  const outcomes: PromiseSettledResult<void>[] = [];
  const logs: Logger[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < event.Records.length) {
      const i = next++;
      const record = event.Records[i] as SQSRecord;
      const recordLog = log.createChild({
        persistentKeys: { messageId: record.messageId, receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? '1') },
      });
      logs[i] = recordLog;
      outcomes[i] = await handle(record, recordLog).then(
        (value): PromiseSettledResult<void> => ({ status: 'fulfilled', value }),
        (reason: unknown): PromiseSettledResult<void> => ({ status: 'rejected', reason }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, event.Records.length) }, worker));
  const fatal = outcomes.find((o) => o.status === 'rejected' && options.fatal?.(o.reason) === true);
  if (fatal?.status === 'rejected') throw fatal.reason;
  const batchItemFailures: { itemIdentifier: string }[] = [];
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') return;
    const record = event.Records[i] as SQSRecord;
    const error = outcome.reason instanceof Error ? outcome.reason : new Error(String(outcome.reason));
    (logs[i] ?? log).error('record failed', { error });
    batchItemFailures.push({ itemIdentifier: record.messageId });
  });
  return { batchItemFailures };
}
