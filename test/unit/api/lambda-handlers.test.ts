import { createSplitterHandler } from '../../../src/api/lambda-handlers';
import { FETCH_ERROR_CODES } from '../../../src/errors';
import { FAULT_ATTRIBUTE } from '../../../src/jobs/chunks/faults';
import { JobLedger } from '../../../src/jobs/ledger/job-ledger';
import type { ChunkMessage } from '../../../src/jobs/chunks/messages';
import { FakeEngine, MemoryEvents, MemoryManifests, MemoryQueue } from '../jobs/fakes';
import { MemoryLedgerStore } from '../jobs/ledger/memory-ledger-store';
import { capturedLogs } from '../observability/captured-logs';
import { HARNESS_ENGINE_CONFIG as ENGINE_CONFIG, memoryConsumer } from './consumer-harness';
import { lambdaContext, sqsEvent } from './events';
import { WEBHOOK_RESERVE_MS, type WebhookDelivery } from '../../../src/webhook/webhook';

const NOW = Date.UTC(2026, 10, 24);

function chunkBody(chunkId: string, lines: number[]): string {
  const msg: ChunkMessage = {
    kind: 'chunk',
    jobId: 'job',
    group: 'c',
    index: Number(chunkId.slice(2)),
    generation: 0,
    options: {},
    urls: lines.map((line) => ({ url: `http://127.0.0.1/${line}`, line })),
  };
  return JSON.stringify(msg);
}

async function consumerSetup(engine = new FakeEngine(), faultInjection = false) {
  const {
    handler,
    ledger: jobs,
    results,
    logs,
  } = await memoryConsumer(engine, { job: { chunks: 2, urls: 3 } }, { now: NOW, faultInjection });
  return { handler, jobs, results, logs, engine };
}

/** An SQS event whose records carry these receive counts and fault plans. */
function eventWith(bodies: string[], receiveCount: string, plan?: string) {
  const event = sqsEvent(bodies);
  for (const record of event.Records) {
    record.attributes.ApproximateReceiveCount = receiveCount;
    if (plan !== undefined)
      record.messageAttributes[FAULT_ATTRIBUTE] = { dataType: 'String', stringValue: plan, stringListValues: [], binaryListValues: [] };
  }
  return event;
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

  it('keeps the webhook’s attempts within the invocation: cut to what remains, no retry it has no time for', async () => {
    const timeouts: number[] = [];
    const webhooks: WebhookDelivery = {
      secret: async () => 'k',
      sender: {
        async post(_url, _body, _headers, timeoutMs) {
          timeouts.push(timeoutMs);
          return { status: 503 };
        },
      },
    };
    const { handler, ledger } = await memoryConsumer(
      new FakeEngine(),
      { job: { chunks: 1, urls: 1, webhook: 'https://hooks.test/x' } },
      { now: NOW, webhooks },
    );
    const event = eventWith([chunkBody('c-000000', [1])], '3');
    // 4 s left: the last receive, so the failure is recorded rather than thrown.
    expect(await handler(event, lambdaContext(4000))).toEqual({ batchItemFailures: [] });
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]).toBeLessThanOrEqual(4000 - WEBHOOK_RESERVE_MS);
    expect((await ledger.getJob('job'))?.webhookError).toContain('HTTP 503');
  });

  it('reports only the failed records: an unparseable message and a failed store write', async () => {
    const { handler, results, logs } = await consumerSetup();
    results.failNextPut = new Error('S3 write failed');
    const res = await handler(sqsEvent([chunkBody('c-000000', [1, 2]), 'not json', '{"kind":"chunk"}']), lambdaContext());
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }, { itemIdentifier: 'msg-1' }, { itemIdentifier: 'msg-2' }]);
    expect(logs.map((l) => (l['error'] as { code?: string }).code)).toEqual([undefined, 'BAD_MESSAGE', 'BAD_MESSAGE']);
  });

  it('runs the chunks of a batch side by side, each job’s chunks in one limit group with the job’s whole limits', async () => {
    let active = 0;
    let most = 0;
    const engine = new FakeEngine();
    const run = engine.run.bind(engine);
    const seen: { group: string | undefined; concurrency: number | undefined; perHost: number | undefined }[] = [];
    engine.run = async (urls, options) => {
      active += 1;
      most = Math.max(most, active);
      seen.push({ group: options.limitGroup, concurrency: options.config?.concurrency, perHost: options.config?.perHost });
      await new Promise((resolve) => setTimeout(resolve, 5));
      try {
        return await run(urls, options);
      } finally {
        active -= 1;
      }
    };
    const { handler } = await consumerSetup(engine);
    await handler(sqsEvent([chunkBody('c-000000', [1]), chunkBody('c-000001', [2]), chunkBody('c-000002', [3])]), lambdaContext());
    expect(engine.runs).toHaveLength(3);
    expect(most).toBe(3);
    // No slicing: the engine's one scheduler holds the job's limits for all three (test/integration/fetch/engine-limit-groups.test.ts).
    expect(seen).toEqual(
      Array.from({ length: 3 }, () => ({ group: 'job', concurrency: ENGINE_CONFIG.concurrency, perHost: ENGINE_CONFIG.perHost })),
    );
  });

  it('takes a receive at maxReceiveCount as the last: records DELIVERY_LIMIT instead of fetching', async () => {
    const { handler, jobs, engine } = await consumerSetup();
    const res = await handler(eventWith([chunkBody('c-000000', [1, 2]), chunkBody('c-000001', [3])], '3'), lambdaContext());
    expect(res).toEqual({ batchItemFailures: [] });
    expect(engine.runs).toHaveLength(0);
    expect(await jobs.getJob('job')).toMatchObject({ state: 'done', succeeded: 0, failed: 3 });
  });

  it('fails the whole invocation at an injected kill, and ignores fault plans unless injection is on', async () => {
    const kill = JSON.stringify({ kill: 'after-results-write' });
    const on = await consumerSetup(new FakeEngine(), true);
    await expect(on.handler(eventWith([chunkBody('c-000000', [1])], '1', kill), lambdaContext())).rejects.toThrow('injected kill');
    expect(await on.jobs.getClaim('job', 'c-000000')).toBeUndefined();
    const off = await consumerSetup(new FakeEngine(), false);
    expect(await off.handler(eventWith([chunkBody('c-000000', [1])], '1', kill), lambdaContext())).toEqual({ batchItemFailures: [] });
  });

  it('acknowledges a chunk whose leftovers were re-queued', async () => {
    const { handler } = await consumerSetup(new FakeEngine(() => FETCH_ERROR_CODES.NOT_ATTEMPTED));
    expect(await handler(sqsEvent([chunkBody('c-000000', [1])]), lambdaContext())).toEqual({ batchItemFailures: [] });
  });
});

describe('splitter handler', () => {
  it('plans a manifest and reports a message that is neither plan nor range', async () => {
    const ledger = new JobLedger(new MemoryLedgerStore());
    await ledger.createJob({ jobId: 'm', options: {}, source: 's3://b/k', now: NOW });
    const manifests = new MemoryManifests();
    manifests.put('b', 'k', 'http://127.0.0.1/1\n');
    const splitQueue = new MemoryQueue();
    const handler = createSplitterHandler({
      ledger,
      manifests,
      chunkQueue: new MemoryQueue(),
      splitQueue,
      events: new MemoryEvents(),
      limits: { urls: 10, bytes: 60_000 },
      now: () => NOW,
      maxReceiveCount: 3,
      log: capturedLogs().log,
    });
    const plan = JSON.stringify({ kind: 'plan', jobId: 'm', bucket: 'b', key: 'k', options: {} });
    const res = await handler(sqsEvent([plan, '{"kind":"other"}']), lambdaContext());
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'msg-1' }]);
    expect(splitQueue.sent).toHaveLength(1);
  });
});
