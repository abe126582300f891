import { chunkIdOf, childOf } from '../../../src/jobs/chunk-ref';
import { cutChunks, MAX_URL_CHARS } from '../../../src/jobs/chunking';
import type { UrlInput } from '../../../src/fetch/types';
import { chunkMessageId } from '../../../src/jobs/messages';

const job = { jobId: 'job-1', options: { retries: 1 }, group: 'c' };
const inputs = (n: number, url = (i: number) => `http://127.0.0.1/${i}`): UrlInput[] =>
  Array.from({ length: n }, (_, i) => ({ url: url(i), line: i + 1 }));

describe('cutChunks', () => {
  it('cuts by URL count and keeps every URL once, in order', () => {
    const chunks = [...cutChunks(inputs(250), job, { urls: 100, bytes: 1_000_000 })];
    expect(chunks.map((c) => c.urls.length)).toEqual([100, 100, 50]);
    expect(chunks.flatMap((c) => c.urls.map((u) => u.line))).toEqual(inputs(250).map((u) => u.line));
    expect(chunks.map(chunkMessageId)).toEqual(['c-000000', 'c-000001', 'c-000002']);
    expect(chunks[0]).toMatchObject({ kind: 'chunk', jobId: 'job-1', group: 'c', index: 0, generation: 0, options: { retries: 1 } });
  });

  it('keeps each serialized message within the byte limit', () => {
    const long = (i: number): string => `http://127.0.0.1/${'x'.repeat(900)}/${i}`;
    const limit = 10_000;
    const chunks = [...cutChunks(inputs(100, long), job, { urls: 1000, bytes: limit })];
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThanOrEqual(limit);
    // A re-queued child (a subset of the URLs, one more generation digit) fits too.
    for (const chunk of chunks) expect(Buffer.byteLength(JSON.stringify({ ...chunk, ...childOf(chunk) }))).toBeLessThanOrEqual(limit);
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

describe('chunkIdOf', () => {
  it('pads so ids sort in job order, each child right after its parent', () => {
    const ids = [
      { group: 'r00001', index: 9, generation: 0 },
      { group: 'r00001', index: 9, generation: 1 },
      { group: 'r00001', index: 9, generation: 2 },
      { group: 'r00001', index: 10, generation: 0 },
      { group: 'r00001', index: 100000, generation: 0 },
      { group: 'r00002', index: 0, generation: 0 },
    ].map(chunkIdOf);
    expect(ids[1]).toBe('r00001-000009~1');
    expect([...ids].sort()).toEqual(ids);
  });
});
