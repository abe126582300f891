import { chunkIdFor, cutChunks, MAX_URL_CHARS } from '../../../src/jobs/chunking';
import type { UrlInput } from '../../../src/fetch/types';

const job = { jobId: 'job-1', options: { retries: 1 }, idPrefix: 'c' };
const inputs = (n: number, url = (i: number) => `http://127.0.0.1/${i}`): UrlInput[] =>
  Array.from({ length: n }, (_, i) => ({ url: url(i), line: i + 1 }));

describe('cutChunks', () => {
  it('cuts by URL count and keeps every URL once, in order', () => {
    const chunks = [...cutChunks(inputs(250), job, { urls: 100, bytes: 1_000_000 })];
    expect(chunks.map((c) => c.urls.length)).toEqual([100, 100, 50]);
    expect(chunks.flatMap((c) => c.urls.map((u) => u.line))).toEqual(inputs(250).map((u) => u.line));
    expect(chunks.map((c) => c.chunkId)).toEqual(['c-000000', 'c-000001', 'c-000002']);
    expect(chunks[0]).toMatchObject({ kind: 'chunk', jobId: 'job-1', generation: 0, options: { retries: 1 } });
  });

  it('keeps each serialized message within the byte limit', () => {
    const long = (i: number): string => `http://127.0.0.1/${'x'.repeat(900)}/${i}`;
    const limit = 10_000;
    const chunks = [...cutChunks(inputs(100, long), job, { urls: 1000, bytes: limit })];
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThanOrEqual(limit);
    expect(chunks.flatMap((c) => c.urls)).toHaveLength(100);
  });

  it('gives an entry larger than the limit a chunk of its own, cut to MAX_URL_CHARS', () => {
    const urls = [
      { url: 'http://127.0.0.1/a', line: 1 },
      { url: `http://127.0.0.1/${'y'.repeat(MAX_URL_CHARS * 2)}`, line: 2 },
      { url: 'http://127.0.0.1/c', line: 3 },
    ];
    const chunks = [...cutChunks(urls, job, { urls: 100, bytes: 2048 })];
    expect(chunks.map((c) => c.urls.map((u) => u.line))).toEqual([[1], [2], [3]]);
    expect(chunks[1]?.urls[0]?.url).toHaveLength(MAX_URL_CHARS);
  });

  it('yields nothing for no URLs', () => {
    expect([...cutChunks([], job, { urls: 10, bytes: 10_000 })]).toEqual([]);
  });
});

describe('chunkIdFor', () => {
  it('pads so ids sort in job order', () => {
    const ids = [9, 10, 100000].map((i) => chunkIdFor('r00001', i));
    expect([...ids].sort()).toEqual(ids);
  });
});
