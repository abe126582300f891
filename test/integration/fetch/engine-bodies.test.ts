import { createHash } from 'node:crypto';
import { brotliCompressSync, gzipSync, zstdCompressSync } from 'node:zlib';
import { runEngine } from '../helpers/run-engine';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

const MIB = 1024 * 1024;
const text = Buffer.from('fanout '.repeat(5000));
const bomb = Buffer.alloc(64 * MIB); // zeros: compresses to a few tens of KiB
const COMPRESSED = {
  gzip: { small: gzipSync(text), bomb: gzipSync(bomb) },
  br: { small: brotliCompressSync(text), bomb: brotliCompressSync(bomb) },
  zstd: { small: zstdCompressSync(text), bomb: zstdCompressSync(bomb) },
} as const;

describe('engine bodies', () => {
  let server: LoopbackServer;
  let endlessClosedAfter = -1;
  let allowNet: string[];

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      const [, kind, arg] = (req.url ?? '/').split('/');
      if (kind === 'sized') {
        const body = Buffer.alloc(Number(arg), 'a');
        res.writeHead(200, { 'content-length': body.length, 'content-type': 'text/plain', etag: '"v1"' });
        res.end(body);
      } else if (kind === 'chunked') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const piece = Buffer.alloc(64 * 1024, 'b');
        let left = Number(arg);
        const pump = (): void => {
          while (left > 0) {
            left--;
            if (!res.write(piece)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      } else if (kind === 'endless') {
        res.writeHead(200, { 'content-encoding': arg === 'gzip' ? 'gzip' : 'identity' });
        const piece = arg === 'gzip' ? gzipSync(Buffer.alloc(MIB)) : Buffer.alloc(64 * 1024, 'e');
        const started = Date.now();
        const pump = (): void => {
          while (!res.destroyed && Date.now() - started < 10_000) {
            if (!res.write(piece)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.once('close', () => (endlessClosedAfter = Date.now() - started));
        pump();
      } else if (kind === 'corrupt') {
        res.writeHead(200, { 'content-encoding': String(arg) });
        res.end('this is not compressed at all, sorry');
      } else if (kind === 'enc') {
        const [encoding, which] = (arg ?? '').split('-') as [keyof typeof COMPRESSED, 'small' | 'bomb'];
        res.writeHead(200, { 'content-encoding': encoding });
        res.end(COMPRESSED[encoding][which]);
      } else {
        res.end();
      }
    });
    allowNet = [`127.0.0.1:${server.port}`];
  });
  afterAll(() => server.close());

  it('reports length, sha256 and the documented headers of a body', async () => {
    const { results } = await runEngine([`${server.origin}/sized/1000`], { allowNet });
    expect(results[0]).toMatchObject({
      ok: true,
      bytes: 1000,
      sha256: createHash('sha256').update(Buffer.alloc(1000, 'a')).digest('hex'),
      headers: { 'content-length': '1000', 'content-type': 'text/plain', etag: '"v1"' },
    });
  });

  it('skips hashing when hashing is off', async () => {
    const { results } = await runEngine([`${server.origin}/sized/10`], { allowNet, hash: false });
    expect(results[0]).toMatchObject({ ok: true, bytes: 10, sha256: null });
  });

  it('refuses a body whose declared length is over the cap without reading it', async () => {
    const { results } = await runEngine([`${server.origin}/sized/${2 * MIB}`], { allowNet, maxBytes: MIB });
    expect(results[0]).toMatchObject({ ok: false, status: 200, bytes: 0, error: { code: 'TOO_LARGE' } });
  });

  it('stops a chunked body at the cap', async () => {
    const { results } = await runEngine([`${server.origin}/chunked/64`], { allowNet, maxBytes: MIB });
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'TOO_LARGE' } });
    expect(results[0]?.bytes).toBeLessThanOrEqual(MIB);
  });

  it.each(['identity', 'gzip'])('hangs up on an endless %s body once past the cap', async (encoding) => {
    endlessClosedAfter = -1;
    const { results } = await runEngine([`${server.origin}/endless/${encoding}`], { allowNet, maxBytes: MIB, retries: 0 });
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'TOO_LARGE' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(endlessClosedAfter).toBeGreaterThanOrEqual(0);
    expect(endlessClosedAfter).toBeLessThan(2000);
  });

  it.each(['gzip', 'br', 'zstd'])('decodes %s and hashes the decoded bytes', async (encoding) => {
    const { results, bodies } = await runEngine([`${server.origin}/enc/${encoding}-small`], { allowNet, keepBodies: true });
    expect(results[0]).toMatchObject({
      ok: true,
      bytes: text.length,
      sha256: createHash('sha256').update(text).digest('hex'),
    });
    expect(bodies[0]?.equals(text)).toBe(true);
  });

  it.each(['gzip', 'deflate', 'br', 'zstd'])('reports a body that does not decode as %s as BAD_RESPONSE', async (encoding) => {
    const { results } = await runEngine([`${server.origin}/corrupt/${encoding}`], { allowNet, retries: 0 });
    expect(results[0]).toMatchObject({ ok: false, status: 200, sha256: null, error: { code: 'BAD_RESPONSE' } });
  });

  it.each(['gzip', 'br', 'zstd'])('stops a %s bomb at the decoded cap', async (encoding) => {
    const { results } = await runEngine([`${server.origin}/enc/${encoding}-bomb`], { allowNet, maxBytes: MIB });
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'TOO_LARGE' } });
    expect(results[0]?.bytes).toBeLessThanOrEqual(MIB);
  });
});
