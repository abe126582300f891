import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { SqsEventSource, type SqsEventSourceOptions } from '../../src/local/sqs-event-source';
import { listenOnLoopback } from '../support/listen-loopback';
import { e2eEnv } from './e2e-client';

/** What the fake function answers for one event: a payload, or an unhandled error. */
type Behaviour = (event: SQSEvent) => Promise<{ payload?: unknown; error?: string }>;

/**
 * A loopback server speaking the Lambda Invoke API (what serverless-offline's Lambda
 * endpoint speaks), so the event source's semantics can be checked without it.
 */
async function fakeLambda(
  behaviour: Behaviour,
): Promise<{ endpoint: string; events: SQSEvent[]; maxActive: () => number; close: () => Promise<void> }> {
  const events: SQSEvent[] = [];
  let active = 0;
  let maxActive = 0;
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (p: Buffer) => parts.push(p));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(parts).toString('utf8')) as SQSEvent;
      events.push(event);
      active += 1;
      maxActive = Math.max(maxActive, active);
      void behaviour(event).then((outcome) => {
        active -= 1;
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (outcome.error !== undefined) headers['x-amz-function-error'] = 'Unhandled';
        res.writeHead(200, headers);
        res.end(JSON.stringify(outcome.error === undefined ? (outcome.payload ?? null) : { errorMessage: outcome.error }));
      });
    });
  });
  const { origin, close } = await listenOnLoopback(server);
  return {
    endpoint: origin,
    events,
    maxActive: () => maxActive,
    close,
  };
}

let sqs: SQSClient;
const running: { stop: () => Promise<void> }[] = [];

beforeAll(() => {
  sqs = new SQSClient({ endpoint: e2eEnv('FANOUT_E2E_SQS_ENDPOINT') });
});

afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

afterAll(() => sqs.destroy());

/** A fresh queue (1 s visibility) with a DLQ after `maxReceiveCount` receives. */
async function queueWithDlq(maxReceiveCount: number): Promise<{ url: string; dlqUrl: string }> {
  const name = `es-${randomUUID().slice(0, 8)}`;
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const arn = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }));
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: '1',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn.Attributes?.QueueArn, maxReceiveCount }),
      },
    }),
  );
  return { url: queue.QueueUrl!, dlqUrl: dlq.QueueUrl! };
}

async function send(url: string, bodies: readonly string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: bodies.slice(i, i + 10).map((body, j) => ({ Id: String(j), MessageBody: body })),
      }),
    );
  }
}

async function start(
  options: Partial<SqsEventSourceOptions> & Pick<SqsEventSourceOptions, 'queueUrl' | 'lambdaEndpoint'>,
): Promise<SqsEventSource> {
  const source = new SqsEventSource({
    sqs,
    functionName: 'fanout-test-fn',
    batchSize: 5,
    maximumBatchingWindowS: 0,
    maximumConcurrency: 2,
    reportBatchItemFailures: true,
    functionTimeoutS: 5,
    ...options,
  });
  await source.start();
  running.push(source);
  return source;
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function visibleCount(url: string): Promise<number> {
  const a = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(a.Attributes?.ApproximateNumberOfMessages) + Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible);
}

describe('SqsEventSource', () => {
  it('delivers Lambda-shaped SQS events of at most batchSize records and deletes what succeeded', async () => {
    const { url } = await queueWithDlq(3);
    const lambda = await fakeLambda(async () => ({ payload: { batchItemFailures: [] } }));
    running.push({ stop: lambda.close });
    const bodies = Array.from({ length: 23 }, (_, i) => `m${i}`);
    await send(url, bodies);
    const source = await start({ queueUrl: url, lambdaEndpoint: lambda.endpoint, batchSize: 4 });
    await eventually(async () => source.stats().messagesDeleted === 23, 10_000);

    const records = lambda.events.flatMap((e) => e.Records);
    expect(records.map((r) => r.body).sort()).toEqual([...bodies].sort());
    expect(Math.max(...lambda.events.map((e) => e.Records.length))).toBeLessThanOrEqual(4);
    expect(records[0]).toMatchObject({
      eventSource: 'aws:sqs',
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(records[0]!.eventSourceARN).toMatch(/^arn:aws:sqs:/);
    expect(records[0]!.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    expect(await visibleCount(url)).toBe(0);
  });

  it('keeps the messages named in batchItemFailures; they come back after the visibility timeout', async () => {
    const { url } = await queueWithDlq(5);
    const lambda = await fakeLambda(async (event) => ({
      payload: {
        batchItemFailures: event.Records.filter((r) => r.body === 'bad' && r.attributes.ApproximateReceiveCount === '1').map((r) => ({
          itemIdentifier: r.messageId,
        })),
      },
    }));
    running.push({ stop: lambda.close });
    await send(url, ['good-1', 'bad', 'good-2']);
    const source = await start({ queueUrl: url, lambdaEndpoint: lambda.endpoint });
    await eventually(() => source.stats().messagesDeleted === 3, 10_000);

    const seen = lambda.events.flatMap((e) => e.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`));
    expect(seen.sort()).toEqual(['bad#1', 'bad#2', 'good-1#1', 'good-2#1']);
    expect(source.stats().itemFailures).toBe(1);
  });

  it('fails the whole batch when an itemIdentifier is unknown, as AWS does', async () => {
    const { url } = await queueWithDlq(5);
    let calls = 0;
    const lambda = await fakeLambda(async () => {
      calls += 1;
      return { payload: { batchItemFailures: calls === 1 ? [{ itemIdentifier: 'no-such-id' }] : [] } };
    });
    running.push({ stop: lambda.close });
    await send(url, ['a', 'b']);
    const source = await start({ queueUrl: url, lambdaEndpoint: lambda.endpoint, maximumConcurrency: 1 });
    await eventually(() => source.stats().messagesDeleted === 2, 10_000);

    expect(source.stats().failedInvocations).toBe(1);
    // Every record of the failed batch came back for a second receive.
    const [first, ...later] = lambda.events;
    const redelivered = later.flatMap((e) => e.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`));
    for (const record of first!.Records) expect(redelivered).toContain(`${record.body}#2`);
  });

  it('puts a message into a batch once even when it is received again while the batch gathers', async () => {
    const { url } = await queueWithDlq(5);
    const lambda = await fakeLambda(async () => ({ payload: null }));
    running.push({ stop: lambda.close });
    await send(url, ['once']);
    // A 2 s window on a queue with a 1 s visibility timeout: the message is received twice.
    const source = await start({
      queueUrl: url,
      lambdaEndpoint: lambda.endpoint,
      maximumConcurrency: 1,
      batchSize: 10,
      maximumBatchingWindowS: 2,
    });
    await eventually(() => source.stats().messagesDeleted === 1, 10_000);

    expect(lambda.events).toHaveLength(1);
    expect(lambda.events[0]!.Records.map((r) => r.body)).toEqual(['once']);
    expect(source.stats().messagesReceived).toBeGreaterThan(1);
  });

  it('never runs more than maximumConcurrency invocations at once', async () => {
    const { url } = await queueWithDlq(5);
    const lambda = await fakeLambda(async () => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      return { payload: null };
    });
    running.push({ stop: lambda.close });
    await send(
      url,
      Array.from({ length: 30 }, (_, i) => `c${i}`),
    );
    const source = await start({ queueUrl: url, lambdaEndpoint: lambda.endpoint, batchSize: 1, maximumConcurrency: 3 });
    await eventually(() => source.stats().messagesDeleted === 30, 15_000);

    expect(lambda.maxActive()).toBe(3);
  });

  it('deletes nothing when the function fails, so the queue moves the message to its DLQ after maxReceiveCount', async () => {
    const { url, dlqUrl } = await queueWithDlq(2);
    const lambda = await fakeLambda(async () => ({ error: 'boom' }));
    running.push({ stop: lambda.close });
    await send(url, ['poison']);
    await start({ queueUrl: url, lambdaEndpoint: lambda.endpoint });
    await eventually(async () => (await visibleCount(dlqUrl)) === 1, 10_000);

    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }));
    expect(received.Messages?.[0]?.Body).toBe('poison');
    expect(lambda.events.flatMap((e) => e.Records.map((r) => r.attributes.ApproximateReceiveCount))).toEqual(['1', '2']);
  });
});
