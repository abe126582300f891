import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Logger } from './http-errors';

/**
 * Runs `handle` on the records of an SQS batch, `parallel` at a time, and answers in Lambda's
 * partial batch format (`ReportBatchItemFailures`): a record whose handler throws is
 * listed by its messageId, so SQS keeps only that one and delivers it again (then to
 * the DLQ after maxReceiveCount). The others are deleted. An error that `fatal` picks
 * (an injected kill) fails the whole invocation instead, as a crashed Lambda would:
 * nothing is deleted and every record comes back.
 */
export async function processSqsBatch(
  event: SQSEvent,
  handle: (record: SQSRecord) => Promise<void>,
  log: Logger,
  options: { readonly parallel?: number; readonly fatal?: (error: unknown) => boolean } = {},
): Promise<SQSBatchResponse> {
  const parallel = options.parallel ?? Number.POSITIVE_INFINITY;
  const outcomes: PromiseSettledResult<void>[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < event.Records.length) {
      const i = next++;
      outcomes[i] = await handle(event.Records[i] as SQSRecord).then(
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
    const e = outcome.reason instanceof Error ? outcome.reason : new Error(String(outcome.reason));
    log({
      level: 'error',
      msg: 'record failed',
      messageId: record.messageId,
      receiveCount: record.attributes?.ApproximateReceiveCount,
      error: { name: e.name, code: (e as { code?: unknown }).code, message: e.message, stack: e.stack },
    });
    batchItemFailures.push({ itemIdentifier: record.messageId });
  });
  return { batchItemFailures };
}
