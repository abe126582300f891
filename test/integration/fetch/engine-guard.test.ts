import { runEngine } from '../helpers/run-engine';
import { fakeResolver } from '../helpers/safe-network';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

/**
 * Every address here is refused by the guard before a socket is asked for; the
 * loopback-only dialer (see run-engine) would refuse them too, so a broken guard
 * fails these tests instead of sending packets.
 */
describe('engine network guard', () => {
  let server: LoopbackServer;

  beforeAll(async () => {
    server = await startLoopbackServer((_req, res) => res.end('reached'));
  });
  afterAll(() => server.close());

  const literalForms = [
    'http://127.0.0.1/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://0x7f.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://0xa9fea9fe/',
    'http://10.0.0.1/',
    'http://172.16.5.4/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://224.0.0.1/',
    'http://[::1]/',
    'http://[::]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://[fc00::1]/',
    'https://localhost/',
  ];

  it.each(literalForms)('refuses %s with BLOCKED_ADDRESS', async (url) => {
    const { results, refused } = await runEngine([url], { retries: 0 });
    expect(results[0]).toMatchObject({ ok: false, attempts: 0, error: { code: 'BLOCKED_ADDRESS' } });
    expect(refused).toEqual([]);
  });

  const resolved: Record<string, readonly string[]> = {
    'metadata.test': ['169.254.169.254'],
    'private.test': ['10.1.2.3'],
    'cgnat.test': ['100.100.100.100'],
    'ula.test': ['fd12:3456::1'],
    'mapped.test': ['::ffff:10.0.0.1'],
    'mixed.test': ['127.0.0.1', '10.0.0.7'],
    'loop.test': ['127.0.0.1'],
  };

  it.each(Object.keys(resolved).filter((name) => name !== 'loop.test'))(
    'checks what %s resolves to at connect time and refuses it',
    async (name) => {
      const { results, refused } = await runEngine(
        [`http://${name}:${server.port}/`],
        { retries: 0 },
        {
          resolve: fakeResolver(resolved),
        },
      );
      expect(results[0]).toMatchObject({ ok: false, attempts: 1, error: { code: 'BLOCKED_ADDRESS' } });
      expect(refused).toEqual([]);
      expect(server.stats.requests).toBe(0);
    },
  );

  it('lets an allowlisted host:port through and no other port of it', async () => {
    const { results } = await runEngine(
      [`http://loop.test:${server.port}/`, `http://loop.test:${server.port + 1 === 65536 ? 1 : server.port + 1}/`],
      { retries: 0, allowNet: [`loop.test:${server.port}`] },
      { resolve: fakeResolver(resolved) },
    );
    expect(results[0]).toMatchObject({ ok: true, status: 200 });
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'BLOCKED_ADDRESS' } });
  });

  it('reports a name that does not resolve as DNS', async () => {
    const { results } = await runEngine(['http://nowhere.test/'], { retries: 0 }, { resolve: fakeResolver({}) });
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'DNS' } });
  });

  it('reports a non-http scheme as BAD_URL', async () => {
    const { results } = await runEngine(['file:///etc/passwd', 'gopher://x/'], {});
    expect(results.map((r) => r?.error?.code)).toEqual(['BAD_URL', 'BAD_URL']);
  });
});
