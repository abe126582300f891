import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { resultKey, S3ResultStore } from '../../src/aws/s3-result-store';
import { BadCursorError } from '../../src/jobs/errors';
import type { FetchResult } from '../../src/fetch/result';
import { createBucket, destroyClients, emulatorClients, uniqueName } from './helpers';

function result(line: number, ok = true): FetchResult {
  return {
    url: `http://127.0.0.1:1/${line}`,
    line,
    ok,
    status: ok ? 200 : 503,
    finalUrl: `http://127.0.0.1:1/${line}`,
    headers: {},
    bytes: 3,
    sha256: null,
    attempts: 1,
    timings: { dns: null, connect: 0, ttfb: 1, total: 2 },
    error: ok ? null : { code: 'HTTP_STATUS', message: 'HTTP 503' },
  };
}

describe('S3ResultStore', () => {
  const clients = emulatorClients();
  const bucket = uniqueName('results');
  const store = new S3ResultStore(clients.s3, bucket);

  beforeAll(async () => {
    await createBucket(clients, bucket);
  });

  afterAll(() => destroyClients(clients));

  it('overwrites a chunk object on redelivery instead of adding a second one', async () => {
    await store.putChunkResults('job-a', 'c-000000', [result(1, false), result(2)]);
    await store.putChunkResults('job-a', 'c-000000', [result(1), result(2)]);
    const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'results/job-a/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([resultKey('job-a', 'c-000000')]);
    const page = await store.readResults('job-a', undefined, 100);
    expect(page.items.map((r) => [r.line, r.ok])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(page.nextCursor).toBeNull();
  });

  it('pages through every result exactly once, across objects, with bounded pages', async () => {
    const lines = Array.from({ length: 25 }, (_, i) => i + 1);
    // Chunks of 4, plus an empty object (a chunk whose URLs were all re-queued).
    for (let c = 0; c * 4 < lines.length; c++) {
      await store.putChunkResults('job-b', `c-${String(c).padStart(6, '0')}`, lines.slice(c * 4, c * 4 + 4).map((l) => result(l)));
    }
    await store.putChunkResults('job-b', 'c-000003.deadbeef', []);
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.readResults('job-b', cursor, 7);
      expect(page.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.items.map((r) => r.line));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor !== undefined && pages < 20);
    expect(seen).toEqual(lines);
    expect(pages).toBeGreaterThanOrEqual(4);
  });

  it('ends a page after a bounded number of objects, even when they are empty', async () => {
    const small = new S3ResultStore(clients.s3, bucket, 3);
    for (let c = 0; c < 7; c++) await small.putChunkResults('job-e', `c-00000${c}`, c === 5 ? [result(6)] : []);
    const pages: number[][] = [];
    let cursor: string | undefined;
    do {
      const page = await small.readResults('job-e', cursor, 100);
      pages.push(page.items.map((r) => r.line));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && pages.length < 10);
    expect(pages).toEqual([[], [6], []]);
  });

  it('refuses a cursor issued for another job', async () => {
    await store.putChunkResults('job-c', 'c-000000', [result(1), result(2)]);
    const page = await store.readResults('job-c', undefined, 1);
    expect(page.nextCursor).not.toBeNull();
    await expect(store.readResults('job-d', page.nextCursor as string, 1)).rejects.toBeInstanceOf(BadCursorError);
    await expect(store.readResults('job-c', 'not-a-cursor', 1)).rejects.toBeInstanceOf(BadCursorError);
  });

  it('stores bodies under their sha256', async () => {
    await store.putBody('ab'.repeat(32), Buffer.from('hello'));
    const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'bodies/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([`bodies/${'ab'.repeat(32)}`]);
  });
});
