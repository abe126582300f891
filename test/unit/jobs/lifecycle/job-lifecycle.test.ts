import { FETCH_ERROR_CODES } from '../../../../src/errors';
import { ConflictError, IdempotencyMismatchError, NotFoundError } from '../../../../src/jobs/errors';
import { consumeChunk, type ConsumeDeps } from '../../../../src/jobs/chunks/consume-chunk';
import { cancelJob, redriveCodes, redriveJob } from '../../../../src/jobs/lifecycle/job-lifecycle';
import { parseChunkMessage } from '../../../../src/jobs/chunks/messages';
import { readResults } from '../../../../src/jobs/lifecycle/read-results';
import { submitUrls } from '../../../../src/jobs/lifecycle/submit-job';
import { resolveEngineConfig } from '../../../../src/config/engine-config';
import { ValidationError } from '../../../../src/errors';
import { FakeEngine, MemoryResults, memoryJobDeps } from '../fakes';

const NOW = Date.UTC(2026, 10, 30);

/** A job of `n` URLs (2 per chunk) and a way to deliver its queued chunks; URLs with a line divisible by 3 fail. */
async function setup(n: number) {
  const d = memoryJobDeps({ urls: 2, bytes: 60_000 }, NOW);
  const results = new MemoryResults();
  const engine = new FakeEngine((u) => (u.line % 3 === 0 ? FETCH_ERROR_CODES.HTTP_STATUS : undefined));
  const consume: ConsumeDeps = {
    engine,
    configFor: () => resolveEngineConfig({}),
    results,
    ledger: d.ledger,
    chunkQueue: d.chunkQueue,
    events: d.events,
    now: d.now,
  };
  await submitUrls(d, { jobId: 'j', urls: Array.from({ length: n }, (_, i) => `http://127.0.0.1/${i + 1}`), options: { retries: 1 } });
  let delivered = 0;
  const deliverNext = async (count = Number.POSITIVE_INFINITY): Promise<void> => {
    for (let i = 0; i < count && delivered < d.chunkQueue.sent.length; i += 1, delivered += 1) {
      const msg = parseChunkMessage((d.chunkQueue.sent[delivered] as { body: string }).body);
      await consumeChunk(consume, msg, { id: `d${delivered}`, lastReceive: false }, NOW + 60_000);
    }
  };
  const records = async (jobId: string) =>
    (await readResults(d.ledger, results, jobId, undefined, { items: 1000, bytes: 1 << 20 }))?.items ?? [];
  return { d, results, engine, deliverNext, records };
}

describe('cancelJob', () => {
  it('stops fetching: chunks not yet fetched get CANCELLED records, and the job ends cancelled, announced once', async () => {
    const { d, engine, deliverNext, records } = await setup(6);
    await deliverNext(1);
    expect(await cancelJob(d, 'j')).toMatchObject({ state: 'cancelling' });
    await deliverNext();
    expect(engine.runs).toHaveLength(1);
    const items = await records('j');
    expect(items.map((r) => [r.line, r.error?.code ?? 'ok'])).toEqual([
      [1, 'ok'],
      [2, 'ok'],
      [3, 'CANCELLED'],
      [4, 'CANCELLED'],
      [5, 'CANCELLED'],
      [6, 'CANCELLED'],
    ]);
    expect(await d.ledger.getJob('j')).toMatchObject({ state: 'cancelled', total: 6, succeeded: 2, failed: 4 });
    expect(d.events.published.map((e) => e.id)).toEqual(['j:cancelled']);
  });

  it('refuses to cancel a job that has ended (409), or one that does not exist (404)', async () => {
    const { d, deliverNext } = await setup(2);
    await deliverNext();
    await expect(cancelJob(d, 'j')).rejects.toBeInstanceOf(ConflictError);
    await expect(cancelJob(d, 'nope')).rejects.toBeInstanceOf(NotFoundError);
    expect(d.events.published.map((e) => e.id)).toEqual(['j:done']);
  });
});

describe('redriveJob', () => {
  it('makes one child for repeats with the same request fingerprint, and refuses another request under the same id', async () => {
    const { d, results, deliverNext } = await setup(7);
    await deliverNext();
    const first = await redriveJob({ ...d, results }, 'j', 'k-same', undefined, 'hash-1');
    const sent = d.chunkQueue.sent.length;
    const again = await redriveJob({ ...d, results }, 'j', 'k-same', undefined, 'hash-1');
    expect(again).toMatchObject({ jobId: 'k-same', total: first.total, created: false });
    await expect(redriveJob({ ...d, results }, 'j', 'k-same', ['HTTP_STATUS'], 'hash-2')).rejects.toBeInstanceOf(IdempotencyMismatchError);
    // Only the repeat of the same request may send (again) what a half-done first try left.
    expect(d.chunkQueue.sent.length).toBeLessThanOrEqual(2 * sent);
    expect(await d.ledger.getJob('j')).toMatchObject({ redrives: ['k-same'] });
  });

  it('re-runs the failed URLs of an ended job with their line numbers, linked both ways', async () => {
    const { d, results, deliverNext, records } = await setup(7);
    await deliverNext();
    const outcome = await redriveJob({ ...d, results }, 'j', 'r', undefined);
    expect(outcome).toMatchObject({ jobId: 'r', total: 2 });
    await deliverNext();
    expect((await records('r')).map((r) => r.line)).toEqual([3, 6]);
    expect(await d.ledger.getJob('r')).toMatchObject({ parent: 'j', total: 2, state: 'done' });
    expect(await d.ledger.getJob('j')).toMatchObject({ redrives: ['r'] });
    expect(d.chunkQueue.bodies<{ options: unknown }>().at(-1)?.options).toEqual({ retries: 1 });
  });

  it('keeps only the given codes, and says so when nothing matches', async () => {
    const { d, results, deliverNext } = await setup(4);
    await deliverNext();
    await expect(redriveJob({ ...d, results }, 'j', 'r', ['TIMEOUT_TOTAL'])).rejects.toBeInstanceOf(ValidationError);
    expect(await redriveJob({ ...d, results }, 'j', 'r2', ['HTTP_STATUS'])).toMatchObject({ total: 1 });
  });

  it('refuses a running job (409) and unknown codes (400 naming the index)', async () => {
    const { d, results } = await setup(4);
    await expect(redriveJob({ ...d, results }, 'j', 'r', undefined)).rejects.toBeInstanceOf(ConflictError);
    expect(() => redriveCodes(['HTTP_STATUS', 'NOPE'])).toThrow(ValidationError);
    try {
      redriveCodes('HTTP_STATUS,NOPE');
    } catch (error) {
      expect((error as ValidationError).details[0]?.field).toBe('codes[1]');
    }
  });
});

describe('maxFailureRate', () => {
  it('stops a job whose failures pass the rate after 1,000 results: the rest get records, and it ends failed with the reason', async () => {
    const d = memoryJobDeps({ urls: 100, bytes: 60_000 }, NOW);
    const results = new MemoryResults();
    const engine = new FakeEngine((u) => (u.line % 10 < 7 ? FETCH_ERROR_CODES.HTTP_STATUS : undefined));
    const consume: ConsumeDeps = {
      engine,
      configFor: () => resolveEngineConfig({}),
      results,
      ledger: d.ledger,
      chunkQueue: d.chunkQueue,
      events: d.events,
      now: d.now,
    };
    await submitUrls(d, {
      jobId: 'j',
      urls: Array.from({ length: 1500 }, (_, i) => `http://127.0.0.1/${i + 1}`),
      options: { maxFailureRate: 0.5 },
    });
    for (const [i, message] of d.chunkQueue.sent.entries()) {
      await consumeChunk(consume, parseChunkMessage(message.body), { id: `d${i}`, lastReceive: false }, NOW + 60_000);
    }
    // 10 chunks fetched (1,000 results, 70% failed), then the job stopped: 5 chunks recorded unfetched.
    expect(engine.runs).toHaveLength(10);
    const items = [];
    let cursor: string | undefined;
    do {
      const page = await readResults(d.ledger, results, 'j', cursor, { items: 1000, bytes: 1 << 24 });
      items.push(...(page?.items ?? []));
      cursor = page?.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(items.map((r) => r.line)).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1));
    expect(items.filter((r) => r.error?.code === 'CANCELLED')).toHaveLength(500);
    const status = await d.ledger.getJob('j');
    expect(status).toMatchObject({
      state: 'failed',
      total: 1500,
      succeeded: 300,
      failed: 1200,
      reason: expect.stringContaining('above maxFailureRate 0.5'),
    });
    expect(d.events.published.map((e) => e.id)).toEqual(['j:failed']);
  });

  it('never stops a job below 1,000 results, however many fail', async () => {
    const d = memoryJobDeps({ urls: 100, bytes: 60_000 }, NOW);
    const engine = new FakeEngine(() => FETCH_ERROR_CODES.HTTP_STATUS);
    const consume: ConsumeDeps = {
      engine,
      configFor: () => resolveEngineConfig({}),
      results: new MemoryResults(),
      ledger: d.ledger,
      chunkQueue: d.chunkQueue,
      events: d.events,
      now: d.now,
    };
    await submitUrls(d, {
      jobId: 'j',
      urls: Array.from({ length: 999 }, (_, i) => `http://127.0.0.1/${i + 1}`),
      options: { maxFailureRate: 0 },
    });
    for (const [i, message] of d.chunkQueue.sent.entries()) {
      await consumeChunk(consume, parseChunkMessage(message.body), { id: `d${i}`, lastReceive: false }, NOW + 60_000);
    }
    expect(await d.ledger.getJob('j')).toMatchObject({ state: 'done', failed: 999 });
  });
});
