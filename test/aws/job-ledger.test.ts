import type { AwsClients } from '../../src/aws/clients';
import { DynamoLedgerStore } from '../../src/aws/dynamo-ledger-store';
import { CHUNKS_PER_BUCKET, type ChunkRef } from '../../src/jobs/ledger/chunk-ref';
import { JobLedger, type ChunkClaim } from '../../src/jobs/ledger/job-ledger';
import type { LedgerStore } from '../../src/jobs/ledger/ledger-store';
import { MemoryLedgerStore } from '../unit/jobs/ledger/memory-ledger-store';
import { destroyClients, emulatorClients, suiteJobTable, uniqueName } from './helpers';
import { LostResponses, onSortKey } from './lost-responses';

/**
 * The job ledger's contract, run over both stores: the DynamoDB one on the emulator and
 * the in-memory fake the unit tests use. The rules are the ledger's (src/jobs); this
 * suite keeps the two stores' primitives equivalent under those rules.
 */
const { table } = suiteJobTable('ledger');

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
const root = (index: number, generation = 0): ChunkRef => ({ group: 'c', index, generation });
const claimOf = (deliveryId: string, succeeded: number, failed = 0): ChunkClaim => ({
  deliveryId,
  objectKey: `results/j/c/${deliveryId}.jsonl`,
  succeeded,
  failed,
  leftovers: '',
  claimedAt: T0,
});

/**
 * A store, and a way to make its next write to an item (by kind and key) commit and lose
 * its response, so that the write is sent again as the AWS SDK's retry does; `lost` says
 * how often that happened.
 */
interface StoreUnderTest {
  readonly store: LedgerStore;
  readonly loseNext: (write: 'create' | 'setWhen' | 'advanceOnce', key: string) => void;
  readonly lost: () => number;
}

function memoryStore(): StoreUnderTest {
  const store = new MemoryLedgerStore();
  return {
    store,
    loseNext: (write, key) => {
      store.lostResponse = new RegExp(`^${write} ${key.replace(/[#~]/g, '\\$&')}(?: |$)`);
    },
    lost: () => store.calls.filter((c) => c.endsWith('(retried)')).length,
  };
}

/** The DynamoDB store over a client of its own, whose responses can be lost after the write commits (the SDK retries). */
function dynamoStore(): StoreUnderTest {
  const clients = emulatorClients();
  clientsToClose.push(clients);
  const client = clients.dynamodb;
  const lost = new LostResponses(client);
  return {
    store: new DynamoLedgerStore(client, table),
    loseNext: (write, key) => lost.next(write === 'create' ? 'PutItemCommand' : 'UpdateItemCommand', onSortKey(key)),
    lost: () => lost.fired.length,
  };
}

const clientsToClose: AwsClients[] = [];
afterAll(() => {
  for (const clients of clientsToClose) destroyClients(clients);
});

describe.each([
  ['the in-memory fake', memoryStore],
  ['DynamoDB (dynalite)', dynamoStore],
])('JobLedger over %s', (_name, makeStoreUnderTest) => {
  let ledger: JobLedger;
  let jobId: string;
  let under: StoreUnderTest;
  const makeStore = (): LedgerStore => makeStoreUnderTest().store;

  beforeEach(async () => {
    under = makeStoreUnderTest();
    ledger = new JobLedger(under.store);
    jobId = uniqueName('job');
  });

  describe('a write that committed, lost its response and was sent again by the SDK', () => {
    it("is still the delivery's own claim, while another delivery's claim is not", async () => {
      await inlineJob(1, 3);
      under.loseNext('create', 'CHUNK#c-000000');
      expect(await ledger.claim(jobId, 'c-000000', claimOf('d1', 3))).toEqual({ won: true, claim: claimOf('d1', 3) });
      expect(under.lost()).toBe(1);
      expect(await ledger.claim(jobId, 'c-000000', claimOf('d2', 1))).toEqual({ won: false, claim: claimOf('d1', 3) });
    });

    it('still created the job', async () => {
      under.loseNext('create', 'JOB');
      expect(await ledger.createJob({ jobId, options: {}, source: 'urls', splitsTotal: 1, now: T0 })).toBe(true);
      expect(under.lost()).toBe(1);
      expect(await ledger.createJob({ jobId, options: {}, source: 'urls', splitsTotal: 1, now: T0 })).toBe(false);
    });

    it('counted the chunk once', async () => {
      await inlineJob(2, 4);
      under.loseNext('advanceOnce', 'BUCKET#c#0000');
      await ledger.countChunk(jobId, root(0), { succeeded: 2, failed: 0 }, T0);
      expect(under.lost()).toBe(1);
      await ledger.countChunk(jobId, root(0), { succeeded: 2, failed: 0 }, T0);
      expect(await ledger.getJob(jobId)).toMatchObject({ state: 'running', succeeded: 2, chunks: { total: 2, done: 1 } });
    });

    it("still moved the job's state", async () => {
      await inlineJob(1, 3);
      under.loseNext('setWhen', 'JOB');
      expect(await ledger.requestStop(jobId, 'too many failures', T0)).toBe(true);
      expect(under.lost()).toBe(1);
      expect(await ledger.requestStop(jobId, 'again', T0)).toBe(false);
      expect(await ledger.getJob(jobId)).toMatchObject({ state: 'failing', reason: 'too many failures' });
    });
  });

  async function inlineJob(chunks: number, urls: number): Promise<void> {
    expect(await ledger.createJob({ jobId, options: {}, source: 'urls', splitsTotal: 1, now: T0 })).toBe(true);
    await ledger.registerGroup(jobId, { group: 'c', chunks, urls }, T0);
  }

  it('creates a job once and reports it queued with zero counters', async () => {
    expect(await ledger.createJob({ jobId, options: {}, source: 'urls', splitsTotal: 1, now: T0 })).toBe(true);
    expect(await ledger.createJob({ jobId, options: {}, source: 'urls', splitsTotal: 1, now: T0 + 5 })).toBe(false);
    expect(await ledger.getJob(jobId)).toEqual({
      jobId,
      state: 'queued',
      total: 0,
      succeeded: 0,
      failed: 0,
      chunks: { total: 0, done: 0 },
      createdAt: new Date(T0).toISOString(),
      updatedAt: new Date(T0).toISOString(),
    });
    expect(await ledger.getJob('nope')).toBeUndefined();
    expect(await ledger.completion('nope')).toBeUndefined();
  });

  it('registers a group once however often the registration is repeated', async () => {
    await inlineJob(3, 7);
    await ledger.registerGroup(jobId, { group: 'c', chunks: 3, urls: 7 }, T0);
    expect(await ledger.getJob(jobId)).toMatchObject({ state: 'queued', total: 7, chunks: { total: 3, done: 0 } });
  });

  it('lets exactly one of several concurrent claims win, and tells every caller the winner', async () => {
    await inlineJob(1, 3);
    const outcomes = await Promise.all(['d1', 'd2', 'd3', 'd4'].map((d, i) => ledger.claim(jobId, 'c-000000', claimOf(d, i))));
    const winners = outcomes.filter((o) => o.won);
    expect(winners).toHaveLength(1);
    for (const o of outcomes) expect(o.claim).toEqual(winners[0]?.claim);
    expect(await ledger.getClaim(jobId, 'c-000000')).toEqual(winners[0]?.claim);
  });

  it('counts a chunk once under repeated and concurrent counts', async () => {
    await inlineJob(2, 7);
    await Promise.all(Array.from({ length: 5 }, () => ledger.countChunk(jobId, root(0), { succeeded: 3, failed: 1 }, T0 + 10)));
    await ledger.countChunk(jobId, root(0), { succeeded: 3, failed: 1 }, T0 + 20);
    expect(await ledger.isCounted(jobId, root(0))).toBe(true);
    expect(await ledger.isCounted(jobId, root(1))).toBe(false);
    expect(await ledger.getJob(jobId)).toMatchObject({
      state: 'running',
      total: 7,
      succeeded: 3,
      failed: 1,
      chunks: { total: 2, done: 1 },
    });
  });

  it('turns done when the last chunk is counted, and not while a registered child is pending', async () => {
    await inlineJob(2, 4);
    await ledger.registerChild(jobId, root(0), T0 + 1);
    await ledger.registerChild(jobId, root(0), T0 + 1);
    await ledger.countChunk(jobId, root(0), { succeeded: 2, failed: 0 }, T0 + 2);
    await ledger.countChunk(jobId, root(1), { succeeded: 1, failed: 0 }, T0 + 3);
    expect(await ledger.getJob(jobId)).toMatchObject({ state: 'running', chunks: { total: 3, done: 2 } });
    expect(await ledger.completion(jobId)).toEqual({ state: 'queued', complete: false });
    await ledger.countChunk(jobId, root(0, 1), { succeeded: 0, failed: 1 }, T0 + 4);
    expect(await ledger.getJob(jobId)).toMatchObject({
      state: 'done',
      total: 4,
      succeeded: 3,
      failed: 1,
      chunks: { total: 3, done: 3 },
      updatedAt: new Date(T0 + 4).toISOString(),
    });
    expect(await ledger.completion(jobId)).toEqual({ state: 'done', complete: true });
  });

  it("keeps a bucket's item the same size however long its lineages grow", async () => {
    await inlineJob(2, 2);
    const sizes = new Map<number, number>();
    for (let generation = 0; generation < 150; generation += 1) {
      for (const index of [0, 1]) {
        await ledger.registerChild(jobId, root(index, generation), T0);
        await ledger.countChunk(jobId, root(index, generation), { succeeded: 0, failed: 0 }, T0);
      }
      sizes.set(generation, JSON.stringify(await under.store.get(jobId, 'BUCKET#c#0000')).length);
    }
    // Only the counters' digits grow (9 → 149): a few bytes, not a member per generation.
    expect((sizes.get(149) ?? 0) - (sizes.get(9) ?? 0)).toBeLessThanOrEqual(8);
    await ledger.countChunk(jobId, root(0, 150), { succeeded: 1, failed: 0 }, T0);
    await ledger.countChunk(jobId, root(1, 150), { succeeded: 1, failed: 0 }, T0);
    expect(await ledger.getJob(jobId)).toMatchObject({ state: 'done', succeeded: 2, chunks: { total: 302, done: 302 } });
  });

  it('refuses to count a chunk before its parent, so it comes back rather than being lost', async () => {
    await inlineJob(1, 1);
    await ledger.registerChild(jobId, root(0), T0);
    await expect(ledger.countChunk(jobId, root(0, 1), { succeeded: 1, failed: 0 }, T0)).rejects.toThrow('before its parent');
    await ledger.countChunk(jobId, root(0), { succeeded: 0, failed: 0 }, T0);
    await ledger.countChunk(jobId, root(0, 1), { succeeded: 1, failed: 0 }, T0);
    expect(await ledger.getJob(jobId)).toMatchObject({ state: 'done', succeeded: 1 });
  });

  it('rolls every bucket of a large group up into the job totals', async () => {
    const chunks = CHUNKS_PER_BUCKET * 2 + 5;
    await inlineJob(chunks, chunks * 2);
    for (let i = 0; i < chunks; i += 1) await ledger.countChunk(jobId, root(i), { succeeded: 2, failed: 0 }, T0 + i);
    expect(await ledger.getJob(jobId)).toMatchObject({
      state: 'done',
      total: chunks * 2,
      succeeded: chunks * 2,
      chunks: { total: chunks, done: chunks },
    });
  });

  it('waits for every split of a manifest job, and closes an empty one at once', async () => {
    await ledger.createJob({ jobId, options: {}, source: 's3://b/k', now: T0 });
    await ledger.setSplitsTotal(jobId, 2, T0);
    await ledger.registerGroup(jobId, { group: 'r00000', chunks: 1, urls: 2 }, T0);
    await ledger.countChunk(jobId, { group: 'r00000', index: 0, generation: 0 }, { succeeded: 2, failed: 0 }, T0);
    expect((await ledger.getJob(jobId))?.state).toBe('running');
    await ledger.registerGroup(jobId, { group: 'r00001', chunks: 0, urls: 0 }, T0);
    expect(await ledger.getJob(jobId)).toMatchObject({ state: 'done', total: 2, succeeded: 2 });
    const empty = uniqueName('empty');
    await ledger.createJob({ jobId: empty, options: {}, source: 's3://b/empty', now: T0 });
    await ledger.setSplitsTotal(empty, 0, T0);
    expect((await ledger.getJob(empty))?.state).toBe('done');
  });

  it('marks a job failed with its reason, but never one that is done', async () => {
    await inlineJob(1, 1);
    await ledger.markFailed(jobId, 'manifest changed', T0 + 1);
    expect(await ledger.getJob(jobId)).toMatchObject({ state: 'failed', reason: 'manifest changed' });
    const done = uniqueName('done');
    await ledger.createJob({ jobId: done, options: {}, source: 'urls', splitsTotal: 1, now: T0 });
    await ledger.registerGroup(done, { group: 'c', chunks: 1, urls: 1 }, T0);
    await ledger.countChunk(done, root(0), { succeeded: 1, failed: 0 }, T0);
    await ledger.markFailed(done, 'too late', T0 + 1);
    expect((await ledger.getJob(done))?.state).toBe('done');
  });

  it('keeps a running tally for the failure rate and stops a queued job once, with the reason', async () => {
    await inlineJob(2, 4);
    expect(await ledger.tallyForFailureRate(jobId, { succeeded: 1, failed: 2 })).toEqual({ succeeded: 1, failed: 2 });
    expect(await ledger.tallyForFailureRate(jobId, { succeeded: 0, failed: 1 })).toEqual({ succeeded: 1, failed: 3 });
    expect(await ledger.requestStop(jobId, 'too many failures', T0)).toBe(true);
    expect(await ledger.requestStop(jobId, 'again', T0)).toBe(false);
    expect(await ledger.getJob(jobId)).toMatchObject({ state: 'failing', reason: 'too many failures' });
    await ledger.countChunk(jobId, root(0), { succeeded: 1, failed: 1 }, T0);
    await ledger.countChunk(jobId, root(1), { succeeded: 0, failed: 2 }, T0);
    expect(await ledger.getJob(jobId)).toMatchObject({ state: 'failed', reason: 'too many failures', succeeded: 1, failed: 3 });
  });

  it('refuses to add anything but numbers, as DynamoDB does', async () => {
    const store = makeStore();
    await expect(store.add(jobId, 'RATE', { succeeded: 'x' as unknown as number })).rejects.toThrow();
    await expect(store.add(jobId, 'RATE', { succeeded: 2 })).resolves.toMatchObject({ succeeded: 2 });
  });

  it('lists claims in chunk-id order, each child right after its parent, from or after a position', async () => {
    await inlineJob(3, 3);
    for (const id of ['c-000002', 'c-000000~1', 'c-000001', 'c-000000']) await ledger.claim(jobId, id, claimOf(`d-${id}`, 1));
    const ids = async (position: { from?: string; after?: string }, limit = 10): Promise<string[]> =>
      (await ledger.listClaims(jobId, position, limit)).map((c) => c.chunkId);
    expect(await ids({})).toEqual(['c-000000', 'c-000000~1', 'c-000001', 'c-000002']);
    expect(await ids({ from: 'c-000000~1' }, 2)).toEqual(['c-000000~1', 'c-000001']);
    expect(await ids({ after: 'c-000000~1' })).toEqual(['c-000001', 'c-000002']);
    expect((await ledger.listClaims(jobId, {}, 1))[0]).toMatchObject({ chunkId: 'c-000000', deliveryId: 'd-c-000000', succeeded: 1 });
  });
});
