import { createConsumerHandler, createSplitterHandler } from '../../../src/api/lambda-handlers';
import { resolveEngineConfig } from '../../../src/config/engine-config';
import { FETCH_ERROR_CODES } from '../../../src/errors';
import type { ChunkMessage } from '../../../src/jobs/messages';
import { FakeEngine, MemoryJobs, MemoryManifests, MemoryQueue, MemoryResults } from '../jobs/fakes';
import { lambdaContext, sqsEvent } from './events';

const NOW = Date.UTC(2026, 10, 24);
const ENGINE_CONFIG = resolveEngineConfig({});

function chunkBody(chunkId: string, lines: number[]): string {
  const msg: ChunkMessage = {
    kind: 'chunk',
    jobId: 'job',
    chunkId,
    generation: 0,
    options: {},
    urls: lines.map((line) => ({ url: `http://127.0.0.1/${line}`, line })),
  };
  return JSON.stringify(msg);
}

async function consumerSetup(engine = new FakeEngine()) {
  const jobs = new MemoryJobs();
  await jobs.createJob({ jobId: 'job', options: {}, source: 'urls', splitsTotal: 1, now: NOW });
  await jobs.register('job', 'split#0', { chunks: 2, urls: 3, split: true }, NOW);
  const results = new MemoryResults();
  const logs: Record<string, unknown>[] = [];
  const handler = createConsumerHandler({
    engine,
    configFor: () => ENGINE_CONFIG,
    results,
    jobs,
    chunkQueue: new MemoryQueue(),
    now: () => NOW,
    deadlineMarginMs: 10_000,
    log: (e) => logs.push(e),
  });
  return { handler, jobs, results, logs, engine };
}

describe('consumer handler', () => {
  it('runs every chunk with a deadline of the remaining time minus the margin', async () => {
    const { handler, jobs, engine } = await consumerSetup();
    const before = Date.now();
    const res = await handler(sqsEvent([chunkBody('c-000000', [1, 2]), chunkBody('c-000001', [3])]), lambdaContext(60_000));
    expect(res).toEqual({ batchItemFailures: [] });
    for (const run of engine.runs) {
      expect(run.deadline).toBeGreaterThanOrEqual(before + 50_000);
      expect(run.deadline).toBeLessThanOrEqual(Date.now() + 50_000);
    }
    expect(await jobs.getJob('job')).toMatchObject({ state: 'done', succeeded: 3 });
  });

  it('reports only the failed records: an unparseable message and a failed store write', async () => {
    const { handler, results, logs } = await consumerSetup();
    results.failNextPut = new Error('S3 write failed');
    const res = await handler(
      sqsEvent([chunkBody('c-000000', [1, 2]), 'not json', '{"kind":"chunk"}']),
      lambdaContext(),
    );
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }, { itemIdentifier: 'msg-1' }, { itemIdentifier: 'msg-2' }]);
    expect(logs.map((l) => (l['error'] as { code?: string }).code)).toEqual([undefined, 'BAD_MESSAGE', 'BAD_MESSAGE']);
  });

  it('runs the chunks of a batch side by side, sharing the engine limits so their sum stays within them', async () => {
    let active = 0;
    let most = 0;
    let concurrencyInUse = 0;
    let mostConcurrency = 0;
    let mostPerHost = 0;
    const engine = new FakeEngine();
    const run = engine.run.bind(engine);
    engine.run = async (urls, options) => {
      const share = options.config ?? ENGINE_CONFIG;
      active += 1;
      concurrencyInUse += share.concurrency;
      most = Math.max(most, active);
      mostConcurrency = Math.max(mostConcurrency, concurrencyInUse);
      mostPerHost = Math.max(mostPerHost, share.perHost * active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      try {
        return await run(urls, options);
      } finally {
        active -= 1;
        concurrencyInUse -= share.concurrency;
      }
    };
    const { handler } = await consumerSetup(engine);
    await handler(sqsEvent([chunkBody('c-000000', [1]), chunkBody('c-000001', [2]), chunkBody('c-000002', [3])]), lambdaContext());
    expect(engine.runs).toHaveLength(3);
    expect(most).toBe(3);
    expect(mostConcurrency).toBeLessThanOrEqual(ENGINE_CONFIG.concurrency);
    expect(mostPerHost).toBeLessThanOrEqual(ENGINE_CONFIG.perHost);
  });

  it('acknowledges a chunk whose leftovers were re-queued', async () => {
    const { handler } = await consumerSetup(new FakeEngine(() => FETCH_ERROR_CODES.NOT_ATTEMPTED));
    expect(await handler(sqsEvent([chunkBody('c-000000', [1])]), lambdaContext())).toEqual({ batchItemFailures: [] });
  });
});

describe('splitter handler', () => {
  it('plans a manifest and reports a message that is neither plan nor range', async () => {
    const jobs = new MemoryJobs();
    await jobs.createJob({ jobId: 'm', options: {}, source: 's3://b/k', now: NOW });
    const manifests = new MemoryManifests();
    manifests.put('b', 'k', 'http://127.0.0.1/1\n');
    const splitQueue = new MemoryQueue();
    const handler = createSplitterHandler({
      jobs,
      manifests,
      chunkQueue: new MemoryQueue(),
      splitQueue,
      limits: { urls: 10, bytes: 60_000 },
      now: () => NOW,
      log: () => undefined,
    });
    const plan = JSON.stringify({ kind: 'plan', jobId: 'm', bucket: 'b', key: 'k', options: {} });
    const res = await handler(sqsEvent([plan, '{"kind":"other"}']), lambdaContext());
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'msg-1' }]);
    expect(splitQueue.sent).toHaveLength(1);
  });
});
