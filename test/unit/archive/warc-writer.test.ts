import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readdirSync } from 'node:fs';
import type { Transform } from 'node:stream';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { base32 } from '../../../src/archive/warc-fields';
import { WarcWriter, type WarcExchange } from '../../../src/archive/warc-writer';

// An independent reader: node-warc's parser reads what we write (it shares no code with
// us). Its _flush calls back twice whenever a file ends in CRLF, as every WARC does,
// which Node 24's streams refuse; the subclass only calls back once.
const { WARCStreamTransform } = require('node-warc/lib/parsers') as {
  WARCStreamTransform: new () => Transform & { buffered?: Buffer; _consumeChunk(chunk: Buffer, done: () => void, pushLast: boolean): void };
};
class WarcRecordStream extends WARCStreamTransform {
  override _flush(done: () => void): void {
    this._consumeChunk(this.buffered ?? Buffer.alloc(0), done, true);
  }
}

interface ParsedRecord {
  warcType: string;
  warcRecordID: string;
  warcConcurrentTo?: string;
  warcTargetURI?: string;
  warcTruncated?: string;
  warcProfile?: string;
  warcBlockDigest?: string;
  warcPayloadDigest?: string;
  warcContentLength: string;
  httpInfo: { statusCode?: string; method?: string; headers: Record<string, string> } | null;
  content: Buffer | null;
}

async function readWarc(path: string): Promise<ParsedRecord[]> {
  const records: ParsedRecord[] = [];
  const source = createReadStream(path);
  const bytes = path.endsWith('.gz') ? source.pipe(createGunzip()) : source;
  for await (const record of bytes.pipe(new WarcRecordStream())) records.push(record as ParsedRecord);
  return records;
}

const sha256b32 = (bytes: Uint8Array): string => `sha256:${base32(createHash('sha256').update(bytes).digest())}`;

describe('WarcWriter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warc-test-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function writeWarc(
    gzip: boolean,
    build: (warc: WarcWriter, tempDir: string) => Promise<void>,
  ): Promise<{ bytes: Buffer; file: string }> {
    const file = join(dir, gzip ? 'out.warc.gz' : 'out.warc');
    const tempDir = join(dir, 'spool');
    await rm(tempDir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(tempDir));
    const warc = await WarcWriter.open(createWriteStream(file), {
      gzip,
      filename: 'out.warc',
      software: 'fanout/test',
      secretHeaders: ['X-Api-Key'],
      tempDir,
    });
    await build(warc, tempDir);
    await warc.close();
    expect(readdirSync(tempDir)).toEqual([]);
    return { bytes: await readFile(file), file };
  }

  async function exchange(
    warc: WarcWriter,
    body: Buffer,
    extra: Partial<WarcExchange> = {},
    headers: [string, string][] = [],
  ): Promise<void> {
    const spool = warc.spool(200, '', [['content-type', 'application/octet-stream'], ...headers]);
    for (let i = 0; i < body.length; i += 1000) await spool.write(body.subarray(i, i + 1000));
    await warc.writeExchange({
      request: {
        method: 'POST',
        url: new URL('http://127.0.0.1:8080/api/items?id=7'),
        headers: [
          ['host', '127.0.0.1:8080'],
          ['authorization', 'Bearer s3cr3t-token'],
          ['x-api-key', 'k-123'],
          ['accept', 'application/json'],
        ],
        body: Buffer.from('{"id":7}'),
      },
      response: await spool.finish(),
      startedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
      ...extra,
    });
  }

  it.each([false, true])('writes warcinfo, then response and request records an independent reader parses (gzip %s)', async (gzip) => {
    const small = Buffer.from('hello world');
    const large = randomBytes(700 * 1024); // past the in-memory spool: goes through a file
    const encoded = gzipSync(Buffer.from('<p>compressed on the wire</p>'));
    const { file } = await writeWarc(gzip, async (warc) => {
      await exchange(warc, small);
      await exchange(warc, large);
      await exchange(warc, encoded, {}, [['content-encoding', 'gzip']]);
    });
    const records = await readWarc(file);
    expect(records.map((r) => r.warcType)).toEqual(['warcinfo', 'response', 'request', 'response', 'request', 'response', 'request']);

    const responses = records.filter((r) => r.warcType === 'response');
    const requests = records.filter((r) => r.warcType === 'request');
    const payloads = [small, large, encoded];
    responses.forEach((response, i) => {
      const payload = payloads[i] as Buffer;
      expect(response.httpInfo?.statusCode).toBe('200');
      expect(response.warcTargetURI).toBe('http://127.0.0.1:8080/api/items?id=7');
      // The payload as it came on the wire: a gzip body stays gzip under its header.
      // node-warc splits on lines and keeps the first CRLF of the record's end in `content`
      // (the test above checks Content-Length byte for byte).
      expect(Buffer.compare(response.content ?? Buffer.alloc(0), Buffer.concat([payload, Buffer.from('\r\n')]))).toBe(0);
      expect(response.warcPayloadDigest).toBe(sha256b32(payload));
      expect(requests[i]?.warcConcurrentTo).toBe(response.warcRecordID);
    });
    expect(responses[2]?.httpInfo?.headers['content-encoding']).toBe('gzip');
  });

  it('states each record length and block digest truly (checked without a WARC library)', async () => {
    const { bytes } = await writeWarc(false, (warc) => exchange(warc, randomBytes(5000)));
    let offset = 0;
    let count = 0;
    while (offset < bytes.length) {
      const headerEnd = bytes.indexOf('\r\n\r\n', offset);
      const header = bytes.subarray(offset, headerEnd).toString();
      const length = Number(/Content-Length: (\d+)/.exec(header)?.[1]);
      const block = bytes.subarray(headerEnd + 4, headerEnd + 4 + length);
      expect(/WARC-Block-Digest: (\S+)/.exec(header)?.[1]).toBe(sha256b32(block));
      expect(bytes.subarray(headerEnd + 4 + length, headerEnd + 8 + length).toString()).toBe('\r\n\r\n');
      offset = headerEnd + 8 + length;
      count += 1;
    }
    expect(count).toBe(3);
  });

  it('writes one gzip member per record, so any record can be read on its own', async () => {
    const { bytes } = await writeWarc(true, async (warc) => {
      await exchange(warc, Buffer.from('a'));
      await exchange(warc, Buffer.from('b'));
    });
    // Node's gzip members start 1f 8b 08 00 00000000 (no name, no mtime).
    const starts: number[] = [];
    for (let i = bytes.indexOf(Buffer.from([0x1f, 0x8b, 8, 0])); i !== -1; i = bytes.indexOf(Buffer.from([0x1f, 0x8b, 8, 0]), i + 1))
      starts.push(i);
    const members = starts.map((start, i) => gunzipSync(bytes.subarray(start, starts[i + 1] ?? bytes.length)).toString('latin1'));
    expect(members).toHaveLength(5);
    expect(members.map((m) => /WARC-Type: (\w+)/.exec(m)?.[1])).toEqual(['warcinfo', 'response', 'request', 'response', 'request']);
  });

  it('redacts credentials and secret headers in request records, keeping their names', async () => {
    const { bytes } = await writeWarc(false, (warc) => exchange(warc, Buffer.from('x')));
    const text = bytes.toString('latin1');
    expect(text).not.toContain('s3cr3t-token');
    expect(text).not.toContain('k-123');
    expect(text).toContain('authorization: [redacted]');
    expect(text).toContain('x-api-key: [redacted]');
    expect(text).toContain('accept: application/json');
    expect(text).toContain('POST /api/items?id=7 HTTP/1.1');
    expect(text).toContain('{"id":7}');
  });

  it('marks a cut payload WARC-Truncated: length and a 304 as a server-not-modified revisit', async () => {
    const { file } = await writeWarc(false, async (warc) => {
      await exchange(warc, Buffer.from('partial'), { truncated: true });
      const spool = warc.spool(304, '', [['etag', '"v1"']]);
      await warc.writeExchange({
        request: { method: 'GET', url: new URL('http://127.0.0.1:8080/page'), headers: [['if-none-match', '"v1"']] },
        response: await spool.finish(),
        startedAt: Date.now(),
        notModified: true,
      });
    });
    const records = await readWarc(file);
    expect(records.find((r) => r.warcType === 'response')?.warcTruncated).toBe('length');
    const revisit = records.find((r) => r.warcType === 'revisit');
    expect(revisit?.warcProfile).toBe('http://netpreserve.org/warc/1.1/revisit/server-not-modified');
    expect(revisit?.httpInfo?.statusCode).toBe('304');
  });

  it('keeps a network-supplied header value from ending the record header', async () => {
    const { file } = await writeWarc(false, async (warc) => {
      const spool = warc.spool(200, '', [['x-evil', 'a\r\nWARC-Type: forged']]);
      await warc.writeExchange({
        request: { method: 'GET', url: new URL('http://127.0.0.1:8080/\r\nWARC-Type: forged'), headers: [] },
        response: await spool.finish(),
        startedAt: Date.now(),
      });
    });
    const records = await readWarc(file);
    expect(records.map((r) => r.warcType)).toEqual(['warcinfo', 'response', 'request']);
  });
});
