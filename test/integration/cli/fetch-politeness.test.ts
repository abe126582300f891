import { closedLoopbackPort } from '../../support/listen-loopback';
import { startLoopbackDnsServer, type LoopbackDnsServer } from '../../support/loopback-dns-server';
import { startRateProbe, type RateProbe } from '../../support/rate-probe';
import { achievedRate, maxPerWindow } from '../../support/rate-windows';
import { runFanout } from '../helpers/fanout-bin';

/**
 * `fanout fetch`'s politeness flags, end to end: the bin resolves the `.test` names
 * through a DNS server of the test's own (every name is 127.0.0.1) and fetches from
 * the rate probe, which records when each host's requests started.
 */
describe('fanout fetch politeness flags', () => {
  let probe: RateProbe;
  let dns: LoopbackDnsServer;
  let serial = 0;

  beforeAll(async () => {
    probe = await startRateProbe();
    dns = await startLoopbackDnsServer((name, type) =>
      type === 'A' && name.endsWith('.test') ? { addresses: ['127.0.0.1'] } : { addresses: [] },
    );
  });
  afterAll(async () => {
    await probe.close();
    await dns.close();
  });

  function names<N extends string>(...bases: N[]): Record<N, string> {
    serial++;
    return Object.fromEntries(bases.map((b) => [b, `${b}-${serial}.test`])) as Record<N, string>;
  }

  function urlsOf(name: string, n: number, path = '/p'): string[] {
    return Array.from({ length: n }, (_, i) => probe.url(name, `${path}/${i}`));
  }

  /** Runs `fanout fetch -` over `urls` with `flags`, every `.test` host of theirs allowed; records and the `--json` summary. */
  async function fetch(urls: readonly string[], flags: readonly string[]) {
    const hosts = [...new Set(urls.map((u) => new URL(u).host))];
    const allow = hosts.flatMap((h) => ['--allow-net', h]);
    const run = await runFanout(
      ['fetch', '-', '--dns-server', dns.address, ...allow, '--json', '--no-progress', ...flags],
      urls.join('\n') + '\n',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const summary = lines.pop();
    const codes: Record<string, number> = {};
    for (const r of lines) codes[r.error?.code ?? 'OK'] = (codes[r.error?.code ?? 'OK'] ?? 0) + 1;
    return { records: lines as { url: string; attempts: number; error: { code: string } | null }[], codes, summary };
  }

  function startsOf(...hosts: string[]): number[] {
    return hosts.flatMap((h) => probe.requests(h).map((r) => r.startMs)).sort((a, b) => a - b);
  }

  function expectRateLimited(starts: readonly number[], perSecond: number, burst: number, skip = 0): void {
    expect(maxPerWindow(starts, 100)).toBeLessThanOrEqual(burst + Math.ceil(perSecond * 0.1));
    expect(maxPerWindow(starts, 1000)).toBeLessThanOrEqual(burst + perSecond);
    const achieved = achievedRate(starts, skip) as number;
    expect(achieved).toBeGreaterThan(perSecond * 0.9);
    expect(achieved).toBeLessThan(perSecond * 1.1);
  }

  it('--host-rate and --host-burst hold each host, --per-host caps it', async () => {
    const h = names('a', 'b');
    for (const name of Object.values(h)) probe.configure(name, { delayMs: 50 });
    const urls = Object.values(h).flatMap((name) => urlsOf(name, 15));
    const { codes } = await fetch(urls, ['--host-rate', '10/s', '--host-burst', '3', '--per-host', '3']);
    expect(codes).toEqual({ OK: 30 });
    for (const name of Object.values(h)) {
      expect(probe.maxInFlight(name)).toBeLessThanOrEqual(3);
      expect(probe.maxPerWindow(name, 100)).toBeGreaterThanOrEqual(3);
      expectRateLimited(startsOf(name), 10, 3, 3);
    }
  });

  it('--rate holds the whole run across hosts', async () => {
    const h = names('a', 'b', 'c');
    const urls = Object.values(h).flatMap((name) => urlsOf(name, 10));
    const { codes } = await fetch(urls, ['--rate', '20/s']);
    expect(codes).toEqual({ OK: 30 });
    expectRateLimited(startsOf(...Object.values(h)), 20, 1);
  });

  it('--json counts hosts throttled, paused, unavailable (--max-host-errors) and given up (--max-host-wait)', async () => {
    const h = names('once', 'always', 'fine', 'down');
    probe.failNext(h.once, 1, { status: 429, retryAfter: 1 });
    probe.failNext(h.always, 100, { status: 429, retryAfter: 1 });
    const port = await closedLoopbackPort();
    const down = Array.from({ length: 5 }, (_, i) => `http://${h.down}:${port}/p/${i}`);
    const urls = [...urlsOf(h.once, 1), ...urlsOf(h.always, 3), ...urlsOf(h.fine, 3), ...down];
    const { codes, records, summary } = await fetch(urls, [
      '--retries',
      '0',
      '--per-host',
      '1',
      '--max-host-errors',
      '2',
      '--max-host-wait',
      '1500ms',
    ]);
    expect(codes).toEqual({ OK: 4, HOST_THROTTLED: 3, CONNECT: 2, HOST_UNAVAILABLE: 3 });
    expect(records.filter((r) => r.error?.code === 'HOST_UNAVAILABLE').every((r) => r.attempts === 0)).toBe(true);
    // `once` paused 1 s; `always` 1 s, then 1 s more, past 1.5 s: given up.
    expect(summary.hosts).toEqual({ throttled: 2, paused_s: 3, unavailable: 1, gave_up: 1 });
    expect(probe.requests(h.always)).toHaveLength(2);
  });

  it('--robots keeps disallowed paths from the host and records ROBOTS_DISALLOWED', async () => {
    const { a } = names('a');
    probe.configure(a, { robots: 'User-agent: *\nDisallow: /private\n' });
    const { codes } = await fetch([...urlsOf(a, 3, '/public'), ...urlsOf(a, 3, '/private')], ['--robots']);
    expect(codes).toEqual({ OK: 3, ROBOTS_DISALLOWED: 3 });
    expect(
      probe
        .requests(a)
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/public/0', '/public/1', '/public/2', '/robots.txt']);
  });

  it.each([
    [['--host-rate', 'fast'], /Expected `--host-rate` to be a rate such as 50\/s, 30\/m or 0\.5\/s, got `fast`/],
    [['--host-rate', '0/s'], /Expected `--host-rate` to be a rate from 1 a day to 100000\/s, got `0\/s`/],
    [['--rate', '1/d'], /Expected `--rate` to be a rate such as/],
    [['--max-host-wait', '10'], /Expected `--max-host-wait` to be a duration such as 90s, 15m or 1h, got `10`/],
    [['--host-burst', '0'], /Expected `--host-burst` to be an integer from 1 to 10000, got `0`/],
    [['--max-host-errors', '-1'], /^fanout: Expected `--max-host-errors` to be an integer from 0 to \d+, got `-1`$/m],
  ])('exits 2 with a one-line reason for %j', async (flags, reason) => {
    const run = await runFanout(['fetch', ...flags, '-'], '');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(reason);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
