import { Readable } from 'node:stream';
import { listUrls, readUrlLines } from '../../../src/io/read-url-lines';

async function collect(chunks: string[], keep?: number) {
  const out = [];
  for await (const item of readUrlLines(Readable.from(chunks), keep)) out.push(item);
  return out;
}

describe('readUrlLines', () => {
  it('skips blank lines and comments and keeps input line numbers', async () => {
    expect(await collect(['# header\n\nhttp://a/\r\n  http://b/  \n#x\nhttp://c/'])).toEqual([
      { url: 'http://a/', line: 3 },
      { url: 'http://b/', line: 4 },
      { url: 'http://c/', line: 6 },
    ]);
  });

  it('joins lines split across chunks', async () => {
    expect(await collect(['http://exa', 'mple.com/', 'x\nhttp://b/\n'])).toEqual([
      { url: 'http://example.com/x', line: 1 },
      { url: 'http://b/', line: 2 },
    ]);
  });

  it('cuts an overlong line to one character past the limit, whatever the chunking', async () => {
    const long = 'http://a/' + 'x'.repeat(100);
    const out = await collect([long.slice(0, 30), long.slice(30), '\nhttp://b/\n'], 20);
    expect(out).toEqual([
      { url: long.slice(0, 21), line: 1 },
      { url: 'http://b/', line: 2 },
    ]);
  });
});

describe('listUrls', () => {
  it('numbers entries from 1 and turns non-strings into empty URLs', () => {
    expect([...listUrls(['http://a/', 7])]).toEqual([
      { url: 'http://a/', line: 1 },
      { url: '', line: 2 },
    ]);
  });
});
