import { createServer } from 'node:http';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createLogger } from '../../../src/observability/logger';
import { SqsEventSource } from '../../../src/local/sqs-event-source';
import { listenOnLoopback } from '../../support/listen-loopback';

describe('SqsEventSource logs', () => {
  it('writes its problems as Powertools JSON lines, with its function, into the sink the stack gives it', async () => {
    // A Lambda endpoint that fails every invocation.
    const lambda = await listenOnLoopback(
      createServer((_req, res) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"message":"boom"}');
      }),
    );
    const sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const lines: string[] = [];
    const source = new SqsEventSource({
      sqs,
      queueUrl: 'http://127.0.0.1:9/000000000000/q',
      lambdaEndpoint: lambda.origin,
      functionName: 'fanout-test-fn',
      batchSize: 1,
      maximumBatchingWindowS: 0,
      maximumConcurrency: 2,
      reportBatchItemFailures: true,
      functionTimeoutS: 5,
      log: createLogger({ level: 'info', write: (line) => lines.push(line) }),
    });
    try {
      await source.warm();
    } finally {
      await source.stop();
      sqs.destroy();
      await lambda.close();
    }
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed).toHaveLength(2);
    for (const line of parsed) {
      expect(line).toMatchObject({
        level: 'WARN',
        message: 'warm-up failed',
        service: 'fanout',
        eventSource: 'sqs',
        functionName: 'fanout-test-fn',
      });
      expect(line['error']).toMatchObject({ message: expect.any(String) });
    }
  });
});
