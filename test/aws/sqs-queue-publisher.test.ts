import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { SqsQueuePublisher, toBatches } from '../../src/aws/sqs-queue-publisher';
import { QueuePublishError } from '../../src/jobs/errors';
import type { QueueMessage } from '../../src/jobs/ports';
import { createQueue, deleteQueue, destroyClients, emulatorClients, uniqueName } from './helpers';

const noSleep = async (): Promise<void> => {};

async function drain(clients: ReturnType<typeof emulatorClients>, queueUrl: string, expected: number): Promise<string[]> {
  const bodies: string[] = [];
  // One receive past the expected count, so a duplicate shows up as an extra body.
  for (let i = 0, extra = 0; i < 50 && extra < 1; i++) {
    if (bodies.length >= expected) extra += 1;
    const out = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60 }),
    );
    bodies.push(...(out.Messages ?? []).map((m) => m.Body ?? ''));
  }
  return bodies;
}

describe('SqsQueuePublisher', () => {
  const clients = emulatorClients();
  const queues: string[] = [];

  afterAll(async () => {
    await Promise.all(queues.map((q) => deleteQueue(clients, q)));
    destroyClients(clients);
  });

  it('sends more than 10 messages, every one exactly once', async () => {
    const queueUrl = await createQueue(clients, uniqueName('pub'));
    queues.push(queueUrl);
    const messages: QueueMessage[] = Array.from({ length: 23 }, (_, i) => ({ id: `m${i}`, body: `body-${i}` }));
    await new SqsQueuePublisher(clients.sqs, queueUrl, { sleep: noSleep }).sendAll(messages);
    const bodies = await drain(clients, queueUrl, 23);
    expect(bodies.sort()).toEqual(messages.map((m) => m.body).sort());
  });

  it('holds a message back for its delaySeconds (a re-queued chunk whose host cannot take it yet)', async () => {
    const queueUrl = await createQueue(clients, uniqueName('delay'));
    queues.push(queueUrl);
    const sent = Date.now();
    await new SqsQueuePublisher(clients.sqs, queueUrl, { sleep: noSleep }).sendAll([
      { id: 'later', body: 'later', delaySeconds: 2 },
      { id: 'now', body: 'now' },
    ]);
    expect(await drain(clients, queueUrl, 1)).toEqual(['now']);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, sent + 2200 - Date.now())));
    expect(await drain(clients, queueUrl, 1)).toEqual(['later']);
  });

  it('retries an entry that failed once and sends it without duplicating the others', async () => {
    const queueUrl = await createQueue(clients, uniqueName('pub-retry'));
    queues.push(queueUrl);
    // Fault injection on the real client: the first SendMessageBatch carries one entry
    // with a character SQS refuses, so that entry (only) comes back in `Failed`.
    let injected = false;
    clients.sqs.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Entries?: { Id: string; MessageBody: string }[]; QueueUrl?: string };
        if (!injected && input.QueueUrl === queueUrl && input.Entries !== undefined && input.Entries.length > 1) {
          injected = true;
          const [first, ...rest] = input.Entries as [{ Id: string; MessageBody: string }];
          const broken = { ...input, Entries: [{ ...first, MessageBody: `${first.MessageBody}\u0000` }, ...rest] };
          return next({ ...args, input: broken as typeof args.input });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failOneEntryOnce' },
    );
    try {
      const messages = Array.from({ length: 12 }, (_, i) => ({ id: `m${i}`, body: `retry-${i}` }));
      await new SqsQueuePublisher(clients.sqs, queueUrl, { sleep: noSleep, parallel: 1 }).sendAll(messages);
      expect(injected).toBe(true);
      const bodies = await drain(clients, queueUrl, 12);
      expect(bodies.sort()).toEqual(messages.map((m) => m.body).sort());
    } finally {
      clients.sqs.middlewareStack.remove('failOneEntryOnce');
    }
  });

  it('names the messages it could not send after every attempt, having sent the rest', async () => {
    const queueUrl = await createQueue(clients, uniqueName('pub-small'), { MaximumMessageSize: '1024' });
    queues.push(queueUrl);
    const messages = Array.from({ length: 11 }, (_, i) => ({ id: `m${i}`, body: i === 4 ? 'x'.repeat(2000) : `ok-${i}` }));
    const sleeps: number[] = [];
    const publisher = new SqsQueuePublisher(clients.sqs, queueUrl, {
      maxAttempts: 3,
      baseDelayMs: 10,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    const error = await publisher.sendAll(messages).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueuePublishError);
    expect((error as QueuePublishError).code).toBe('QUEUE_PUBLISH');
    expect((error as QueuePublishError).failedIds).toEqual(['m4']);
    expect(sleeps).toEqual([10, 20]);
    const bodies = await drain(clients, queueUrl, 10);
    expect(bodies.sort()).toEqual(
      messages
        .filter((m) => m.id !== 'm4')
        .map((m) => m.body)
        .sort(),
    );
  });
});

describe('toBatches', () => {
  it('keeps batches at 10 entries and under 1 MiB', () => {
    const big = 'x'.repeat(300 * 1024);
    const batches = toBatches(Array.from({ length: 14 }, (_, i) => ({ id: String(i), body: i < 4 ? big : 'y' })));
    expect(batches.map((b) => b.length)).toEqual([3, 10, 1]);
  });
});
