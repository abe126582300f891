import { chunkIdOf, childOf } from '../../../../src/jobs/ledger/chunk-ref';
import {
  cutChunks,
  groupByHost,
  hostKey,
  MAX_URL_CHARS,
  NO_HOST,
  type ChunkJob,
  type ChunkLimits,
} from '../../../../src/jobs/chunks/chunking';
import type { UrlInput } from '../../../../src/fetch/types';
import { chunkMessageId, parseChunkMessage, type ChunkMessage } from '../../../../src/jobs/chunks/messages';

const job = { jobId: 'job-1', options: { retries: 1 }, group: 'c' };
const whole: ChunkJob = { ...job, wholeJob: true };
const inputs = (n: number, url = (i: number) => `http://127.0.0.1/${i}`): UrlInput[] =>
  Array.from({ length: n }, (_, i) => ({ url: url(i), line: i + 1 }));
const cut = (urls: readonly UrlInput[], limits: ChunkLimits, j: ChunkJob = job): ChunkMessage[] => [
  ...cutChunks(groupByHost(urls), j, limits),
];
const lines = (chunks: readonly ChunkMessage[]): number[][] => chunks.map((c) => c.urls.map((u) => u.line));

/** A small seeded generator (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hosts as users write them: case, ports, a long name, IPv6; and entries with no host at all. */
const HOST_URLS = [
  (i: number) => `http://a.test/${i}`,
  (i: number) => `HTTP://A.Test/x/${i}`, // the same host key as a.test
  (i: number) => `http://a.test:8080/${i}`,
  (i: number) => `https://b.test/${'p'.repeat(i % 50)}`,
  (i: number) => `http://${'long-label.'.repeat(12)}test/${i}`,
  (i: number) => `http://[::1]:9000/${i}`,
  (i: number) => `http://c.test/${i}`,
  (i: number) => `not a url ${i}`,
  (i: number) => `mailto:someone${i}@a.test`,
];

describe('cutChunks', () => {
  it('cuts by URL count and keeps every URL once, in order within a host', () => {
    const chunks = cut(inputs(250), { urls: 100, bytes: 1_000_000 });
    expect(chunks.map((c) => c.urls.length)).toEqual([100, 100, 50]);
    expect(lines(chunks).flat()).toEqual(inputs(250).map((u) => u.line));
    expect(chunks.map(chunkMessageId)).toEqual(['c-000000', 'c-000001', 'c-000002']);
    expect(chunks[0]).toMatchObject({ kind: 'chunk', jobId: 'job-1', group: 'c', index: 0, generation: 0, options: { retries: 1 } });
  });

  it("puts a host's URLs together, hosts in order of first appearance, and bad URLs in a group of their own", () => {
    const urls = ['http://a.test/1', 'nope', 'http://b.test/1', 'http://A.TEST/2', 'http://b.test/2', '::', 'http://a.test:81/'].map(
      (url, i) => ({
        url,
        line: i + 1,
      }),
    );
    expect(lines(cut(urls, { urls: 3, bytes: 1_000_000 }, whole))).toEqual([[1, 4, 2], [6, 3, 5], [7]]);
    expect([...groupByHost(urls).keys()]).toEqual(['a.test', NO_HOST, 'b.test', 'a.test:81']);
  });

  it('says which hosts of a chunk other chunks have: the first and last, or one host larger than a chunk', () => {
    const urls = [
      ...inputs(3, (i) => `http://a.test/${i}`),
      ...inputs(7, (i) => `http://b.test/${i}`),
      ...inputs(2, (i) => `http://c.test/${i}`),
    ].map((u, i) => ({ ...u, line: i + 1 }));
    const chunks = cut(urls, { urls: 4, bytes: 1_000_000 }, whole);
    expect(chunks.map((c) => c.sharedHosts)).toEqual([['b.test'], ['b.test'], ['b.test']]);
    expect(lines(chunks)).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
    ]);
    expect(cut(urls, { urls: 12, bytes: 1_000_000 }, whole).map((c) => c.sharedHosts)).toEqual([[]]);
  });

  it('leaves sharedHosts absent (unknown) when the URLs are not the whole job, as for a manifest range', () => {
    const chunks = cut(inputs(5), { urls: 2, bytes: 1_000_000 });
    expect(chunks.every((c) => !('sharedHosts' in c))).toBe(true);
  });

  it.each(Array.from({ length: 40 }, (_, seed) => seed))('matches a brute-force check on random input %i', (seed) => {
    const next = random(seed + 1);
    const n = Math.floor(next() * 120);
    const urls = inputs(n, (i) => (HOST_URLS[Math.floor(next() * HOST_URLS.length)] as (i: number) => string)(i));
    const limits = { urls: 1 + Math.floor(next() * 12), bytes: 700 + Math.floor(next() * 2500) };
    const chunks = cut(urls, limits, whole);
    // Every URL exactly once.
    expect(
      lines(chunks)
        .flat()
        .sort((a, b) => a - b),
    ).toEqual(urls.map((u) => u.line));
    // Within the limits: a chunk over the byte limit holds one URL only.
    for (const chunk of chunks) {
      expect(chunk.urls.length).toBeLessThanOrEqual(limits.urls);
      if (chunk.urls.length > 1) expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThanOrEqual(limits.bytes);
    }
    // Host-contiguous: once a host's run ends, the host never comes back.
    const sequence = chunks.flatMap((c) => c.urls.map((u) => hostKey(u.url)));
    const finished = new Set<string>();
    sequence.forEach((host, i) => {
      expect(finished.has(host)).toBe(false);
      if (sequence[i + 1] !== host) finished.add(host);
    });
    // sharedHosts is exactly the hosts of the chunk that another chunk also has.
    const hostsOf = chunks.map((c) => new Set(c.urls.map((u) => hostKey(u.url))));
    chunks.forEach((chunk, i) => {
      const expected = [...(hostsOf[i] as Set<string>)].filter((h) => h !== NO_HOST && hostsOf.some((other, j) => j !== i && other.has(h)));
      expect([...(chunk.sharedHosts ?? ['absent'])].sort()).toEqual(expected.sort());
      expect(chunk.sharedHosts?.length).toBeLessThanOrEqual(2);
    });
    // Deterministic: a repeated submit or split sends the same chunks.
    expect(cut(urls, limits, whole)).toEqual(chunks);
  });

  it('counts sharedHosts in the byte limit', () => {
    // Two long host names, each split across chunks, so every middle chunk lists both.
    const a = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.test`;
    const b = `${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.test`;
    const urls = inputs(40, (i) => `http://${i < 20 ? a : b}/${i}`);
    for (let limit = 1200; limit < 2400; limit += 7) {
      for (const chunk of cut(urls, { urls: 100, bytes: limit }, whole)) {
        expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThanOrEqual(limit);
      }
    }
  });

  it('keeps each serialized message within the byte limit, and its re-queued child too', () => {
    const long = (i: number): string => `http://127.0.0.${i % 3}/${'x'.repeat(900)}/${i}`;
    const limit = 10_000;
    const chunks = cut(inputs(100, long), { urls: 1000, bytes: limit }, whole);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThanOrEqual(limit);
    // A re-queued child (a subset of the URLs, one more generation digit, the parent's sharedHosts) fits too.
    for (const chunk of chunks) expect(Buffer.byteLength(JSON.stringify({ ...chunk, ...childOf(chunk) }))).toBeLessThanOrEqual(limit);
    expect(chunks.flatMap((c) => c.urls)).toHaveLength(100);
  });

  it('gives an entry larger than the limit a chunk of its own, cut to MAX_URL_CHARS', () => {
    const urls = [
      { url: 'http://127.0.0.1/a', line: 1 },
      { url: `http://127.0.0.1/${'y'.repeat(MAX_URL_CHARS * 2)}`, line: 2 },
      { url: 'http://127.0.0.1/c', line: 3 },
    ];
    const chunks = cut(urls, { urls: 100, bytes: 2048 });
    expect(lines(chunks)).toEqual([[1], [2], [3]]);
    expect(chunks[1]?.urls[0]?.url).toHaveLength(MAX_URL_CHARS);
  });

  it('yields nothing for no URLs', () => {
    expect(cut([], { urls: 10, bytes: 10_000 })).toEqual([]);
  });
});

describe('parseChunkMessage sharedHosts', () => {
  const body = (extra: object): string =>
    JSON.stringify({ kind: 'chunk', jobId: 'j', group: 'c', index: 0, generation: 0, options: {}, urls: [], ...extra });

  it('reads the list, and leaves it absent when the message has none', () => {
    expect(parseChunkMessage(body({ sharedHosts: ['a.test', 'b.test:8080'] })).sharedHosts).toEqual(['a.test', 'b.test:8080']);
    expect(parseChunkMessage(body({ sharedHosts: [] })).sharedHosts).toEqual([]);
    expect('sharedHosts' in parseChunkMessage(body({}))).toBe(false);
  });

  it.each([['a.test'], [[1]], [['']], [null]])('refuses sharedHosts %p', (value) => {
    expect(() => parseChunkMessage(body({ sharedHosts: value }))).toThrow('Message field `sharedHosts` is not a list of host names');
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
