import { writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { listenOnLoopback, type LoopbackListener } from '../../support/listen-loopback';
import { startLoopbackDnsServer, type LoopbackDnsServer } from '../../support/loopback-dns-server';
import { makeTestCa, type TestCa } from '../../support/test-ca';
import { runFanout } from '../helpers/fanout-bin';

/**
 * `fanout fetch --ca FILE` end to end: an HTTPS server on loopback whose
 * certificate a CA made by the test signed, its name answered by the test's own
 * DNS server (every `.test` name is 127.0.0.1).
 */
describe('fanout fetch --ca', () => {
  let ca: TestCa;
  let server: LoopbackListener;
  let dns: LoopbackDnsServer;
  let url: string;
  let allow: string[];

  beforeAll(async () => {
    ca = makeTestCa(['*.fanout.test']);
    server = await listenOnLoopback(createServer({ key: ca.key, cert: ca.cert }, (_req, res) => res.end('over TLS')));
    dns = await startLoopbackDnsServer((name, type) =>
      type === 'A' && name.endsWith('.test') ? { addresses: ['127.0.0.1'] } : { addresses: [] },
    );
    url = `https://site.fanout.test:${server.port}/`;
    allow = ['--allow-net', `site.fanout.test:${server.port}`, '--dns-server', dns.address];
  });
  afterAll(async () => {
    await server.close();
    await dns.close();
    ca.remove();
  });

  async function fetch(flags: readonly string[]) {
    const run = await runFanout(['fetch', '-', ...allow, '--no-progress', ...flags], `${url}\n`);
    return { run, record: run.code === 0 ? JSON.parse(run.stdout.trim()) : null };
  }

  it('trusts the CA in the file, besides the default roots', async () => {
    const { run, record } = await fetch(['--ca', ca.caFile]);
    expect(run.stderr).toBe('');
    expect(record).toMatchObject({ url, ok: true, status: 200, attempts: 1 });
  });

  it('without it, refuses the certificate with TLS', async () => {
    const { record } = await fetch(['--retries', '2']);
    expect(record).toMatchObject({ ok: false, attempts: 1, error: { code: 'TLS' } });
  });

  it.each([
    ['a missing file', () => join(ca.caFile, '..', 'missing.pem'), /`--ca` to be a readable file, got `.*missing\.pem` \(ENOENT\)/],
    [
      'a file with no certificate',
      () => writeTo('empty.pem', 'not a certificate\n'),
      /`--ca` to be a file of PEM certificates.*no -----BEGIN/,
    ],
    [
      'a broken certificate',
      () => writeTo('broken.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
      /certificate 1 does not parse/,
    ],
  ])('refuses %s with exit 2 and one line', async (_what, path, message) => {
    const { run } = await fetch(['--ca', path()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  function writeTo(name: string, text: string): string {
    const path = join(ca.caFile, '..', name);
    writeFileSync(path, text);
    return path;
  }
});
