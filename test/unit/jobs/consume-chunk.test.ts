import { resolveEngineConfig } from '../../../src/config/engine-config';
import { FETCH_ERROR_CODES } from '../../../src/errors';
import { createJobConfigs } from '../../../src/jobs/job-engines';
import { childChunkId, consumeChunk, MAX_GENERATIONS, type ConsumeDeps } from '../../../src/jobs/consume-chunk';
import type { ChunkMessage } from '../../../src/jobs/messages';
import { FakeEngine, MemoryJobs, MemoryQueue, MemoryResults } from './fakes';

const NOW = Date.UTC(2026, 10, 24);

function chunk(n: number, overrides: Partial<ChunkMessage> = {}): ChunkMessage {
  return {
    kind: 'chunk',
    jobId: 'job',
    chunkId: 'c-000000',
    generation: 0,
    options: {},
    urls: Array.from({ length: n }, (_, i) => ({ url: `http://127.0.0.1/${i + 1}`, line: i + 1 })),
    ...overrides,
  };
}

async function setup(engine: FakeEngine, chunks = 1) {
  const jobs = new MemoryJobs();
  await jobs.createJob({ jobId: 'job', options: {}, source: 'urls', splitsTotal: 1, now: NOW });
  await jobs.register('job', 'split#0', { chunks, urls: 10, split: true }, NOW);
  const deps: ConsumeDeps = {
    engine,
    configFor: createJobConfigs(resolveEngineConfig({ retries: 3 })), results: new MemoryResults(), jobs, chunkQueue: new MemoryQueue(), now: () => NOW };
  return { deps, jobs, results: deps.results as MemoryResults, queue: deps.chunkQueue as MemoryQueue };
}

describe('consumeChunk', () => {
  it('stores every result, counts the chunk once and completes the job', async () => {
    const engine = new FakeEngine((u) => (u.line === 2 ? FETCH_ERROR_CODES.HTTP_STATUS : undefined));
    const { deps, jobs, results } = await setup(engine);
    const outcome = await consumeChunk(deps, chunk(3), NOW + 5000);
    expect(outcome).toEqual({ counted: true, stored: 3, requeued: 0 });
    expect(results.chunks.get('job/c-000000')?.map((r) => [r.line, r.ok])).toEqual([
      [1, true],
      [2, false],
      [3, true],
    ]);
    expect(engine.runs[0]?.deadline).toBe(NOW + 5000);
    expect(engine.runs[0]?.config?.retries).toBe(3);
    expect(await jobs.getJob('job')).toMatchObject({ state: 'done', succeeded: 2, failed: 1, chunks: { total: 1, done: 1 } });
  });

  it('does nothing for a redelivered chunk that was counted already', async () => {
    const engine = new FakeEngine();
    const { deps, jobs, results } = await setup(engine);
    await consumeChunk(deps, chunk(3), NOW + 5000);
    const again = await consumeChunk(deps, chunk(3), NOW + 5000);
    expect(again.counted).toBe(false);
    expect(engine.runs).toHaveLength(1);
    expect(results.puts).toBe(1);
    expect((await jobs.getJob('job'))?.succeeded).toBe(3);
  });

  it('re-queues NOT_ATTEMPTED and DEADLINE URLs as a registered child chunk, not as results', async () => {
    const engine = new FakeEngine((u) =>
      u.line === 3 ? FETCH_ERROR_CODES.DEADLINE : u.line > 3 ? FETCH_ERROR_CODES.NOT_ATTEMPTED : undefined,
    );
    const { deps, jobs, results, queue } = await setup(engine);
    const order: string[] = [];
    queue.onSend = () => order.push(`send (log: ${jobs.log.join(', ')})`);
    const outcome = await consumeChunk(deps, chunk(5, { options: { retries: 0 } }), NOW);
    expect(engine.runs[0]?.config?.retries).toBe(0);
    expect(outcome.requeued).toBe(3);
    expect(results.chunks.get('job/c-000000')?.map((r) => r.line)).toEqual([1, 2]);
    const [child] = queue.bodies<ChunkMessage>();
    expect(child).toEqual({
      kind: 'chunk',
      jobId: 'job',
      chunkId: outcome.childChunkId,
      generation: 1,
      options: { retries: 0 },
      urls: [3, 4, 5].map((line) => ({ url: `http://127.0.0.1/${line}`, line })),
    });
    // Registered (chunks.total + 1) before it was sent; the parent counted after.
    expect(order).toEqual([`send (log: register split#0, register chunk#${outcome.childChunkId})`]);
    expect(jobs.log.at(-1)).toBe('count c-000000');
    expect(await jobs.getJob('job')).toMatchObject({ state: 'running', succeeded: 2, chunks: { total: 2, done: 1 } });
  });

  it('reuses the child id when a rerun leaves the same URLs', () => {
    const left = [{ url: 'http://127.0.0.1/3', line: 3 }];
    expect(childChunkId('c-000001', left)).toBe(childChunkId('c-000001', left));
    expect(childChunkId('c-000001', left)).not.toBe(childChunkId('c-000001', [{ url: 'x', line: 4 }]));
  });

  it('does not count a chunk whose results could not be stored, and counts it once on redelivery', async () => {
    const engine = new FakeEngine();
    const { deps, jobs, results } = await setup(engine);
    results.failNextPut = new Error('S3 down');
    await expect(consumeChunk(deps, chunk(2), NOW)).rejects.toThrow('S3 down');
    expect(await jobs.isChunkCounted('job', 'c-000000')).toBe(false);
    await consumeChunk(deps, chunk(2), NOW);
    expect(await jobs.getJob('job')).toMatchObject({ state: 'done', succeeded: 2, chunks: { done: 1 } });
  });

  it('does not count a chunk whose leftovers could not be queued', async () => {
    const engine = new FakeEngine(() => FETCH_ERROR_CODES.NOT_ATTEMPTED);
    const { deps, jobs, queue } = await setup(engine);
    queue.failNext = new Error('SQS down');
    await expect(consumeChunk(deps, chunk(2), NOW)).rejects.toThrow('SQS down');
    expect(await jobs.isChunkCounted('job', 'c-000000')).toBe(false);
  });

  it('stores bodies under their sha256 when the job asks for them', async () => {
    const engine = new FakeEngine();
    const { deps, results } = await setup(engine);
    await consumeChunk(deps, chunk(2, { options: { storeBodies: true } }), NOW);
    expect([...results.bodies.keys()].sort()).toEqual(['sha-1', 'sha-2']);
    expect(results.bodies.get('sha-1')?.toString()).toBe('body 1');
  });

  it('stores no bodies otherwise', async () => {
    const { deps, results } = await setup(new FakeEngine());
    await consumeChunk(deps, chunk(2), NOW);
    expect(results.bodies.size).toBe(0);
  });

  it('stores leftovers as final results in the last generation instead of looping', async () => {
    const engine = new FakeEngine(() => FETCH_ERROR_CODES.DEADLINE);
    const { deps, jobs, results, queue } = await setup(engine);
    await consumeChunk(deps, chunk(2, { generation: MAX_GENERATIONS - 1 }), NOW);
    expect(queue.sent).toHaveLength(0);
    expect(results.chunks.get('job/c-000000')?.map((r) => r.error?.code)).toEqual(['DEADLINE', 'DEADLINE']);
    expect((await jobs.getJob('job'))?.state).toBe('done');
  });
});
