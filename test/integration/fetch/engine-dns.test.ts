import { startLoopbackDnsServer, type DnsAnswerer, type LoopbackDnsServer } from '../../support/loopback-dns-server';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';
import { runEngine } from '../helpers/run-engine';

/**
 * Name resolution as a phase of its own. Every name here is answered by a DNS
 * server of the test's own on 127.0.0.1 (`dnsServers`), and every address it gives
 * is loopback; the loopback-only dialer refuses anything else.
 */
describe('engine DNS', () => {
  let server: LoopbackServer;
  let dns: LoopbackDnsServer | undefined;

  beforeAll(async () => {
    server = await startLoopbackServer((_req, res) => setTimeout(() => res.end('ok'), 5));
  });
  afterAll(() => server.close());
  afterEach(async () => {
    await dns?.close();
    dns = undefined;
  });

  async function withDns(answer: DnsAnswerer): Promise<LoopbackDnsServer> {
    dns = await startLoopbackDnsServer(answer);
    return dns;
  }

  const allow = (names: readonly string[]): string[] => names.map((name) => `${name}:${server.port}`);

  it('looks each name up once, shared by every request for it, and records timings.dns', async () => {
    const server1 = await withDns(() => ({ addresses: ['127.0.0.1'], ttl: 300, delayMs: 30 }));
    const names = Array.from({ length: 50 }, (_, i) => `h${i}.test`);
    // A host's URLs spread through the input, as in a real list.
    const urls = Array.from({ length: 200 }, (_, i) => `http://${names[i % 50]}:${server.port}/${i}`);
    const { results, summary } = await runEngine(urls, {
      concurrency: 20,
      perHost: 2,
      allowNet: allow(names),
      dnsServers: [server1.address],
    });
    expect(summary.ok).toBe(200);
    for (const name of names) {
      expect(server1.queries.get(`A ${name}`)).toBe(1);
      expect(server1.queries.get(`AAAA ${name}`)).toBe(1);
    }
    expect(results.every((r) => typeof r.timings.dns === 'number')).toBe(true);
    // The URL that asked for a name waited for its one 30 ms answer. (Later URLs of that
    // name may be read while the lookup is already under way, and so wait less.)
    for (const name of names) {
      const waits = results.filter((r) => new URL(r.url).hostname === name).map((r) => r.timings.dns ?? 0);
      expect(Math.max(...waits)).toBeGreaterThanOrEqual(25);
    }
  });

  it('fails names whose DNS never answers with TIMEOUT_DNS, without holding up healthy hosts behind them', async () => {
    const server1 = await withDns((name) => (name.startsWith('dead') ? 'drop' : { addresses: ['127.0.0.1'], delayMs: 150 }));
    const dead = Array.from({ length: 6 }, (_, i) => `dead${i}.test`);
    const healthy = Array.from({ length: 30 }, (_, i) => `ok${i}.test`);
    const urls = [...dead, ...healthy].map((name) => `http://${name}:${server.port}/`);
    const { results } = await runEngine(urls, {
      concurrency: 6,
      retries: 0,
      // Shorter than the healthy names' 150 ms lookups: the connect timer must not include them.
      connectTimeoutMs: 100,
      dnsTimeoutMs: 400,
      allowNet: allow([...dead, ...healthy]),
      dnsServers: [server1.address],
    });
    expect(results.slice(0, 6).map((r) => r.error?.code)).toEqual(Array(6).fill('TIMEOUT_DNS'));
    expect(results.slice(6).map((r) => r.error?.code ?? 'ok')).toEqual(Array(30).fill('ok'));
    expect(results[0]).toMatchObject({ attempts: 1, timings: { connect: null } });
  });

  it('retries a temporary failure (SERVFAIL) and does not retry or re-ask a name that does not exist', async () => {
    let servfails = 1;
    const server1 = await withDns((name, type) => {
      if (name === 'gone.test') return 'nxdomain';
      if (type === 'A' && servfails > 0) {
        servfails--;
        return 'servfail';
      }
      return { addresses: ['127.0.0.1'] };
    });
    const urls = [`http://flaky.test:${server.port}/`, ...Array.from({ length: 5 }, () => `http://gone.test:${server.port}/`)];
    const { results } = await runEngine(urls, {
      concurrency: 1,
      retries: 2,
      allowNet: allow(['flaky.test', 'gone.test']),
      dnsServers: [server1.address],
    });
    expect(results[0]).toMatchObject({ ok: true, attempts: 2 });
    expect(results.slice(1).map((r) => [r.error?.code, r.attempts])).toEqual(Array(5).fill(['DNS', 1]));
    expect(server1.queries.get('A gone.test')).toBe(1);
  });

  it('does not wait for a family whose queries are never answered once the other has addresses', async () => {
    const server1 = await withDns((_name, type) => (type === 'AAAA' ? 'drop' : { addresses: ['127.0.0.1'] }));
    const { results } = await runEngine([`http://v4only.test:${server.port}/`], {
      retries: 0,
      dnsTimeoutMs: 1000,
      allowNet: allow(['v4only.test']),
      dnsServers: [server1.address],
    });
    expect(results[0]).toMatchObject({ ok: true });
    expect(results[0]?.timings.dns).toBeLessThan(500);
  });

  it('tries the next address, of either family, when a connection fails', async () => {
    // 127.0.0.2 and ::1 have nothing listening on the port: refused at once.
    const server1 = await withDns((_name, type) => (type === 'A' ? { addresses: ['127.0.0.2', '127.0.0.1'] } : { addresses: ['::1'] }));
    const { results, dialed } = await runEngine([`http://multi.test:${server.port}/`], {
      retries: 0,
      allowNet: allow(['multi.test']),
      dnsServers: [server1.address],
    });
    expect(results[0]).toMatchObject({ ok: true, attempts: 1 });
    expect(dialed.map((d) => d.address)).toEqual(['127.0.0.2', '::1', '127.0.0.1']);
  });

  it('asks no DNS server for an IP literal and records timings.dns as null', async () => {
    const server1 = await withDns(() => ({ addresses: ['127.0.0.1'] }));
    const { results } = await runEngine([`${server.origin}/literal`], {
      allowNet: [`127.0.0.1:${server.port}`],
      dnsServers: [server1.address],
    });
    expect(results[0]).toMatchObject({ ok: true, timings: { dns: null } });
    expect(server1.total()).toBe(0);
  });

  it('refuses a name with a blocked address among its answers and dials none of them', async () => {
    const server1 = await withDns(() => ({ addresses: ['127.0.0.1', '10.0.0.7'] }));
    const { results, dialed, refused } = await runEngine([`http://mixed.test:${server.port}/`], {
      retries: 0,
      dnsServers: [server1.address],
    });
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'BLOCKED_ADDRESS' } });
    expect(dialed).toEqual([]);
    expect(refused).toEqual([]);
  });
});
