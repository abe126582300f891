import { PutObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createServer } from 'node:http';
import type { SQSBatchResponse } from 'aws-lambda';
import { createHttpHandler } from '../../src/api/http-handler';
import { createConsumerHandler, createSplitterHandler } from '../../src/api/lambda-handlers';
import { createScheduleHandler } from '../../src/api/schedule-event';
import { apiKeySource, createPipeline } from '../../src/aws/pipeline';
import { loadAppConfig } from '../../src/config/app-config';
import { createEngine } from '../../src/fetch/engine';
import type { FetchResult } from '../../src/fetch/result';
import type { Engine } from '../../src/fetch/types';
import { createJobConfigs } from '../../src/jobs/job-options';
import { startLocalEventBus, type LocalEventBus } from '../../src/local/event-bus';
import { createJobTable } from '../../src/local/local-resources';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { listenOnLoopback, type LoopbackListener } from '../support/listen-loopback';
import { httpEvent, lambdaContext } from '../unit/api/events';
import {
  createBucket,
  createQueue,
  deleteJobTable,
  deleteQueue,
  destroyClients,
  emulatorClients,
  receiveAsEvent,
  uniqueName,
} from './helpers';

/**
 * The pipeline's functions wired as the handlers wire them, on the emulators, with the
 * real engine fetching from a loopback server. SQS delivery is driven by hand (receive,
 * invoke, delete what succeeded) so each step is deterministic.
 */
describe('pipeline on the emulators', () => {
  const clients = emulatorClients();
  const names = { queue: uniqueName('chunks'), split: uniqueName('split'), bucket: uniqueName('results'), table: uniqueName('jobs') };
  let server: LoopbackListener;
  let origin: string;
  let engine: Engine;
  let queueUrl: string;
  let splitQueueUrl: string;
  let api: ReturnType<typeof createHttpHandler>;
  let consumer: ReturnType<typeof createConsumerHandler>;
  let splitter: ReturnType<typeof createSplitterHandler>;
  let schedule: ReturnType<typeof createScheduleHandler>;
  let bus: LocalEventBus;

  beforeAll(async () => {
    server = await listenOnLoopback(
      createServer((req, res) => {
        res.writeHead(req.url?.startsWith('/missing') === true ? 404 : 200, { 'content-type': 'text/plain' });
        res.end(`body of ${req.url}`);
      }),
    );
    const { port } = server;
    origin = server.origin;
    [queueUrl, splitQueueUrl] = await Promise.all([createQueue(clients, names.queue), createQueue(clients, names.split)]);
    await Promise.all([createBucket(clients, names.bucket), createJobTable(clients.dynamodb, names.table)]);
    bus = await startLocalEventBus();
    const config = loadAppConfig({
      FANOUT_EVENT_BUS: 'fanout-test-events',
      FANOUT_EVENTBRIDGE_ENDPOINT: bus.endpoint,
      FANOUT_QUEUE_URL: queueUrl,
      FANOUT_SPLIT_QUEUE_URL: splitQueueUrl,
      FANOUT_BUCKET: names.bucket,
      FANOUT_TABLE: names.table,
      FANOUT_API_KEY: 'k',
      FANOUT_ALLOW_NET: `127.0.0.1:${port}`,
      FANOUT_CHUNK_URLS: '4',
      FANOUT_RETRIES: '0',
    });
    const pipeline = createPipeline(config, { ...clients, eventbridge: new EventBridgeClient({ endpoint: bus.endpoint }) });
    engine = createEngine(config.engine);
    api = createHttpHandler({ submit: pipeline, ledger: pipeline.ledger, results: pipeline.results, apiKey: apiKeySource(config) });
    consumer = createConsumerHandler({
      ...pipeline,
      engine,
      configFor: createJobConfigs(config.engine, config.bodyMemoryBytes),
      deadlineMarginMs: 1000,
      maxReceiveCount: 5,
    });
    splitter = createSplitterHandler({ ...pipeline, rangeBytes: 64, maxReceiveCount: 3 });
    schedule = createScheduleHandler(pipeline);
  });

  afterAll(async () => {
    await engine.close();
    await server.close();
    await bus.close();
    await Promise.all([deleteQueue(clients, queueUrl), deleteQueue(clients, splitQueueUrl), deleteJobTable(clients, names.table)]);
    destroyClients(clients);
  });

  async function call(method: string, path: string, body?: unknown, query?: Record<string, string>) {
    const res = await api(
      httpEvent(method, path, {
        headers: { 'x-api-key': 'k' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(query === undefined ? {} : { query }),
      }),
      lambdaContext(),
    );
    return { status: res.statusCode, body: JSON.parse(res.body ?? 'null') as Record<string, any> };
  }

  /** Delivers messages from a queue to a handler until the queue is empty. */
  async function drain(url: string, handler: (e: any, c: any) => Promise<SQSBatchResponse>): Promise<number> {
    let delivered = 0;
    for (let i = 0; i < 100; i++) {
      const { event, deleteDone } = await receiveAsEvent(clients, url, 5);
      if (event.Records.length === 0) return delivered;
      delivered += event.Records.length;
      await deleteDone(await handler(event, lambdaContext(30_000)));
    }
    throw new Error('queue did not drain');
  }

  async function allResults(jobId: string): Promise<FetchResult[]> {
    const items: FetchResult[] = [];
    let cursor: string | undefined;
    do {
      const page = await call('GET', `/jobs/${jobId}/results`, undefined, { limit: '3', ...(cursor === undefined ? {} : { cursor }) });
      items.push(...page.body['items']);
      cursor = page.body['nextCursor'] ?? undefined;
    } while (cursor !== undefined);
    return items;
  }

  it('takes an inline job to done with one result per URL, and a redelivered chunk changes nothing', async () => {
    const urls = [...Array.from({ length: 9 }, (_, i) => `${origin}/ok/${i}`), `${origin}/missing`, 'not a url'];
    const submitted = await call('POST', '/jobs', { urls });
    expect(submitted.status).toBe(202);
    const jobId = submitted.body['jobId'] as string;
    expect(submitted.body).toMatchObject({ total: 11, chunks: 3 });

    // Keep one message body to deliver it again after the job is done.
    const first = await receiveAsEvent(clients, queueUrl, 1);
    await first.deleteDone(await consumer(first.event, lambdaContext(30_000)));
    await drain(queueUrl, consumer);

    const status = await call('GET', `/jobs/${jobId}`);
    expect(status.body).toMatchObject({ state: 'done', total: 11, succeeded: 9, failed: 2, chunks: { total: 3, done: 3 } });
    // One "Job Ended" event, through the real EventBridge client.
    expect(bus.events().filter((e) => (e.detail as { jobId?: string }).jobId === jobId)).toEqual([
      expect.objectContaining({
        source: 'fanout',
        detailType: 'Job Ended',
        detail: expect.objectContaining({ id: `${jobId}:done`, succeeded: 9, failed: 2 }),
      }),
    ]);

    const again = await consumer(first.event, lambdaContext(30_000));
    expect(again.batchItemFailures).toEqual([]);
    expect((await call('GET', `/jobs/${jobId}`)).body).toMatchObject({ succeeded: 9, failed: 2, chunks: { done: 3 } });

    const results = await allResults(jobId);
    expect(results.map((r) => r.line).sort((a, b) => a - b)).toEqual(urls.map((_, i) => i + 1));
    expect(results.find((r) => r.line === 11)?.error?.code).toBe('BAD_URL');
    expect(results.find((r) => r.line === 10)).toMatchObject({ ok: false, status: 404 });
    // One object per chunk: the redelivery found its chunk claimed and wrote nothing.
    const objects = await clients.s3.send(new ListObjectsV2Command({ Bucket: names.bucket, Prefix: `results/${jobId}/` }));
    expect(objects.Contents).toHaveLength(3);
  });

  it('splits a manifest by byte ranges and numbers results by manifest line', async () => {
    const lines = Array.from({ length: 15 }, (_, i) => (i === 4 ? '' : `${origin}/m/${i + 1}`));
    await clients.s3.send(new PutObjectCommand({ Bucket: names.bucket, Key: 'manifests/m.txt', Body: `${lines.join('\n')}\n` }));
    const submitted = await call('POST', '/jobs', { manifest: `s3://${names.bucket}/manifests/m.txt` });
    expect(submitted.status).toBe(202);
    const jobId = submitted.body['jobId'] as string;
    const splitMessages = await drain(splitQueueUrl, splitter);
    expect(splitMessages).toBeGreaterThan(3); // the plan and several ranges
    await drain(queueUrl, consumer);
    expect((await call('GET', `/jobs/${jobId}`)).body).toMatchObject({ state: 'done', total: 14, succeeded: 14, failed: 0 });
    const results = await allResults(jobId);
    expect(results.map((r) => [r.line, r.url])).toEqual(lines.map((url, i) => [i + 1, url] as const).filter(([, url]) => url !== ''));
  });

  it('starts one job per schedule tick, however often the tick is delivered', async () => {
    const tick = { name: uniqueName('tick'), urls: [`${origin}/s/1`, `${origin}/s/2`], time: '2026-11-24T20:00:00Z' };
    const [a, b] = await Promise.all([schedule(tick, lambdaContext()), schedule(tick, lambdaContext())]);
    expect(a.jobId).toBe(b.jobId);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    await drain(queueUrl, consumer);
    expect((await call('GET', `/jobs/${a.jobId}`)).body).toMatchObject({
      state: 'done',
      total: 2,
      succeeded: 2,
      chunks: { total: 1, done: 1 },
    });
  });
});
