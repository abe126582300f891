import { once } from 'node:events';
import { createServer } from 'node:net';
import { Agent, request } from 'undici';
import { OriginPool } from '../../../../src/fetch/pool/origin-pool';
import type { Connection } from '../../../../src/fetch/pool/pooled-request';
import { SocketBudget } from '../../../../src/fetch/pool/socket-budget';
import { listenOnLoopback, type LoopbackListener } from '../../../support/listen-loopback';
import { startLoopbackServer, type Handler, type LoopbackServer } from '../../helpers/loopback-server';
import { runEngine } from '../../helpers/run-engine';

/** An Agent whose per-origin dispatcher is an OriginPool of at most `maxConnections`. */
function poolAgent(maxConnections: number, keepAliveMs = 10_000): { agent: Agent; pools: OriginPool[] } {
  const pools: OriginPool[] = [];
  const budget = new SocketBudget<Connection>(10_000, () => false);
  const agent = new Agent({
    factory: (origin) => {
      const options = { keepAliveTimeout: keepAliveMs, keepAliveMaxTimeout: keepAliveMs };
      const pool = new OriginPool(origin, options, maxConnections, budget);
      pools.push(pool);
      return pool;
    },
  });
  return { agent, pools };
}

/**
 * A raw HTTP/1.1 server on 127.0.0.1 that answers `200 ok` with keep-alive, except
 * that `closeOn(n)` (n: the request's number on its connection, from 1) decides to
 * close the connection on receiving it, without an answer.
 */
async function startClosingServer(
  closeOn: (n: number) => boolean,
): Promise<LoopbackListener & { stats: { requests: number; connections: number } }> {
  const stats = { requests: 0, connections: 0 };
  const server = createServer((socket) => {
    stats.connections++;
    let n = 0;
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
        pending = pending.slice(end + 4);
        stats.requests++;
        n++;
        if (closeOn(n)) {
          socket.destroy();
          return;
        }
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok');
      }
    });
    socket.on('error', () => socket.destroy());
  });
  return { ...(await listenOnLoopback(server)), stats };
}

async function get(agent: Agent, url: string): Promise<string> {
  const res = await request(url, { dispatcher: agent });
  return `${res.statusCode} ${await res.body.text()}`;
}

describe('OriginPool', () => {
  let server: LoopbackServer;
  let handler: Handler;

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => handler(req, res));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.stats.connections = 0;
    server.stats.requests = 0;
    server.stats.maxInFlight = 0;
    handler = (req, res) => setTimeout(() => res.end(req.url), 5);
  });

  it('gives the engine one connection per request in flight: the next URL goes out on the connection that just answered', async () => {
    const urls = Array.from({ length: 400 }, (_, i) => `${server.origin}/item/${i}`);
    const { summary } = await runEngine(urls, { concurrency: 8, perHost: 8, allowNet: [`127.0.0.1:${server.port}`] });
    expect(summary.ok).toBe(400);
    expect(server.stats.maxInFlight).toBe(8);
    // undici's Pool, with room for 16, opened more: the connection that had just
    // answered was still busy when the next request was dispatched.
    expect(server.stats.connections).toBe(8);
  });

  it('sends a GET again on another connection when a reused one turns out closed, and only then', async () => {
    // The second request on every connection meets a server closing it: the race
    // every keep-alive client meets when a server drops an idle connection.
    const closing = await startClosingServer((n) => n === 2);
    try {
      const { agent } = poolAgent(4);
      try {
        expect(await get(agent, `${closing.origin}/one`)).toBe('200 ok');
        await new Promise((resolve) => setTimeout(resolve, 10)); // undici hands the connection back
        expect(await get(agent, `${closing.origin}/two`)).toBe('200 ok'); // reused, closed, sent again
        expect(closing.stats).toEqual({ requests: 3, connections: 2 });
      } finally {
        await agent.close();
      }
    } finally {
      await closing.close();
    }
  });

  it('does not send again what failed on a fresh connection', async () => {
    const closing = await startClosingServer(() => true);
    try {
      const { results } = await runEngine([`${closing.origin}/x`], { retries: 0, allowNet: [`127.0.0.1:${closing.port}`] });
      expect(results[0]?.error?.code).toBe('CONNECTION_RESET');
      expect(closing.stats).toEqual({ requests: 1, connections: 1 });
    } finally {
      await closing.close();
    }
  });

  it('loses no URL to a server that closes after each answer without saying so, and stops queueing on its connections', async () => {
    handler = (req, res) => {
      res.setHeader('connection', 'keep-alive');
      res.end('ok', () => setImmediate(() => req.socket.end()));
    };
    const urls = Array.from({ length: 300 }, (_, i) => `${server.origin}/x/${i}`);
    const { summary } = await runEngine(urls, { concurrency: 8, perHost: 8, retries: 0, allowNet: [`127.0.0.1:${server.port}`] });
    expect(summary.ok).toBe(300);
    // A few requests queued at a response's end went out before the pool learnt
    // that this server closes its connections, and were sent again; then no more.
    expect(server.stats.requests).toBeLessThanOrEqual(300 + 8);
  });

  it('makes requests past maxConnections wait for a free connection, in order', async () => {
    const { agent } = poolAgent(1);
    try {
      const bodies = await Promise.all([1, 2, 3].map((n) => get(agent, `${server.origin}/n${n}`)));
      expect(bodies).toEqual(['200 /n1', '200 /n2', '200 /n3']);
      expect(server.stats.connections).toBe(1);
      expect(server.stats.maxInFlight).toBe(1);
    } finally {
      await agent.close();
    }
  });

  it('opens a new connection for waiting requests when the only one is lost', async () => {
    handler = (req, res) => {
      if (req.url === '/reset') req.socket.destroy();
      else setTimeout(() => res.end(req.url), 5);
    };
    const { agent } = poolAgent(1);
    try {
      const outcomes = await Promise.allSettled(['/reset', '/a', '/b'].map((path) => get(agent, `${server.origin}${path}`)));
      expect(outcomes[0]?.status).toBe('rejected');
      expect(outcomes.slice(1)).toEqual([
        { status: 'fulfilled', value: '200 /a' },
        { status: 'fulfilled', value: '200 /b' },
      ]);
      expect(server.stats.connections).toBe(2);
    } finally {
      await agent.close();
    }
  });

  it('disconnects once its last idle connection has closed, and the Agent then drops it', async () => {
    const { agent, pools } = poolAgent(4, 50);
    try {
      expect(await get(agent, `${server.origin}/first`)).toBe('200 /first');
      const pool = pools[0]!;
      expect(pool.connections).toBe(1);
      await once(pool, 'disconnect'); // the keep-alive timeout closed the idle connection
      expect(pool.connections).toBe(0);
      expect(pool.closed).toBe(true); // closed by the Agent, which forgot it
      expect(await get(agent, `${server.origin}/again`)).toBe('200 /again');
      expect(pools).toHaveLength(2);
    } finally {
      await agent.close();
    }
  });

  it('lets accepted requests finish on close, and refuses new ones', async () => {
    const { agent, pools } = poolAgent(1);
    const pending = [1, 2, 3].map((n) => get(agent, `${server.origin}/c${n}`));
    await new Promise((resolve) => setImmediate(resolve));
    const pool = pools[0]!;
    await pool.close();
    expect(await Promise.all(pending)).toEqual(['200 /c1', '200 /c2', '200 /c3']);
    expect(pool.connections).toBe(0);
    const refused = await new Promise<Error | null>((resolve) => {
      pool.dispatch(
        { origin: server.origin, path: '/late', method: 'GET' },
        { onResponseError: (_controller, error) => resolve(error), onResponseEnd: () => resolve(null) },
      );
    }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ name: 'ClientClosedError' });
    await agent.close();
  });

  it('fails in-flight and waiting requests on destroy', async () => {
    handler = () => undefined; // never answers
    const { agent } = poolAgent(1);
    const settled = Promise.allSettled([1, 2, 3].map((n) => get(agent, `${server.origin}/d${n}`)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await agent.destroy(new Error('shutting down'));
    const outcomes = await settled;
    expect(outcomes).toEqual([1, 2, 3].map(() => ({ status: 'rejected', reason: expect.objectContaining({ message: 'shutting down' }) })));
  });
});
