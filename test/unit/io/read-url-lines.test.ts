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

  it('ends a line at a lone CR, at CRLF and at LF alike', async () => {
    expect(await collect(['http://a/\rhttp://b/\r\nhttp://c/\n\rhttp://d/\r'])).toEqual([
      { url: 'http://a/', line: 1 },
      { url: 'http://b/', line: 2 },
      { url: 'http://c/', line: 3 },
      { url: 'http://d/', line: 5 },
    ]);
  });

  it('counts a CRLF split across chunks as one line end, and a CR at a chunk end as one', async () => {
    expect(await collect(['http://a/\r', '\nhttp://b/\r', 'http://c/'])).toEqual([
      { url: 'http://a/', line: 1 },
      { url: 'http://b/', line: 2 },
      { url: 'http://c/', line: 3 },
    ]);
  });

  it('keeps a tab or other control character inside a line, for the engine to refuse', async () => {
    expect(await collect(['http://a/x\ty\n'])).toEqual([{ url: 'http://a/x\ty', line: 1 }]);
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

describe('readUrlLines with a request line cut', () => {
  async function collectWith(chunks: string[], keep: number, requestChars: number) {
    const out = [];
    for await (const item of readUrlLines(Readable.from(chunks), keep, requestChars)) out.push(item);
    return out;
  }

  it('keeps JSON request lines up to their own cut and still cuts URL lines at theirs', async () => {
    const json = `{"url":"http://a/","body":"${'b'.repeat(100)}"}`;
    const url = `http://a/${'u'.repeat(100)}`;
    const out = await collectWith([json.slice(0, 50), `${json.slice(50)}\n${url}\n`, `{${'x'.repeat(300)}\n`], 20, 200);
    expect(out.map((i) => i.url.length)).toEqual([json.length, 21, 201]);
    expect(out[0]?.url).toBe(json);
  });
});
