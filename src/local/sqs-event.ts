import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';

function lambdaAttributes(attributes: Record<string, MessageAttributeValue> | undefined): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    // Lambda's record shape: camelCase keys, list fields always present.
    out[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return out;
}

/**
 * Shapes received SQS messages as the event Lambda's SQS event source delivers:
 * `Records[]` with messageId, receiptHandle, body, attributes (ApproximateReceiveCount
 * and the other system attributes as strings), messageAttributes, md5OfBody,
 * eventSource `aws:sqs`, eventSourceARN and awsRegion.
 */
export function buildSqsEvent(messages: readonly Message[], queueArn: string, region: string): SQSEvent {
  const records = messages.map((m): SQSRecord => {
    const a = m.Attributes ?? {};
    return {
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
        SentTimestamp: a.SentTimestamp ?? String(Date.now()),
        SenderId: a.SenderId ?? '000000000000',
        ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: lambdaAttributes(m.MessageAttributes),
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: region,
    };
  });
  return { Records: records };
}

/**
 * Reads a function's partial batch response (ReportBatchItemFailures) and returns the
 * message ids to keep. A null/empty answer or one without `batchItemFailures` means
 * every message succeeded; a response that is not JSON, or an empty, null or unknown
 * `itemIdentifier`, fails the whole batch (throws), as in AWS.
 */
export function failedItemIds(responseText: string, batchIds: ReadonlySet<string>): ReadonlySet<string> {
  let parsed: unknown = null;
  try {
    parsed = responseText === '' ? null : JSON.parse(responseText);
  } catch {
    throw new Error(`response is not JSON: ${responseText.slice(0, 200)}`);
  }
  const failures = (parsed as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) throw new Error('batchItemFailures is not an array');
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !batchIds.has(id)) {
      throw new Error(`batchItemFailures has an invalid itemIdentifier ${JSON.stringify(id)}`);
    }
    failed.add(id);
  }
  return failed;
}
