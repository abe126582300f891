import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { listenOnLoopback, type LoopbackListener } from '../../support/listen-loopback';
import { runEngine } from '../helpers/run-engine';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

const BODY = Buffer.from('fanout edges '.repeat(200));
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Raw HTTP/1.1 over `net`, for what `http.createServer` will not send. */
function rawResponse(socket: Socket, path: string): void {
  const head = (lines: string[]): string => `${lines.join('\r\n')}\r\n\r\n`;
  if (path === '/early-then-ok') {
    // 103 at once; the final answer after the body-idle limit, within the headers limit.
    socket.write(head(['HTTP/1.1 103 Early Hints', 'Link: </style.css>; rel=preload']));
    setTimeout(() => socket.end(head(['HTTP/1.1 200 OK', 'Content-Length: 5', 'Connection: close']) + 'hello'), 300);
  } else if (path === '/early-then-nothing') {
    socket.write(head(['HTTP/1.1 103 Early Hints', 'Link: </style.css>; rel=preload']));
  } else if (path === '/huge-headers') {
    socket.write('HTTP/1.1 200 OK\r\n');
    for (let i = 0; i < 200; i++) socket.write(`X-Filler-${i}: ${'a'.repeat(1000)}\r\n`);
    socket.end('Content-Length: 2\r\n\r\nhi');
  } else if (path === '/endless-trailers') {
    socket.write(head(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked']).slice(0, -2) + '\r\n2\r\nhi\r\n0\r\n');
    const pump = (): void => {
      while (socket.writable && socket.write(`X-Trailer: ${'t'.repeat(1000)}\r\n`));
      if (socket.writable) socket.once('drain', pump);
    };
    pump();
  } else {
    socket.end(head(['HTTP/1.1 404 Not Found', 'Content-Length: 0', 'Connection: close']));
  }
}

describe('engine HTTP edges', () => {
  let raw: LoopbackListener;
  let server: LoopbackServer;
  let allowNet: string[];

  beforeAll(async () => {
    const rawServer = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', (data) => rawResponse(socket, data.toString('latin1').split(' ')[1] ?? '/'));
    });
    raw = await listenOnLoopback(rawServer);
    server = await startLoopbackServer((req, res) => {
      const [, kind, arg] = (req.url ?? '/').split('/');
      if (kind === 'redirect-big-body') {
        res.writeHead(302, { location: '/plain', 'content-type': 'text/html' });
        res.end(Buffer.alloc(200 * 1024, 'r'));
      } else if (kind === 'coded') {
        const header = decodeURIComponent(arg ?? '');
        let body = BODY;
        for (const coding of header.split(',').map((c) => c.trim().toLowerCase())) {
          if (coding === 'gzip' || coding === 'x-gzip') body = gzipSync(body);
          else if (coding === 'br') body = brotliCompressSync(body);
        }
        res.writeHead(200, { 'content-encoding': header });
        res.end(body);
      } else {
        res.end(BODY);
      }
    });
    allowNet = [`127.0.0.1:${raw.port}`, `127.0.0.1:${server.port}`];
  });
  afterAll(async () => {
    await raw.close();
    await server.close();
  });

  it('ignores a 103 Early Hints and reads the final response, the body-idle timer not started by it', async () => {
    const { results } = await runEngine([`${raw.origin}/early-then-ok`], { allowNet, headersTimeoutMs: 2000, bodyTimeoutMs: 100 });
    expect(results[0]).toMatchObject({ ok: true, status: 200, bytes: 5, error: null });
  });

  it('keeps the headers timer running after a 1xx: no final response is TIMEOUT_HEADERS', async () => {
    const { results } = await runEngine([`${raw.origin}/early-then-nothing`], {
      allowNet,
      headersTimeoutMs: 200,
      bodyTimeoutMs: 5000,
      timeoutMs: 3000,
      retries: 0,
    });
    expect(results[0]).toMatchObject({ ok: false, status: null, error: { code: 'TIMEOUT_HEADERS' } });
  });

  it('follows a redirect whatever the size of its body', async () => {
    const { results } = await runEngine([`${server.origin}/redirect-big-body`], { allowNet });
    expect(results[0]).toMatchObject({ ok: true, status: 200, finalUrl: `${server.origin}/plain`, sha256: sha256(BODY) });
  });

  it.each([
    ['gzip, gzip', 'twice'],
    ['gzip, br', 'gzip then brotli'],
    ['x-gzip', 'x-gzip'],
    ['identity, gzip', 'identity and gzip'],
    ['GZIP', 'in capitals'],
  ])('decodes content-encoding %j (%s) back to the body', async (header) => {
    const { results } = await runEngine([`${server.origin}/coded/${encodeURIComponent(header)}`], { allowNet });
    expect(results[0]).toMatchObject({ ok: true, bytes: BODY.length, sha256: sha256(BODY) });
  });

  it.each(['constructor', 'toString', 'compress', 'gzip, foo', 'identity, snappy'])(
    'reports content-encoding %j as BAD_RESPONSE, never ok with encoded bytes',
    async (header) => {
      const { results } = await runEngine([`${server.origin}/coded/${encodeURIComponent(header)}`], { allowNet, retries: 0 });
      expect(results[0]).toMatchObject({ ok: false, sha256: null, error: { code: 'BAD_RESPONSE' } });
      expect(results[0]?.error?.message).toMatch(/unsupported content-encoding/);
    },
  );

  it.each(['/huge-headers', '/endless-trailers'])('reports %s as BAD_RESPONSE', async (path) => {
    const { results } = await runEngine([`${raw.origin}${path}`], { allowNet, retries: 0 });
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'BAD_RESPONSE' } });
  });
});
