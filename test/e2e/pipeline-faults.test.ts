import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { CONSUME_STEPS, CONSUMER_STORE_CALLS } from '../../src/jobs/chunks/faults';
import type { FaultRule } from '../../src/local/fault-injector';
import { allResults, api, countByLine, e2eEnv, submit, waitForJob, type JobStatus } from './e2e-client';
import { startTargetServer, type TargetServer } from './target-server';

/**
 * Faults injected through the local stack's SQS event sources (src/local/fault-injector.ts):
 * duplicate and concurrent deliveries, kills of the consumer at each step, one failed
 * store call at each step, calls that act and then fail (a lost response), a poison chunk, a held message and a splitter failure. Each
 * job must end done with every URL exactly once and its counters equal to its records.
 */
let target: TargetServer;

beforeAll(async () => {
  target = await startTargetServer();
});

afterAll(async () => {
  await target.close();
});

async function addFaults(rules: { consumer?: FaultRule[]; splitter?: FaultRule[] }): Promise<void> {
  const res = await fetch(`${e2eEnv('FANOUT_E2E_CONTROL_URL')}/faults`, { method: 'POST', body: JSON.stringify(rules) });
  expect(res.status).toBe(200);
}

async function fired(): Promise<{ consumer: Record<string, number>; splitter: Record<string, number> }> {
  return (await (await fetch(`${e2eEnv('FANOUT_E2E_CONTROL_URL')}/faults`)).json()) as never;
}

/** Done, every line 1..n exactly once, counters equal to the records. */
async function expectExactlyOnce(jobId: string, n: number): Promise<{ status: JobStatus; items: any[] }> {
  const status = await waitForJob(jobId, 150_000);
  const items = await allResults(jobId);
  const counts = countByLine(items);
  const lines = [...counts.keys()].sort((a, b) => a - b);
  const ok = items.filter((i) => i.ok).length;
  expect({ state: status.state, lines, twice: [...counts.values()].filter((c) => c > 1).length }).toEqual({
    state: 'done',
    lines: Array.from({ length: n }, (_, i) => i + 1),
    twice: 0,
  });
  expect({ total: status.total, succeeded: status.succeeded, failed: status.failed }).toEqual({
    total: n,
    succeeded: ok,
    failed: items.length - ok,
  });
  expect(status.chunks.done).toBe(status.chunks.total);
  return { status, items };
}

/** URLs that leave leftovers (re-queued as a child): 8 × 600 ms at concurrency 1 outlast the e2e deadline (~3.5 s). */
function slowUrls(token: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${target.origin}/slow/600/${token}/${i}`);
}
const SLOW_OPTIONS = { concurrency: 1, perHost: 1, retries: 0, timeoutMs: 1500 };

describe('pipeline under injected faults', () => {
  it.concurrent(
    'keeps one outcome when a chunk is delivered twice at once and the two fetches disagree',
    async () => {
      const token = `conc-${randomUUID()}`;
      const urls = Array.from({ length: 6 }, (_, i) => `${target.origin}/flip/${token}/${i}`);
      await addFaults({ consumer: [{ match: token, fault: { kind: 'concurrent' }, times: 1 }] });
      const job = await submit(urls, { retries: 0 });
      const { items, status } = await expectExactlyOnce(job.jobId, 6);
      expect((await fired()).consumer['concurrent']).toBeGreaterThanOrEqual(1);
      // Whichever delivery's claim won, records and counters agree (a 200 or a 404 per URL).
      expect(items.filter((i) => i.status === 200)).toHaveLength(status.succeeded);
    },
    160_000,
  );

  it.concurrent(
    'changes nothing when a chunk is delivered again after it finished',
    async () => {
      const token = `dup-${randomUUID()}`;
      const urls = Array.from({ length: 4 }, (_, i) => `${target.origin}/flip/${token}/${i}`);
      await addFaults({ consumer: [{ match: token, fault: { kind: 'duplicate' }, times: 1 }] });
      const job = await submit(urls, { retries: 0 });
      const { items } = await expectExactlyOnce(job.jobId, 4);
      expect((await fired()).consumer['duplicate']).toBeGreaterThanOrEqual(1);
      // The second delivery found the chunk claimed and fetched nothing: all first answers (200), one request per URL.
      expect(items.every((i) => i.ok)).toBe(true);
      expect(target.arrivals.filter((a) => a.path.includes(token))).toHaveLength(4);
    },
    160_000,
  );

  /** A job of slow URLs (so a child chunk is on the path) whose first matching delivery suffers `fault`; ends checked exactly once. */
  async function slowJobUnder(fault: FaultRule['fault'], label: string): Promise<JobStatus> {
    const token = `${label}-${randomUUID()}`;
    await addFaults({ consumer: [{ match: token, fault, times: 1 }] });
    const job = await submit(slowUrls(token, 8), SLOW_OPTIONS);
    const { status } = await expectExactlyOnce(job.jobId, 8);
    // The deadline left URLs for a child chunk, so the child steps were on the path.
    expect(status.chunks.total).toBeGreaterThan(1);
    return status;
  }

  it.concurrent.each(CONSUME_STEPS)(
    'loses nothing and counts nothing twice when the consumer dies at %s',
    async (step) => {
      await slowJobUnder({ kind: 'kill', step }, `kill-${step}`);
      expect((await fired()).consumer[`kill:${step}`]).toBeGreaterThanOrEqual(1);
    },
    160_000,
  );

  it.concurrent.each(CONSUMER_STORE_CALLS)(
    'loses nothing and counts nothing twice when %s fails once',
    async (call) => {
      await slowJobUnder({ kind: 'fail-call', call }, `fail-${call}`);
      expect((await fired()).consumer[`fail-call:${call}`]).toBe(1);
    },
    160_000,
  );

  it.concurrent.each(['ledger.claim', 'ledger.countChunk', 'chunkQueue.sendAll', 'events.publishJobEnded'])(
    'loses nothing and counts nothing twice when %s acts, then fails as a lost response would',
    async (call) => {
      await slowJobUnder({ kind: 'fail-after-commit', call }, `after-${call}`);
      expect((await fired()).consumer[`fail-after-commit:${call}`]).toBeGreaterThanOrEqual(1);
    },
    160_000,
  );

  it.concurrent(
    'finishes a job whose chunk is held past its visibility timeout (two deliveries overlap)',
    async () => {
      const token = `hold-${randomUUID()}`;
      await addFaults({ consumer: [{ match: token, fault: { kind: 'hold' }, times: 1 }] });
      const job = await submit(Array.from({ length: 3 }, (_, i) => `${target.origin}/ok/${token}/${i}`));
      await expectExactlyOnce(job.jobId, 3);
      expect((await fired()).consumer['hold']).toBeGreaterThanOrEqual(1);
    },
    160_000,
  );

  it.concurrent(
    "records a poison chunk's URLs as DELIVERY_LIMIT on its last receive, and the job ends",
    async () => {
      const token = `poison-${randomUUID()}`;
      await addFaults({ consumer: [{ match: token, fault: { kind: 'kill', step: 'before-fetch' }, times: 10 }] });
      const job = await submit(Array.from({ length: 3 }, (_, i) => `${target.origin}/ok/${token}/${i}`));
      const { items } = await expectExactlyOnce(job.jobId, 3);
      expect(items.map((i) => i.error?.code)).toEqual(['DELIVERY_LIMIT', 'DELIVERY_LIMIT', 'DELIVERY_LIMIT']);
      expect((await fired()).consumer['kill:before-fetch']).toBeGreaterThanOrEqual(2);
    },
    160_000,
  );

  it.concurrent(
    'retries a manifest range through the queue after a transient failure instead of failing the job',
    async () => {
      const token = `split-${randomUUID()}`;
      const s3 = new S3Client({ endpoint: e2eEnv('FANOUT_E2E_S3_ENDPOINT'), forcePathStyle: true, region: 'us-east-1' });
      const key = `manifests/${token}.txt`;
      const urls = Array.from({ length: 7 }, (_, i) => `${target.origin}/ok/${token}/${i}`);
      await s3.send(new PutObjectCommand({ Bucket: e2eEnv('FANOUT_E2E_BUCKET'), Key: key, Body: `${urls.join('\n')}\n` }));
      s3.destroy();
      await addFaults({
        splitter: [{ match: `${token}.txt","options":{},"index"`, fault: { kind: 'fail-call', call: 'chunkQueue.sendAll' }, times: 1 }],
      });
      const res = await api('POST', '/jobs', { body: JSON.stringify({ manifest: `s3://${e2eEnv('FANOUT_E2E_BUCKET')}/${key}` }) });
      expect(res.status).toBe(202);
      await expectExactlyOnce(res.body.jobId, 7);
      expect((await fired()).splitter['fail-call:chunkQueue.sendAll']).toBe(1);
    },
    160_000,
  );
});
