import { runEngine } from '../helpers/run-engine';
import { fakeResolver } from '../helpers/safe-network';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

describe('engine limits', () => {
  let server: LoopbackServer;
  const perHost = new Map<string, { now: number; max: number }>();

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      const host = String(req.headers.host).split(':')[0] as string;
      const entry = perHost.get(host) ?? { now: 0, max: 0 };
      entry.now++;
      entry.max = Math.max(entry.max, entry.now);
      perHost.set(host, entry);
      setTimeout(() => {
        entry.now--;
        res.end('ok');
      }, 15);
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    perHost.clear();
    server.stats.maxInFlight = 0;
  });

  it('never has more requests in flight than the concurrency cap, and reaches it', async () => {
    const urls = Array.from({ length: 300 }, (_, i) => `${server.origin}/item/${i}`);
    const { summary } = await runEngine(urls, { concurrency: 12, perHost: 100, allowNet: [`127.0.0.1:${server.port}`] });
    expect(summary.ok).toBe(300);
    expect(server.stats.maxInFlight).toBeLessThanOrEqual(12);
    expect(server.stats.maxInFlight).toBe(12);
  });

  it('caps each host separately while other hosts use the spare slots', async () => {
    const hosts = ['a.test', 'b.test', 'c.test'];
    const urls = Array.from({ length: 240 }, (_, i) => `http://${hosts[i % 3]}:${server.port}/x/${i}`);
    const { summary } = await runEngine(
      urls,
      { concurrency: 20, perHost: 3, allowNet: hosts.map((h) => `${h}:${server.port}`) },
      { resolve: fakeResolver(Object.fromEntries(hosts.map((h) => [h, ['127.0.0.1']]))) },
    );
    expect(summary.ok).toBe(240);
    for (const host of hosts) {
      expect(perHost.get(host)?.max).toBeLessThanOrEqual(3);
      expect(perHost.get(host)?.max).toBe(3);
    }
    expect(server.stats.maxInFlight).toBe(9);
  });

  it('returns one result per input, in any order, each carrying its line', async () => {
    const urls = Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 'not a url' : `${server.origin}/n/${i}`));
    const { results, summary } = await runEngine(urls, { concurrency: 8, perHost: 8, allowNet: [`127.0.0.1:${server.port}`] });
    expect(results).toHaveLength(100);
    expect(results.every((r, i) => r !== undefined && r.line === i + 1 && r.url === urls[i])).toBe(true);
    expect(summary).toMatchObject({ total: 100, ok: 90, failed: 10, errors: { BAD_URL: 10 } });
  });
});
