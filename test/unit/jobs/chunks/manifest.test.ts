import { countNewlines, firstLines, parseS3Url, planRanges, readRangeUrls } from '../../../../src/jobs/chunks/manifest';
import { MemoryManifests } from '../fakes';

/** What one sequential pass over the text yields: trimmed non-blank lines with physical numbers. */
function expected(text: string): { url: string; line: number }[] {
  return text
    .split('\n')
    .map((raw, i) => ({ url: raw.trim(), line: i + 1 }))
    .filter((u) => u.url !== '');
}

async function viaRanges(text: string, rangeBytes: number): Promise<{ url: string; line: number }[]> {
  const reader = new MemoryManifests();
  reader.put('b', 'k', text);
  const { etag } = await reader.head('b', 'k');
  const buf = Buffer.from(text);
  const ranges = planRanges(buf.length, rangeBytes);
  const stats = ranges.map((r) => {
    const part = buf.subarray(r.start, r.end);
    return { newlines: countNewlines(part), endsWithNewline: part[part.length - 1] === 0x0a };
  });
  const lines = firstLines(stats);
  const out = [];
  for (const [i, r] of ranges.entries()) {
    out.push(...(await readRangeUrls(reader, { bucket: 'b', key: 'k', ...r, size: buf.length, etag, firstLine: lines[i] as number })));
  }
  return out;
}

describe('readRangeUrls with firstLines', () => {
  const text = [
    'http://127.0.0.1/a',
    '',
    '  http://127.0.0.1/b  ',
    'http://127.0.0.1/ccccccccccccccccccccccccccccccccccccccccccccccccccccccccc',
    'not a url',
    'http://127.0.0.1/d\r',
    '',
    '',
    'http://127.0.0.1/e',
  ].join('\n');

  it.each([1, 2, 3, 7, 16, 19, 20, 64, 1000])(
    'yields every line exactly once with its manifest line number (ranges of %i bytes)',
    async (rangeBytes) => {
      expect(await viaRanges(text, rangeBytes)).toEqual(expected(text));
      expect(await viaRanges(`${text}\n`, rangeBytes)).toEqual(expected(`${text}\n`));
    },
  );

  it('reads past the range end in steps to finish a long last line', async () => {
    const long = `http://127.0.0.1/${'z'.repeat(200_000)}`;
    const doc = `http://127.0.0.1/x\n${long}\nhttp://127.0.0.1/y\n`;
    expect(await viaRanges(doc, 25)).toEqual(expected(doc));
  });

  it('assembles a 5 MB line with no newline in linear work: bytes copied and reads counted', async () => {
    const doc = `http://127.0.0.1/x\nhttp://127.0.0.1/${'z'.repeat(5_000_000)}`;
    const reader = new MemoryManifests();
    reader.put('b', 'k', doc);
    const { etag, size } = await reader.head('b', 'k');
    const concat = jest.spyOn(Buffer, 'concat');
    let urls;
    let copied = 0;
    try {
      urls = await readRangeUrls(reader, { bucket: 'b', key: 'k', start: 0, end: 64 * 1024, size, etag, firstLine: 1 });
      copied = concat.mock.results.reduce((sum, r) => sum + (r.value as Buffer).length, 0);
    } finally {
      concat.mockRestore();
    }
    expect(urls?.map((u) => u.url.length)).toEqual([18, size - 19]);
    expect(copied).toBeLessThanOrEqual(2 * size);
    // Each read past the range goes twice as far as the one before.
    expect(reader.reads).toBeLessThanOrEqual(1 + Math.ceil(Math.log2(size / (64 * 1024))) + 1);
  });
});

describe('parseS3Url', () => {
  it('splits bucket and key', () => {
    expect(parseS3Url('s3://my-bucket/path/to/urls.txt')).toEqual({ bucket: 'my-bucket', key: 'path/to/urls.txt' });
  });

  it.each(['http://bucket/key', 's3://bucket', 's3://bucket/', 's3://B/key', 'bucket/key'])('rejects %s', (value) => {
    expect(parseS3Url(value)).toBeUndefined();
  });
});
