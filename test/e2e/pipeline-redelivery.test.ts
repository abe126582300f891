import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { DENY_ONCE_PREFIX } from '../support/s3-fault-proxy';
import { allResults, countByLine, e2eEnv, submit, waitForJob } from './e2e-client';
import { startTargetServer, type TargetServer } from './target-server';

let target: TargetServer;
let sqs: SQSClient;

beforeAll(async () => {
  target = await startTargetServer();
  sqs = new SQSClient({ endpoint: e2eEnv('FANOUT_E2E_SQS_ENDPOINT') });
});

afterAll(async () => {
  sqs.destroy();
  await target.close();
});

/** Every line 1..n has exactly one result. */
function expectExactlyOnce(items: readonly { line: number }[], n: number): void {
  expect(items).toHaveLength(n);
  const counts = countByLine(items);
  for (let line = 1; line <= n; line += 1) expect({ line, results: counts.get(line) }).toEqual({ line, results: 1 });
}

// These wait for visibility timeouts (36 s at stage e2e), so they run concurrently.
describe('redelivery through the local SQS event source', () => {
  it.concurrent(
    'redelivers a chunk whose results write failed once and counts it once',
    async () => {
      const token = randomUUID().replaceAll('-', '');
      const urls = [
        `${target.origin}/ok/store-${token}/1`,
        `${target.origin}/ok/store-${token}/2?m=${DENY_ONCE_PREFIX}${token}`,
        `${target.origin}/ok/store-${token}/3`,
      ];
      const job = await submit(urls);
      const status = await waitForJob(job.jobId, 140_000);

      const faults = (await (await fetch(`${e2eEnv('FANOUT_E2E_S3_ENDPOINT')}/__faults`)).json()) as { denied: string[] };
      expect(faults.denied).toContain(token);
      expect(status).toMatchObject({ state: 'done', total: 3, succeeded: 3, failed: 0, chunks: { total: 1, done: 1 } });
      expectExactlyOnce(await allResults(job.jobId), 3);
      // Fetched once per delivery: the failed write made the chunk come back (a concurrent
      // test's restart of serverless-offline may cost one delivery more).
      expect(target.requests.get(new URL(urls[1]!).pathname + new URL(urls[1]!).search)).toBeGreaterThanOrEqual(2);
    },
    150_000,
  );

  it.concurrent(
    'moves a message the consumer can never handle to the DLQ after maxReceiveCount receives',
    async () => {
      const body = `poison ${randomUUID()} {not json`;
      await sqs.send(new SendMessageCommand({ QueueUrl: e2eEnv('FANOUT_E2E_QUEUE_URL'), MessageBody: body }));
      const until = Date.now() + 150_000;
      let found: { receiveCount: number } | undefined;
      while (found === undefined && Date.now() < until) {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: e2eEnv('FANOUT_E2E_DLQ_URL'),
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 5,
            VisibilityTimeout: 1,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        );
        for (const message of received.Messages ?? []) {
          if (message.Body !== body) continue;
          found = { receiveCount: Number(message.Attributes?.ApproximateReceiveCount) };
          await sqs.send(new DeleteMessageCommand({ QueueUrl: e2eEnv('FANOUT_E2E_DLQ_URL'), ReceiptHandle: message.ReceiptHandle }));
        }
      }
      expect(found).toBeDefined();
    },
    160_000,
  );

  it.concurrent(
    'redelivers a batch whose consumer was killed mid-batch: nothing lost, nothing counted twice',
    async () => {
      const tag = randomUUID();
      const n = 250;
      const urls = Array.from({ length: n }, (_, i) => `${target.origin}/slow/600/kill-${tag}/${i}`);
      const job = await submit(urls, { concurrency: 100, perHost: 100, timeoutMs: 1500, retries: 0 });
      const waitUntil = Date.now() + 30_000;
      while (target.inFlight() === 0 && Date.now() < waitUntil) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(target.inFlight()).toBeGreaterThan(0);

      const kill = await fetch(`${e2eEnv('FANOUT_E2E_CONTROL_URL')}/kill-offline`, { method: 'POST' });
      expect(kill.status).toBe(200);

      const status = await waitForJob(job.jobId, 140_000);
      const items = await allResults(job.jobId);
      const errors = items.filter((i) => !i.ok).map((i) => `${i.error?.code}:${i.attempts}:${JSON.stringify(i.timings)}`);
      expect({ ...status, errors: errors.slice(0, 5) }).toMatchObject({ state: 'done', total: n, succeeded: n, failed: 0, errors: [] });
      expect(status.chunks.done).toBe(status.chunks.total);
      expectExactlyOnce(items, n);
      const fetchedTwice = urls.filter((u) => (target.requests.get(new URL(u).pathname) ?? 0) > 1);
      // The killed invocations' URLs were fetched again after redelivery.
      expect(fetchedTwice.length).toBeGreaterThan(0);
    },
    160_000,
  );
});
