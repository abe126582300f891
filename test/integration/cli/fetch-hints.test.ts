import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLoopbackDnsServer, type LoopbackDnsServer } from '../../support/loopback-dns-server';
import { runFanout } from '../helpers/fanout-bin';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

/** The hints `fanout fetch` writes on stderr when the records alone would leave a user guessing. */
describe('fanout fetch hints', () => {
  let server: LoopbackServer;
  let dns: LoopbackDnsServer;
  let dir: string;

  beforeAll(async () => {
    server = await startLoopbackServer((_req, res) => res.end('body'));
    // Names are looked up only here: DNS does not know localhost (NXDOMAIN), as a real one would answer.
    dns = await startLoopbackDnsServer(() => 'nxdomain');
    dir = await mkdtemp(join(tmpdir(), 'fanout-hints-'));
  });
  afterAll(async () => {
    await server.close();
    await dns.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function fetchLines(name: string, lines: readonly string[], flags: readonly string[] = []) {
    const input = join(dir, `${name}.txt`);
    await writeFile(input, lines.join('\n'));
    return runFanout(['fetch', input, '--no-progress', '--dns-server', dns.address, '--retries', '0', ...flags]);
  }

  it('when the guard refused every URL, points at --allow-net with the host and port to allow', async () => {
    const requests = server.stats.requests;
    const run = await fetchLines('all-blocked', [`${server.origin}/a`, `${server.origin}/b`]);
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).error?.code),
    ).toEqual(['BLOCKED_ADDRESS', 'BLOCKED_ADDRESS']);
    expect(run.stderr).toBe(
      `fanout: every URL was refused by the network guard (BLOCKED_ADDRESS: loopback and private addresses are refused unless allowed); to fetch from 127.0.0.1:${server.port}, add --allow-net 127.0.0.1:${server.port}\n`,
    );
    expect(server.stats.requests).toBe(requests);
  });

  it('says nothing when some URLs got through', async () => {
    const run = await fetchLines('some-blocked', [`${server.origin}/a`, 'http://10.0.0.1/'], ['--allow-net', `127.0.0.1:${server.port}`]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });

  it.each([
    ['refused by the guard', [], 'BLOCKED_ADDRESS'],
    ['allowed, then unknown to DNS', ['--allow-net', 'localhost'], 'DNS'],
  ])('explains a localhost URL %s: use 127.0.0.1 with --allow-net', async (_case, flags, code) => {
    const run = await fetchLines(`localhost-${code}`, [`http://localhost:${server.port}/a`], flags);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.trim()).error.code).toBe(code);
    expect(run.stderr).toBe(
      `fanout: 1 URL names localhost, which the network guard does not resolve (it is refused, or looked up in DNS, which does not know it): use 127.0.0.1 instead, with --allow-net 127.0.0.1:${server.port}\n`,
    );
  });
});
