import { BadCursorError } from '../../../../src/jobs/errors';
import { JobLedger } from '../../../../src/jobs/ledger/job-ledger';
import { readResults, type ResultPage } from '../../../../src/jobs/lifecycle/read-results';
import { fakeResult, MemoryResults } from '../fakes';
import { MemoryLedgerStore } from '../ledger/memory-ledger-store';

const NOW = Date.UTC(2026, 10, 30);

/** A job of three claimed chunks (lines 1-4, 5-6 and the child of the first, 7) plus an unclaimed object. */
async function job() {
  const ledger = new JobLedger(new MemoryLedgerStore());
  const results = new MemoryResults();
  await ledger.createJob({ jobId: 'j', options: {}, source: 'urls', splitsTotal: 1, now: NOW });
  const claim = async (chunkId: string, lines: number[]): Promise<void> => {
    const objectKey = await results.putDeliveryResults(
      'j',
      chunkId,
      `d-${chunkId}`,
      lines.map((line) => fakeResult({ url: `http://127.0.0.1/${line}`, line })),
    );
    await ledger.claim('j', chunkId, {
      deliveryId: `d-${chunkId}`,
      objectKey,
      succeeded: lines.length,
      failed: 0,
      leftovers: '',
      claimedAt: NOW,
    });
  };
  await claim('c-000001', [5, 6]);
  await claim('c-000000', [1, 2, 3, 4]);
  await claim('c-000000~1', [7]);
  await results.putDeliveryResults('j', 'c-000000', 'loser', [fakeResult({ url: 'x', line: 1 })]);
  return { ledger, results };
}

async function walk(limits: { items: number; bytes: number }): Promise<{ pages: ResultPage[]; lines: number[] }> {
  const { ledger, results } = await job();
  const pages: ResultPage[] = [];
  let cursor: string | undefined;
  do {
    const page = await readResults(ledger, results, 'j', cursor, limits);
    if (page === undefined) throw new Error('no job');
    pages.push(page);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return { pages, lines: pages.flatMap((p) => p.items.map((i) => i.line)) };
}

describe('readResults', () => {
  it("walks the claimed objects in chunk order, children right after their parents, never a losing delivery's", async () => {
    const { lines, pages } = await walk({ items: 1000, bytes: 1 << 20 });
    expect(lines).toEqual([1, 2, 3, 4, 7, 5, 6]);
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ complete: false, state: 'queued', nextCursor: null });
  });

  it('resumes inside an object from the cursor, whatever the page size', async () => {
    for (const items of [1, 2, 3, 5]) expect((await walk({ items, bytes: 1 << 20 })).lines).toEqual([1, 2, 3, 4, 7, 5, 6]);
  });

  it('bounds a page by bytes, but always returns at least one record', async () => {
    const record = JSON.stringify(fakeResult({ url: 'http://127.0.0.1/1', line: 1 })).length;
    const { pages, lines } = await walk({ items: 1000, bytes: record * 2 + 10 });
    expect(lines).toEqual([1, 2, 3, 4, 7, 5, 6]);
    expect(Math.max(...pages.map((p) => p.items.length))).toBe(2);
    expect((await walk({ items: 1000, bytes: 1 })).pages).toHaveLength(7);
  });

  it("reads past the ledger's page of claims", async () => {
    const ledger = new JobLedger(new MemoryLedgerStore());
    const results = new MemoryResults();
    await ledger.createJob({ jobId: 'big', options: {}, source: 'urls', splitsTotal: 1, now: NOW });
    for (let i = 0; i < 120; i += 1) {
      const chunkId = `c-${String(i).padStart(6, '0')}`;
      const objectKey = await results.putDeliveryResults('big', chunkId, 'd', [fakeResult({ url: 'u', line: i + 1 })]);
      await ledger.claim('big', chunkId, { deliveryId: 'd', objectKey, succeeded: 1, failed: 0, leftovers: '', claimedAt: NOW });
    }
    const lines: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await readResults(ledger, results, 'big', cursor, { items: 70, bytes: 1 << 20 });
      lines.push(...(page?.items ?? []).map((r) => r.line));
      cursor = page?.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(lines).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  });

  it('refuses a cursor it did not issue, and answers undefined for an unknown job', async () => {
    const { ledger, results } = await job();
    for (const bad of [
      'x',
      Buffer.from('{"c":"../etc","o":0}').toString('base64url'),
      Buffer.from('{"c":"c-000000","o":-1}').toString('base64url'),
    ]) {
      await expect(readResults(ledger, results, 'j', bad, { items: 10, bytes: 1000 })).rejects.toBeInstanceOf(BadCursorError);
    }
    expect(await readResults(ledger, results, 'nope', undefined, { items: 10, bytes: 1000 })).toBeUndefined();
  });
});
