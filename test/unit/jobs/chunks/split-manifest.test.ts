import { chunkMessageId, type ChunkMessage, type RangeMessage, type SplitMessage } from '../../../../src/jobs/chunks/messages';
import { handleSplitMessage, type SplitDeps } from '../../../../src/jobs/chunks/split-manifest';
import { consumeChunk, type ConsumeDeps } from '../../../../src/jobs/chunks/consume-chunk';
import { resolveEngineConfig } from '../../../../src/config/engine-config';
import { failingOnce, SPLITTER_STORE_CALLS, type FaultPlan } from '../../../../src/jobs/chunks/faults';
import { announceEnd } from '../../../../src/jobs/lifecycle/announce';
import { FakeEngine, memoryJobDeps } from '../fakes';

const NOW = Date.UTC(2026, 10, 24);
const FIRST = { lastReceive: false };
const LAST = { lastReceive: true };

type Setup = Awaited<ReturnType<typeof setup>>;

async function setup(text: string, rangeBytes: number) {
  const d = { ...memoryJobDeps({ urls: 3, bytes: 60_000 }, NOW), rangeBytes } satisfies SplitDeps;
  d.manifests.put('b', 'urls.txt', text);
  await d.ledger.createJob({ jobId: 'm', options: { retries: 0 }, source: 's3://b/urls.txt', now: NOW });
  return d;
}

/** Plans, then handles every range message (twice, as SQS may deliver them twice). */
async function split(d: Awaited<ReturnType<typeof setup>>): Promise<ChunkMessage[]> {
  await handleSplitMessage(d, { kind: 'plan', jobId: 'm', bucket: 'b', key: 'urls.txt', options: { retries: 0 } }, FIRST);
  const ranges = d.splitQueue.bodies<RangeMessage>();
  for (const range of [...ranges, ...ranges]) await handleSplitMessage(d, range, FIRST);
  return d.chunkQueue.bodies<ChunkMessage>();
}

/** Delivers each chunk once to a consumer whose every fetch succeeds. */
async function consumeAll(d: Setup, chunks: readonly ChunkMessage[], now: () => number): Promise<void> {
  const consume: ConsumeDeps = { ...d, engine: new FakeEngine(), configFor: () => resolveEngineConfig({}), now };
  for (const [i, chunk] of chunks.entries()) await consumeChunk(consume, chunk, { id: `d${i}`, lastReceive: false }, NOW + 60_000);
}

describe('manifest splitting', () => {
  const lines = Array.from({ length: 40 }, (_, i) => (i % 7 === 3 ? '' : `http://127.0.0.1/${i + 1}`));
  const text = `${lines.join('\n')}\n`;

  it('queues every manifest line once per chunk id, numbered as in the manifest', async () => {
    const d = await setup(text, 64);
    const chunks = await split(d);
    expect(d.splitQueue.sent.length).toBeGreaterThan(5);
    const byId = new Map(chunks.map((c) => [chunkMessageId(c), c]));
    const all = [...byId.values()].flatMap((c) => c.urls);
    const want = lines.map((url, i) => ({ url, line: i + 1 })).filter((u) => u.url !== '');
    expect(all.sort((a, b) => a.line - b.line)).toEqual(want);
    expect([...byId.values()].every((c) => c.urls.length <= 3 && c.options['retries'] === 0)).toBe(true);
    // A host may appear in several ranges: a range's chunks cannot say which hosts are theirs alone.
    expect(chunks.some((c) => 'sharedHosts' in c)).toBe(false);
  });

  it('lets the chunks of a one-range manifest say which hosts they share, like an inline job’s', async () => {
    const mixed = `${Array.from({ length: 9 }, (_, i) => `http://h${i % 3}.test/${i}`).join('\n')}\n`;
    const d = await setup(mixed, 1 << 20);
    const chunks = await split(d);
    expect(
      d.splitQueue
        .bodies<RangeMessage>()
        .filter((m) => m.kind === 'range')
        .every((m) => m.whole === true),
    ).toBe(true);
    expect(chunks.every((c) => Array.isArray(c.sharedHosts))).toBe(true);
    // Host by host, 3 URLs a chunk: each host fills one chunk and shares none.
    expect(chunks.flatMap((c) => c.sharedHosts)).toEqual([]);
  });

  it('registers each range once, so the totals match the manifest however often ranges arrive', async () => {
    const d = await setup(text, 64);
    const chunks = await split(d);
    const distinct = new Set(chunks.map((c) => chunkMessageId(c))).size;
    expect(await d.ledger.getJob('m')).toMatchObject({ state: 'queued', total: 34, chunks: { total: distinct, done: 0 } });
  });

  it.each(SPLITTER_STORE_CALLS)('splits every line once when %s acts, then fails as a lost response would', async (call) => {
    const d = await setup(text, 64);
    const plan: FaultPlan = { failAfterCall: call };
    const faulty = (): SplitDeps => ({
      ...d,
      ledger: failingOnce(d.ledger, 'ledger', plan),
      manifests: failingOnce(d.manifests, 'manifests', plan),
      chunkQueue: failingOnce(d.chunkQueue, 'chunkQueue', plan),
      splitQueue: failingOnce(d.splitQueue, 'splitQueue', plan),
    });
    let failures = 0;
    // SQS: each message's first delivery suffers the fault; one that fails is delivered again.
    const deliver = async (msg: SplitMessage): Promise<void> => {
      await handleSplitMessage(faulty(), msg, FIRST).catch(async () => {
        failures += 1;
        await handleSplitMessage(d, msg, FIRST);
      });
    };
    await deliver({ kind: 'plan', jobId: 'm', bucket: 'b', key: 'urls.txt', options: { retries: 0 } });
    for (const range of d.splitQueue.bodies<RangeMessage>()) await deliver(range);
    expect(failures).toBeGreaterThan(0);
    const chunks = d.chunkQueue.bodies<ChunkMessage>();
    const distinct = new Map(chunks.map((c) => [chunkMessageId(c), c]));
    const lineNumbers = [...distinct.values()].flatMap((c) => c.urls.map((u) => u.line)).sort((a, b) => a - b);
    expect(lineNumbers).toEqual(lines.flatMap((url, i) => (url === '' ? [] : [i + 1])));
    expect(await d.ledger.getJob('m')).toMatchObject({ state: 'queued', total: 34, chunks: { total: distinct.size, done: 0 } });
  });

  it('finishes an empty manifest at once', async () => {
    const d = await setup('', 64);
    await split(d);
    expect(await d.ledger.getJob('m')).toMatchObject({ state: 'done', total: 0 });
  });

  it('leaves a transient failure to SQS: the message comes back and the job goes on', async () => {
    const d = await setup(text, 64);
    await handleSplitMessage(d, { kind: 'plan', jobId: 'm', bucket: 'b', key: 'urls.txt', options: {} }, FIRST);
    const [first] = d.splitQueue.bodies<RangeMessage>();
    d.chunkQueue.failNext = new Error('1 of 2 messages not sent');
    await expect(handleSplitMessage(d, first as RangeMessage, FIRST)).rejects.toThrow('not sent');
    expect((await d.ledger.getJob('m'))?.state).toBe('queued');
    await handleSplitMessage(d, first as RangeMessage, FIRST);
    expect(d.chunkQueue.sent.length).toBeGreaterThan(0);
  });

  it('fails the job with the reason when a transient failure persists to the last receive', async () => {
    const d = await setup(text, 64);
    await handleSplitMessage(d, { kind: 'plan', jobId: 'm', bucket: 'b', key: 'urls.txt', options: {} }, FIRST);
    const [first] = d.splitQueue.bodies<RangeMessage>();
    d.chunkQueue.failNext = new Error('1 of 2 messages not sent');
    await handleSplitMessage(d, first as RangeMessage, LAST);
    expect(await d.ledger.getJob('m')).toMatchObject({
      state: 'failed',
      reason: 'Failed splitting manifest range 0 on the last delivery SQS allows: 1 of 2 messages not sent',
    });
  });

  it.each([
    ['a cancel', 'cancelled', (d: Setup) => d.ledger.requestCancel('m', NOW)],
    ['a failure-rate stop', 'failed', (d: Setup) => d.ledger.requestStop('m', 'too many failures', NOW)],
  ])('ends a job stopped by %s when a range then fails to split (%s), and announces it', async (_what, end, stop) => {
    const d = await setup(text, 64);
    await handleSplitMessage(d, { kind: 'plan', jobId: 'm', bucket: 'b', key: 'urls.txt', options: {} }, FIRST);
    const [first] = d.splitQueue.bodies<RangeMessage>();
    await stop(d);
    d.manifests.objects.clear();
    await handleSplitMessage(d, first as RangeMessage, FIRST);
    expect((await d.ledger.getJob('m'))?.state).toBe(end);
    expect((await d.store.get('m', 'JOB'))?.['state']).toBe(end);
    expect(d.events.published.map((e) => e.id)).toEqual([`m:${end}`]);
  });

  it('keeps the number of splits when a cancel lands while the plan is written, so the job still ends', async () => {
    const d = await setup(text, 64);
    d.store.beforeNext(/^setWhen JOB/, () => d.ledger.requestCancel('m', NOW));
    const chunks = await split(d);
    expect((await d.ledger.getJob('m'))?.state).toBe('cancelling');
    await consumeAll(d, chunks, d.now);
    expect((await d.ledger.getJob('m'))?.state).toBe('cancelled');
    expect(d.events.published.map((e) => e.id)).toEqual(['m:cancelled']);
  });

  it('announces a failed job the same way, byte for byte, however its counts move after the end', async () => {
    const d = await setup(text, 64);
    await handleSplitMessage(d, { kind: 'plan', jobId: 'm', bucket: 'b', key: 'urls.txt', options: {} }, FIRST);
    const [first, second] = d.splitQueue.bodies<RangeMessage>();
    await handleSplitMessage(d, first as RangeMessage, FIRST);
    d.manifests.objects.clear();
    // The job fails on the second range; its announcement is not marked, so it is owed again.
    const unmarked = { ...d, ledger: failingOnce(d.ledger, 'ledger', { failCall: 'ledger.markAnnounced' }) };
    await expect(handleSplitMessage(unmarked, second as RangeMessage, FIRST)).rejects.toThrow('markAnnounced');
    // The first range's chunks are still counted after the end (as CANCELLED records).
    await consumeAll(d, d.chunkQueue.bodies<ChunkMessage>(), () => NOW + 5000);
    expect((await d.ledger.getJob('m'))?.failed).toBeGreaterThan(0);
    await announceEnd({ ...d, now: () => NOW + 9000 }, 'm');
    expect(d.events.published).toHaveLength(2);
    expect(d.events.published.map((e) => JSON.stringify(e))).toEqual(d.events.published.map(() => JSON.stringify(d.events.published[0])));
    expect(d.events.published[0]).toMatchObject({ id: 'm:failed', endedAt: new Date(NOW).toISOString() });
  });

  it('fails the job when the manifest changes between the plan and a range, and reads nothing of the new version', async () => {
    const d = await setup(text, 64);
    await handleSplitMessage(d, { kind: 'plan', jobId: 'm', bucket: 'b', key: 'urls.txt', options: {} }, FIRST);
    const [first] = d.splitQueue.bodies<RangeMessage>();
    d.manifests.put('b', 'urls.txt', 'http://127.0.0.1/changed\n'.repeat(40));
    await handleSplitMessage(d, first as RangeMessage, FIRST);
    expect(d.chunkQueue.sent).toHaveLength(0);
    expect(await d.ledger.getJob('m')).toMatchObject({
      state: 'failed',
      reason: 'Failed splitting manifest range 0: Manifest s3://b/urls.txt changed while it was being split',
    });
  });
});
