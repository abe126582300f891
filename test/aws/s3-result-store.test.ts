import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { deliveryResultKey, S3ResultStore } from '../../src/aws/s3-result-store';
import type { FetchResult } from '../../src/fetch/result';
import { awkwardRecords } from '../support/awkward-records';
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
    timings: { dns: null, connect: 0, ttfb: 1, total: 2, queued: 0 },
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

  it('writes each delivery of a chunk to an object of its own, never over another', async () => {
    const a = await store.putDeliveryResults('job-a', 'c-000000', 'd1', [result(1, false), result(2)]);
    const b = await store.putDeliveryResults('job-a', 'c-000000', 'd2', [result(1), result(2)]);
    expect([a, b]).toEqual([deliveryResultKey('job-a', 'c-000000', 'd1'), deliveryResultKey('job-a', 'c-000000', 'd2')]);
    expect((await store.readLines(a)).map((l) => (JSON.parse(l) as FetchResult).ok)).toEqual([false, true]);
    expect((await store.readLines(b)).map((l) => (JSON.parse(l) as FetchResult).ok)).toEqual([true, true]);
    await store.deleteObject(b);
    const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'results/job-a/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([a]);
  });

  it('writes a record holding every control and separator character as one escaped line, read back whole', async () => {
    const records = awkwardRecords();
    const key = await store.putDeliveryResults('job-c', 'c-000000', 'd1', records);
    const lines = await store.readLines(key);
    expect(lines).toHaveLength(records.length);
    for (const line of lines) expect(line).not.toMatch(/[\u2028\u2029]/);
    expect(lines.map((l) => JSON.parse(l) as FetchResult)).toEqual(records);
  });

  it('writes an empty object for a delivery with no final results', async () => {
    const key = await store.putDeliveryResults('job-b', 'c-000000', 'd1', []);
    expect(await store.readLines(key)).toEqual([]);
  });

  it('stores bodies by content', async () => {
    await store.putBody('ab'.repeat(32), Buffer.from('hello'));
    const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'bodies/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([`bodies/${'ab'.repeat(32)}`]);
  });
});
