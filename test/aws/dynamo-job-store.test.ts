import { DynamoJobStore, SHARDS, shardOf } from '../../src/aws/dynamo-job-store';
import { createJobTable } from '../../src/local/local-resources';
import { deleteJobTable, destroyClients, emulatorClients, uniqueName } from './helpers';

describe('DynamoJobStore', () => {
  const clients = emulatorClients();
  const table = uniqueName('jobs');
  const store = new DynamoJobStore(clients.dynamodb, table);
  const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

  beforeAll(async () => {
    await createJobTable(clients.dynamodb, table);
  });

  afterAll(async () => {
    await deleteJobTable(clients, table);
    destroyClients(clients);
  });

  it('creates a job once and reports it queued with zero counters', async () => {
    expect(await store.createJob({ jobId: 'j1', options: {}, source: 'urls', splitsTotal: 1, now: T0 })).toBe(true);
    expect(await store.createJob({ jobId: 'j1', options: {}, source: 'urls', splitsTotal: 1, now: T0 + 5 })).toBe(false);
    expect(await store.getJob('j1')).toEqual({
      jobId: 'j1',
      state: 'queued',
      total: 0,
      succeeded: 0,
      failed: 0,
      chunks: { total: 0, done: 0 },
      createdAt: new Date(T0).toISOString(),
      updatedAt: new Date(T0).toISOString(),
    });
  });

  it('returns undefined for an unknown job', async () => {
    expect(await store.getJob('nope')).toBeUndefined();
  });

  it('counts a chunk exactly once under repeated and concurrent delivery', async () => {
    await store.createJob({ jobId: 'j2', options: {}, source: 'urls', splitsTotal: 1, now: T0 });
    expect(await store.register('j2', 'split#0', { chunks: 2, urls: 7, split: true }, T0)).toBe(true);
    expect(await store.register('j2', 'split#0', { chunks: 2, urls: 7, split: true }, T0)).toBe(false);
    const counts = { succeeded: 3, failed: 1 };
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => store.countChunk('j2', 'c-000000', counts, T0 + 10)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await store.countChunk('j2', 'c-000000', counts, T0 + 20)).toBe(false);
    expect(await store.isChunkCounted('j2', 'c-000000')).toBe(true);
    expect(await store.isChunkCounted('j2', 'c-000001')).toBe(false);
    const status = await store.getJob('j2');
    expect(status).toMatchObject({ state: 'running', total: 7, succeeded: 3, failed: 1, chunks: { total: 2, done: 1 } });
  });

  it('turns done when the last chunk is counted, and not before', async () => {
    await store.createJob({ jobId: 'j3', options: {}, source: 'urls', splitsTotal: 1, now: T0 });
    await store.register('j3', 'split#0', { chunks: 2, urls: 4, split: true }, T0);
    await store.countChunk('j3', 'c-000000', { succeeded: 2, failed: 0 }, T0 + 1);
    // A re-queued leftover chunk is registered before it is sent: the job must wait for it.
    await store.register('j3', 'chunk#c-000000.ab', { chunks: 1, urls: 0, split: false }, T0 + 2);
    await store.countChunk('j3', 'c-000001', { succeeded: 1, failed: 0 }, T0 + 3);
    expect((await store.getJob('j3'))?.state).toBe('running');
    await store.countChunk('j3', 'c-000000.ab', { succeeded: 0, failed: 1 }, T0 + 4);
    expect(await store.getJob('j3')).toMatchObject({
      state: 'done',
      total: 4,
      succeeded: 3,
      failed: 1,
      chunks: { total: 3, done: 3 },
      updatedAt: new Date(T0 + 4).toISOString(),
    });
  });

  it('waits for every split of a manifest job before turning done', async () => {
    await store.createJob({ jobId: 'j4', options: {}, source: 's3://b/k', now: T0 });
    await store.register('j4', 'split#0', { chunks: 1, urls: 1, split: true }, T0);
    await store.countChunk('j4', 'r00000-000000', { succeeded: 1, failed: 0 }, T0);
    expect((await store.getJob('j4'))?.state).toBe('running');
    await store.setSplitsTotal('j4', 2, T0);
    expect((await store.getJob('j4'))?.state).toBe('running');
    // An empty range registers no chunks; registering it is what completes the job.
    await store.register('j4', 'split#1', { chunks: 0, urls: 0, split: true }, T0);
    expect((await store.getJob('j4'))?.state).toBe('done');
  });

  it('marks a queued job failed with its reason, but never a done one', async () => {
    await store.createJob({ jobId: 'j5', options: {}, source: 'urls', splitsTotal: 1, now: T0 });
    await store.markFailed('j5', 'Queuing failed: boom', T0 + 1);
    expect(await store.getJob('j5')).toMatchObject({ state: 'failed', reason: 'Queuing failed: boom' });
    await store.createJob({ jobId: 'j6', options: {}, source: 'urls', splitsTotal: 0, now: T0 });
    await store.setSplitsTotal('j6', 0, T0);
    await store.markFailed('j6', 'late', T0 + 1);
    expect((await store.getJob('j6'))?.state).toBe('done');
  });

  it('spreads ids over every shard', () => {
    const shards = new Set(Array.from({ length: 2000 }, (_, i) => shardOf(`c-${i}`)));
    expect(shards.size).toBe(SHARDS);
  });
});
