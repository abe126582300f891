import { FETCH_ERROR_CODES, type FetchErrorCode } from '../../../src/errors';
import { FAULT_ATTRIBUTE } from '../../../src/jobs/chunks/faults';
import type { ChunkMessage } from '../../../src/jobs/chunks/messages';
import { createMetrics } from '../../../src/observability/metrics';
import { FakeEngine } from '../jobs/fakes';
import { SizedEngine } from '../jobs/sized-engine';
import { memoryConsumer } from './consumer-harness';
import { lambdaContext, sqsEvent } from './events';

const NOW = Date.UTC(2026, 10, 30);

function chunkBody(jobId: string, index: number, lines: number[]): string {
  const msg: ChunkMessage = {
    kind: 'chunk',
    jobId,
    group: 'c',
    index,
    generation: 0,
    options: {},
    urls: lines.map((line) => ({ url: `http://127.0.0.1/${line}`, line })),
  };
  return JSON.stringify(msg);
}

/** A consumer over in-memory stores, with jobs of `chunks` chunks and `urls` URLs each, printing its metrics. */
async function consumer(engine: FakeEngine, jobs: Record<string, { chunks: number; urls: number }>, faultInjection = false) {
  const { handler, logs } = await memoryConsumer(engine, jobs, { now: NOW, faultInjection, metrics: createMetrics });
  return { handler, logs };
}

interface Emf {
  readonly _aws: {
    readonly CloudWatchMetrics: readonly { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  readonly [key: string]: unknown;
}

/** The EMF lines `run` prints on stdout (everything else it prints is left out). */
async function emfOf(run: () => Promise<unknown>): Promise<Emf[]> {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await run().catch(() => undefined);
  } finally {
    spy.mockRestore();
  }
  return written
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Emf);
}

/** One EMF line's metrics as name → [unit, value], with its dimension sets. */
function metricsOf(emf: Emf): { dimensions: string[][]; metrics: Record<string, [string, unknown]> } {
  const [directive] = emf._aws.CloudWatchMetrics;
  expect(directive?.Namespace).toBe('fanout');
  const metrics: Record<string, [string, unknown]> = {};
  for (const m of directive?.Metrics ?? []) metrics[m.Name] = [m.Unit, emf[m.Name]];
  return { dimensions: directive?.Dimensions ?? [], metrics };
}

function withReceiveCount(event: ReturnType<typeof sqsEvent>, count: string, plan?: string) {
  for (const record of event.Records) {
    record.attributes.ApproximateReceiveCount = count;
    if (plan !== undefined)
      record.messageAttributes[FAULT_ATTRIBUTE] = { dataType: 'String', stringValue: plan, stringListValues: [], binaryListValues: [] };
  }
  return event;
}

describe('consumer handler metrics', () => {
  const codes: Record<number, FetchErrorCode> = {
    2: FETCH_ERROR_CODES.TIMEOUT_TOTAL,
    3: FETCH_ERROR_CODES.HTTP_STATUS,
    4: FETCH_ERROR_CODES.NOT_ATTEMPTED,
    5: FETCH_ERROR_CODES.HTTP_STATUS,
  };

  it('prints one EMF line per invocation with the counters, and one per error code for the failures', async () => {
    const { handler } = await consumer(new SizedEngine((u) => codes[u.line]), { job: { chunks: 2, urls: 5 } });
    const event = sqsEvent([chunkBody('job', 0, [1, 2, 3]), chunkBody('job', 1, [4, 5])]);
    const emf = await emfOf(() => handler(event, lambdaContext()));
    // (Outside Lambda, Powertools never sees a cold start: no ColdStart line here.)
    const [main, ...failures] = emf.map(metricsOf);
    expect(emf).toHaveLength(3);
    expect(main?.dimensions).toEqual([['service', 'function_name']]);
    expect(emf[0]).toMatchObject({ service: 'fanout', function_name: 'fanout-dev-fn' });
    const { ChunkDuration: duration, ...counters } = main?.metrics ?? {};
    expect(counters).toEqual({
      UrlsFetched: ['Count', 4],
      UrlsSucceeded: ['Count', 1],
      UrlsFailed: ['Count', 3],
      // One ok record, body 'body 1'.
      ResponseBytes: ['Bytes', 6],
      // Line 4 was not attempted: it goes to the child chunk.
      UrlsRequeued: ['Count', 1],
      ChunksClaimed: ['Count', 2],
      ChunksFinishingEarlierClaim: ['Count', 0],
      ChunksLastReceive: ['Count', 0],
      ChunksFailed: ['Count', 0],
    });
    // One value per chunk, in milliseconds.
    expect(duration).toEqual(['Milliseconds', [expect.any(Number), expect.any(Number)]]);
    expect(failures.map((f) => f.dimensions)).toEqual([
      [['service', 'function_name', 'errorCode']],
      [['service', 'function_name', 'errorCode']],
    ]);
    expect(
      emf
        .slice(1)
        .map((e) => [e['errorCode'], e['UrlsFailed']])
        .sort(),
    ).toEqual([
      ['HTTP_STATUS', 2],
      ['TIMEOUT_TOTAL', 1],
    ]);
    // No job id, URL or host anywhere in the metrics: they belong in the logs.
    expect(JSON.stringify(emf)).not.toMatch(/127\.0\.0\.1|"job"/);
  });

  it('counts a redelivery that finishes an earlier claim, a last receive and a failed record, without re-counting URLs', async () => {
    const { handler } = await consumer(new SizedEngine((u) => codes[u.line]), { job: { chunks: 2, urls: 5 } });
    await emfOf(() => handler(sqsEvent([chunkBody('job', 0, [1, 2, 3])]), lambdaContext()));
    const again = withReceiveCount(sqsEvent([chunkBody('job', 0, [1, 2, 3]), 'not json']), '3');
    const emf = await emfOf(() => handler(again, lambdaContext()));
    expect(emf).toHaveLength(1);
    expect(metricsOf(emf[0] as Emf).metrics).toMatchObject({
      UrlsFetched: ['Count', 0],
      UrlsFailed: ['Count', 0],
      ResponseBytes: ['Bytes', 0],
      ChunksClaimed: ['Count', 0],
      ChunksFinishingEarlierClaim: ['Count', 1],
      ChunksLastReceive: ['Count', 2],
      ChunksFailed: ['Count', 1],
    });
  });

  it('still prints the metrics of an invocation that fails as a whole, and none for an empty warm-up batch', async () => {
    const { handler } = await consumer(new SizedEngine(), { job: { chunks: 1, urls: 1 } }, true);
    expect(await emfOf(() => handler(sqsEvent([]), lambdaContext()))).toEqual([]);
    const kill = withReceiveCount(sqsEvent([chunkBody('job', 0, [1])]), '1', JSON.stringify({ kill: 'after-results-write' }));
    const emf = await emfOf(() => handler(kill, lambdaContext()));
    expect(emf).toHaveLength(1);
    expect(metricsOf(emf[0] as Emf).metrics).toMatchObject({ ChunksFailed: ['Count', 1], UrlsFetched: ['Count', 0] });
  });
});

describe('consumer handler logs', () => {
  it('gives every line of a chunk its own jobId and chunkId while the chunks of a batch run at once', async () => {
    // Both fetches wait until both have started, so each chunk logs after the other set its keys.
    let started = 0;
    let release = (): void => {};
    const bothStarted = new Promise<void>((resolve) => {
      release = resolve;
    });
    const engine = new FakeEngine();
    const run = engine.run.bind(engine);
    engine.run = async (urls, options) => {
      started += 1;
      if (started === 2) release();
      await bothStarted;
      return run(urls, options);
    };
    const { handler, logs } = await consumer(engine, { 'job-a': { chunks: 1, urls: 1 }, 'job-b': { chunks: 1, urls: 1 } });
    const event = sqsEvent([chunkBody('job-a', 0, [1]), chunkBody('job-b', 0, [2]), chunkBody('job-x', 7, [3])]);
    await emfOf(() => handler(event, lambdaContext(60_000, 'req-7')));
    const lines = logs.filter((l) => l['message'] === 'chunk consumed' || l['message'] === 'record failed');
    expect(lines.map((l) => [l['message'], l['messageId'], l['jobId'], l['chunkId']]).sort()).toEqual([
      ['chunk consumed', 'msg-0', 'job-a', 'c-000000'],
      ['chunk consumed', 'msg-1', 'job-b', 'c-000000'],
      // job-x does not exist: its failure is logged with its own keys too.
      ['record failed', 'msg-2', 'job-x', 'c-000007'],
    ]);
    for (const line of lines) expect(line).toMatchObject({ function_request_id: 'req-7', service: 'fanout' });
    expect(lines.find((l) => l['jobId'] === 'job-a')).toMatchObject({ claimed: true, succeeded: 1, failed: 0 });
  });
});
