import { createServer } from 'node:net';
import { resolveEngineConfig, type EngineConfigInput } from '../../../src/config/engine-config';
import { BadRequestError } from '../../../src/errors';
import { createEngine } from '../../../src/fetch/engine';
import type { FetchResult } from '../../../src/fetch/result';
import type { RunOptions, UrlInput } from '../../../src/fetch/types';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server';
import { loopbackOnlyDialer } from '../helpers/safe-network';

type Input = Omit<UrlInput, 'line'>;

/** Runs the engine (loopback-only dialer) over request inputs; results in input order. */
async function run(
  inputs: readonly Input[],
  config: EngineConfigInput,
  options: Omit<RunOptions, 'onResult'> = {},
): Promise<FetchResult[]> {
  const safe = loopbackOnlyDialer();
  const engine = createEngine(resolveEngineConfig({ retryBaseMs: 10, ...config }), { dial: safe.dial });
  const results: FetchResult[] = [];
  try {
    await engine.run(
      inputs.map((input, i) => ({ ...input, line: i + 1 })),
      { ...options, onResult: (result) => void (results[result.line - 1] = result) },
    );
  } finally {
    await engine.close();
  }
  expect(safe.refused).toEqual([]);
  return results;
}

describe('engine requests: methods, headers, bodies', () => {
  let server: RecordingServer;
  let allowNet: string[];

  beforeAll(async () => {
    server = await startRecordingServer((request, res) => {
      const path = request.path;
      if (path.startsWith('/redirect/')) {
        const [, , status, ...rest] = path.split('/');
        res.writeHead(Number(status), { location: `/${rest.join('/')}` });
        res.end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-answer', 'yes');
      res.end(JSON.stringify({ method: request.method, path }));
    });
    allowNet = [`127.0.0.1:${server.port}`];
  });
  afterAll(() => server.close());
  beforeEach(() => server.received.splice(0));

  it('sends the method, headers and byte-exact body of each input, and echoes meta', async () => {
    const body = Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 0x41]);
    const results = await run(
      [
        {
          url: `${server.origin}/post`,
          request: { method: 'POST', headers: { 'x-token': 't1', 'content-type': 'application/octet-stream' }, body },
          meta: { id: 7, tags: ['a'] },
        },
        { url: `${server.origin}/put`, request: { method: 'PUT', body: Buffer.from('{"a":1}') } },
        { url: `${server.origin}/delete`, request: { method: 'DELETE' } },
        { url: `${server.origin}/options`, request: { method: 'OPTIONS' } },
        { url: `${server.origin}/get`, request: { headers: { accept: 'application/json', 'user-agent': 'mine/1' } } },
      ],
      { allowNet },
    );
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true]);
    const post = server.to('/post')[0];
    expect(post?.method).toBe('POST');
    expect(post?.body.equals(body)).toBe(true);
    expect(post?.headers['x-token']).toBe('t1');
    expect(post?.headers['content-type']).toBe('application/octet-stream');
    expect(post?.headers['content-length']).toBe(String(body.length));
    expect(results[0]).toMatchObject({ method: 'POST', meta: { id: 7, tags: ['a'] } });
    expect(server.to('/put')[0]?.body.toString()).toBe('{"a":1}');
    expect(server.to('/delete')[0]?.method).toBe('DELETE');
    expect(server.to('/options')[0]?.method).toBe('OPTIONS');
    const get = server.to('/get')[0];
    expect(get?.headers).toMatchObject({ accept: 'application/json', 'user-agent': 'mine/1' });
    expect(results[4]).not.toHaveProperty('method');
    expect(results[4]).not.toHaveProperty('meta');
  });

  it('records a HEAD as ok with 0 bytes', async () => {
    const [result] = await run([{ url: `${server.origin}/head`, request: { method: 'HEAD' } }], { allowNet });
    expect(result).toMatchObject({ ok: true, status: 200, bytes: 0, method: 'HEAD' });
    expect(server.to('/head')[0]?.method).toBe('HEAD');
  });

  it('reports a rejected input as its own record and sends nothing for it', async () => {
    const results = await run(
      [{ url: '', rejected: new BadRequestError('line is not valid JSON'), meta: 1 }, { url: `${server.origin}/after` }],
      { allowNet },
    );
    expect(results[0]).toMatchObject({ ok: false, attempts: 0, error: { code: 'BAD_REQUEST', message: 'line is not valid JSON' } });
    expect(results[1]?.ok).toBe(true);
    expect(server.received.map((r) => r.path)).toEqual(['/after']);
  });

  describe('redirects', () => {
    const postBody = Buffer.from('a=1&b=2');
    const post = (path: string, method = 'POST'): Input => ({
      url: `${server.origin}${path}`,
      request: { method, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-keep': 'k' }, body: postBody },
    });

    it.each([301, 302, 303])('turns a POST into a GET without its body after a %i', async (status) => {
      const [result] = await run([post(`/redirect/${status}/after-${status}`)], { allowNet });
      expect(result).toMatchObject({ ok: true, finalUrl: `${server.origin}/after-${status}` });
      const hop = server.to(`/after-${status}`)[0];
      expect(hop?.method).toBe('GET');
      expect(hop?.body.length).toBe(0);
      expect(hop?.headers['content-type']).toBeUndefined();
      expect(hop?.headers['content-length']).toBeUndefined();
      expect(hop?.headers['x-keep']).toBe('k');
    });

    it.each([307, 308])('keeps the method and body after a %i', async (status) => {
      const [result] = await run([post(`/redirect/${status}/kept-${status}`)], { allowNet });
      expect(result?.ok).toBe(true);
      const hop = server.to(`/kept-${status}`)[0];
      expect(hop?.method).toBe('POST');
      expect(hop?.body.equals(postBody)).toBe(true);
      expect(hop?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    });

    it('turns a PUT into a GET after a 303 but keeps it after a 302; a HEAD stays a HEAD after a 303', async () => {
      await run(
        [
          post('/redirect/303/put-303', 'PUT'),
          post('/redirect/302/put-302', 'PUT'),
          { url: `${server.origin}/redirect/303/head-303`, request: { method: 'HEAD' } },
        ],
        { allowNet },
      );
      expect(server.to('/put-303')[0]?.method).toBe('GET');
      expect(server.to('/put-302')[0]?.method).toBe('PUT');
      expect(server.to('/put-302')[0]?.body.equals(postBody)).toBe(true);
      expect(server.to('/head-303')[0]?.method).toBe('HEAD');
    });
  });
});

describe('engine requests: credentials on redirects', () => {
  let first: RecordingServer;
  let other: RecordingServer;
  let allowNet: string[];
  // Random values: finding one where it must not be is a leak, not a coincidence.
  const secret = (): string => `s-${Math.random().toString(36).slice(2)}-${Date.now()}`;

  beforeAll(async () => {
    other = await startRecordingServer((request, res) => {
      if (request.path.startsWith('/back')) {
        res.writeHead(302, { location: `${first.origin}/home-again` });
        res.end();
        return;
      }
      res.end('other');
    });
    first = await startRecordingServer((request, res) => {
      if (request.path === '/to-other') res.writeHead(307, { location: `${other.origin}/landing` });
      else if (request.path === '/to-other-and-back') res.writeHead(302, { location: `${other.origin}/back` });
      else if (request.path === '/same-origin') res.writeHead(302, { location: '/landing' });
      res.end('first');
    });
    allowNet = [`127.0.0.1:${first.port}`, `127.0.0.1:${other.port}`];
  });
  afterAll(async () => {
    await first.close();
    await other.close();
  });
  beforeEach(() => {
    first.received.splice(0);
    other.received.splice(0);
  });

  function credentials(): Record<string, string> {
    return {
      authorization: `Bearer ${secret()}`,
      cookie: `session=${secret()}`,
      'proxy-authorization': `Basic ${secret()}`,
      'x-api-key': secret(),
      'x-trace': 'trace-1',
    };
  }

  it('drops Authorization, Cookie, Proxy-Authorization and secret headers on a hop to another origin', async () => {
    const headers = credentials();
    const [result] = await run(
      [{ url: `${first.origin}/to-other`, request: { method: 'POST', headers, body: Buffer.from('x'), secretHeaders: ['x-api-key'] } }],
      { allowNet },
    );
    expect(result?.ok).toBe(true);
    const sent = first.to('/to-other')[0]?.headers;
    expect(sent).toMatchObject(headers);
    const landed = other.to('/landing')[0];
    expect(landed?.method).toBe('POST');
    for (const name of ['authorization', 'cookie', 'proxy-authorization', 'x-api-key']) expect(landed?.headers[name]).toBeUndefined();
    expect(landed?.headers['x-trace']).toBe('trace-1');
    const raw = JSON.stringify(other.received);
    for (const name of ['authorization', 'cookie', 'proxy-authorization', 'x-api-key']) {
      expect(raw).not.toContain(headers[name] as string);
    }
  });

  it('keeps them on a same-origin hop', async () => {
    const headers = credentials();
    await run([{ url: `${first.origin}/same-origin`, request: { headers, secretHeaders: ['x-api-key'] } }], { allowNet });
    expect(first.to('/landing')[0]?.headers).toMatchObject(headers);
  });

  it('does not send them again when a later hop comes back to the first origin', async () => {
    const headers = credentials();
    const [result] = await run([{ url: `${first.origin}/to-other-and-back`, request: { headers } }], { allowNet });
    expect(result).toMatchObject({ ok: true, finalUrl: `${first.origin}/home-again` });
    const again = first.to('/home-again')[0];
    expect(again?.headers.authorization).toBeUndefined();
    expect(again?.headers.cookie).toBeUndefined();
  });
});

describe('engine requests: retries of unsafe methods', () => {
  let server: RecordingServer;
  let allowNet: string[];

  beforeAll(async () => {
    server = await startRecordingServer((request, res, req) => {
      const path = request.path;
      if (path.startsWith('/reset')) {
        req.socket.destroy();
        return;
      }
      if (path.startsWith('/once/') && server.to(path).length === 1) {
        const [, , status, retryAfter] = path.split('/');
        if (retryAfter !== undefined) res.setHeader('retry-after', retryAfter);
        res.statusCode = Number(status);
      } else if (path.startsWith('/status/')) {
        const [, , status, retryAfter] = path.split('/');
        if (retryAfter !== undefined) res.setHeader('retry-after', retryAfter);
        res.statusCode = Number(status);
      }
      res.end('ok');
    });
    allowNet = [`127.0.0.1:${server.port}`];
  });
  afterAll(() => server.close());
  beforeEach(() => server.received.splice(0));

  const post = (path: string, method = 'POST'): Input => ({
    url: `${server.origin}${path}`,
    request: { method, body: Buffer.from('charge=1') },
  });

  it('does not send a POST or PATCH again after the server may have acted on it', async () => {
    const results = await run([post('/reset/post'), post('/reset/patch', 'PATCH'), post('/status/500/x'), post('/status/502/y')], {
      allowNet,
      retries: 2,
    });
    expect(results.map((r) => [r.error?.code, r.attempts])).toEqual([
      ['CONNECTION_RESET', 1],
      ['CONNECTION_RESET', 1],
      ['HTTP_STATUS', 1],
      ['HTTP_STATUS', 1],
    ]);
    expect(server.received.map((r) => r.path).sort()).toEqual(['/reset/patch', '/reset/post', '/status/500/x', '/status/502/y']);
  });

  it('retries them like a GET with retryUnsafe, and retries a PUT or GET anyway', async () => {
    const results = await run([post('/reset/post'), post('/reset/put', 'PUT'), { url: `${server.origin}/reset/get` }], {
      allowNet,
      retries: 2,
    });
    expect(results.map((r) => r.attempts)).toEqual([1, 3, 3]);
    const unsafe = await run([post('/reset/post-again')], { allowNet, retries: 2 }, { retryUnsafe: true });
    expect(unsafe[0]?.attempts).toBe(3);
    expect(server.to('/reset/post-again')).toHaveLength(3);
  });

  it('retries a POST the server says it did not act on: 408, 425, 429, 503 with Retry-After; not a bare 503', async () => {
    const results = await run([post('/once/408'), post('/once/425'), post('/once/429/0'), post('/once/503/0'), post('/once/503')], {
      allowNet,
      retries: 1,
    });
    expect(results.map((r) => [r.status, r.attempts])).toEqual([
      [200, 2],
      [200, 2],
      [200, 2],
      [200, 2],
      [503, 1],
    ]);
    expect(server.to('/once/503')).toHaveLength(1);
  });

  it('retries a POST whose connection failed before a byte was written', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const [result] = await run([{ url: `http://127.0.0.1:${port}/x`, request: { method: 'POST', body: Buffer.from('a') } }], {
      allowNet: [`127.0.0.1:${port}`],
      retries: 2,
      maxHostErrors: 0,
    });
    expect(result).toMatchObject({ error: { code: 'CONNECT' }, attempts: 3 });
  });

  it('never re-sends a POST silently on a kept-alive connection the server closed', async () => {
    // The first request leaves an idle kept-alive connection; the POST goes on it and the server drops it.
    const results = await run([{ url: `${server.origin}/warm` }, post('/reset/reused')], { allowNet, concurrency: 1, perHost: 1 });
    expect(results[0]?.ok).toBe(true);
    expect(results[1]).toMatchObject({ error: { code: 'CONNECTION_RESET' }, attempts: 1 });
    expect(server.to('/reset/reused')).toHaveLength(1);
  });
});
