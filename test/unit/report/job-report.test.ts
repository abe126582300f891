import { JobLedger } from '../../../src/jobs/ledger/job-ledger';
import { jobReport } from '../../../src/report/job-report';
import { MemoryResults, fakeResult } from '../jobs/fakes';
import { MemoryLedgerStore } from '../jobs/ledger/memory-ledger-store';

const NOW = Date.UTC(2026, 10, 30);

/** A job of `chunks` claimed chunks of 3 results each. */
async function job(chunks: number) {
  const ledger = new JobLedger(new MemoryLedgerStore());
  const results = new MemoryResults();
  await ledger.createJob({ jobId: 'j', options: {}, source: 'urls', splitsTotal: 1, now: NOW });
  await ledger.registerGroup('j', { group: 'c', chunks, urls: 3 * chunks }, NOW);
  for (let c = 0; c < chunks; c += 1) {
    const chunkId = `c-${String(c).padStart(6, '0')}`;
    const records = [1, 2, 3].map((i) => fakeResult({ url: `http://h${c}.test/${i}`, line: 3 * c + i }, i === 3 ? 'CONNECT' : undefined));
    const objectKey = await results.putDeliveryResults('j', chunkId, 'd1', records);
    await ledger.claim('j', chunkId, { deliveryId: 'd1', objectKey, succeeded: 2, failed: 1, leftovers: '', claimedAt: NOW });
  }
  return { ledger, results };
}

describe('jobReport', () => {
  it("summarises every stored result with the job's status", async () => {
    const { ledger, results } = await job(3);
    const input = await jobReport(ledger, results, 'j', { records: 100 });
    expect(input?.summary.records).toBe(9);
    expect(input?.summary.outcomes.ok).toBe(6);
    expect(input?.source).toEqual({ kind: 'job', status: await ledger.getJob('j') });
  });

  it('stops at the record budget and says so', async () => {
    const { ledger, results } = await job(3);
    const input = await jobReport(ledger, results, 'j', { records: 4 });
    expect(input?.summary.records).toBe(4);
    expect(input?.source).toMatchObject({ truncated: 'the report reads at most 4 records' });
  });

  it('reads no page once the deadline has passed, and says so', async () => {
    const { ledger, results } = await job(1);
    const input = await jobReport(ledger, results, 'j', { records: 100, deadline: NOW, now: () => NOW });
    expect(input?.summary.records).toBe(0);
    expect(input?.source).toMatchObject({ truncated: 'the time to answer ran out before every result was read' });
    expect(input?.generatedAt).toEqual(new Date(NOW));
  });

  it('is undefined for an unknown job', async () => {
    const { ledger, results } = await job(1);
    expect(await jobReport(ledger, results, 'nope', { records: 100 })).toBeUndefined();
  });
});
