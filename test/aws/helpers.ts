import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageCommand, DeleteQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { createAwsClients, type AwsClients } from '../../src/aws/clients';
import { createJobTable } from '../../src/local/local-resources';

/**
 * Emulator endpoints from the environment (set by the jest global setup that starts
 * fauxqs and dynalite). Only loopback endpoints are accepted: these tests must never
 * reach a real AWS account.
 */
export function emulatorClients(): AwsClients {
  const endpoints = {
    sqs: loopback('FANOUT_SQS_ENDPOINT'),
    s3: loopback('FANOUT_S3_ENDPOINT'),
    dynamodb: loopback('FANOUT_DYNAMODB_ENDPOINT'),
    // No bus in this project's global setup: a test that publishes starts its own
    // (src/local/event-bus.ts). Port 9 on loopback refuses, so nothing reaches AWS.
    eventbridge: 'http://127.0.0.1:9',
  };
  return createAwsClients(endpoints, process.env['AWS_REGION'] ?? 'us-east-1');
}

function loopback(key: string): string {
  const value = process.env[key];
  if (value === undefined) throw new Error(`${key} is not set: run these tests with the aws jest project`);
  const host = new URL(value).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) throw new Error(`${key}=${value} is not loopback`);
  return value;
}

/** A name no other test (or engineer) on this machine uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Creates a standard queue; `attributes` as SQS takes them (strings). */
export async function createQueue(clients: AwsClients, name: string, attributes: Record<string, string> = {}): Promise<string> {
  const out = await clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (out.QueueUrl === undefined) throw new Error('CreateQueue returned no QueueUrl');
  return out.QueueUrl;
}

export async function deleteQueue(clients: AwsClients, queueUrl: string): Promise<void> {
  await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
}

export async function createBucket(clients: AwsClients, name: string): Promise<void> {
  await clients.s3.send(new CreateBucketCommand({ Bucket: name }));
}

export async function deleteJobTable(clients: AwsClients, name: string): Promise<void> {
  await clients.dynamodb.send(new DeleteTableCommand({ TableName: name }));
}

/**
 * A jobs table of the file's own on the emulator: created before its tests and deleted
 * after them, when the clients are closed too. Call at the top of a test file.
 */
export function suiteJobTable(prefix: string): { clients: AwsClients; table: string } {
  const clients = emulatorClients();
  const table = uniqueName(prefix);
  beforeAll(async () => {
    await createJobTable(clients.dynamodb, table);
  });
  afterAll(async () => {
    await deleteJobTable(clients, table);
    destroyClients(clients);
  });
  return { clients, table };
}

/** Closes the clients' sockets so jest exits promptly. */
export function destroyClients(clients: AwsClients): void {
  clients.sqs.destroy();
  clients.s3.destroy();
  clients.dynamodb.destroy();
  clients.eventbridge.destroy();
}

/**
 * Receives up to `max` messages and shapes them as Lambda's SQS event, as the event
 * source mapping would. `deleteDone` then deletes those not reported as failures.
 */
export async function receiveAsEvent(
  clients: AwsClients,
  queueUrl: string,
  max = 10,
): Promise<{ event: SQSEvent; deleteDone: (response: SQSBatchResponse) => Promise<void> }> {
  const out = await clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: max,
      WaitTimeSeconds: 0,
      VisibilityTimeout: 30,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  );
  const messages = out.Messages ?? [];
  const event: SQSEvent = {
    Records: messages.map((m) => ({
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: '0',
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split('/').pop() ?? ''}`,
      awsRegion: 'us-east-1',
    })),
  };
  const deleteDone = async (response: SQSBatchResponse): Promise<void> => {
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    for (const m of messages) {
      if (m.MessageId !== undefined && !failed.has(m.MessageId)) {
        await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  };
  return { event, deleteDone };
}
