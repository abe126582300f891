import { once } from 'node:events';
import { Agent, request } from 'undici';
import { OriginPool } from '../../../src/fetch/origin-pool';
import { startLoopbackServer, type Handler, type LoopbackServer } from '../helpers/loopback-server';
import { runEngine } from '../helpers/run-engine';

/** An Agent whose per-origin dispatcher is an OriginPool of at most `maxConnections`. */
function poolAgent(maxConnections: number, keepAliveMs = 10_000): { agent: Agent; pools: OriginPool[] } {
  const pools: OriginPool[] = [];
  const agent = new Agent({
    factory: (origin) => {
      const pool = new OriginPool(origin, { keepAliveTimeout: keepAliveMs, keepAliveMaxTimeout: keepAliveMs }, maxConnections);
      pools.push(pool);
      return pool;
    },
  });
  return { agent, pools };
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
