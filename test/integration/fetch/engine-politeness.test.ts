import { resolveEngineConfig, type EngineConfigInput } from '../../../src/config/engine-config';
import { createEngine } from '../../../src/fetch/engine';
import type { FetchResult } from '../../../src/fetch/result';
import type { EngineDeps, RunView } from '../../../src/fetch/types';
import { closedLoopbackPort } from '../../support/listen-loopback';
import { achievedRate, maxPerWindow } from '../../support/rate-windows';
import { startRateProbe, type RateProbe } from '../../support/rate-probe';
import { startLoopbackServer } from '../helpers/loopback-server';
import { runEngine } from '../helpers/run-engine';
import { fakeResolver, loopbackOnlyDialer } from '../helpers/safe-network';

/**
 * The engine's politeness guarantees, measured where they matter: at a loopback
 * server (the rate probe) that records when each host's requests started and how
 * many were in flight. Caps and "no more than" rates hold however loaded the
 * machine is; "at least" rates get a tolerance, since a busy event loop only ever
 * starts requests later.
 */

/** How far an achieved rate may stray from the configured one (benchmarks hold 2%). */
const RATE_TOLERANCE = 0.1;
/** Slack for clock rounding between the engine's `Date.now()` and the probe's `performance.now()`. */
const CLOCK_SLACK_MS = 10;

describe('engine politeness', () => {
  let probe: RateProbe;
  let serial = 0;

  beforeAll(async () => {
    probe = await startRateProbe();
  });
  afterAll(() => probe.close());

  /** Fresh host names for one test (`a-7.test`), so no other test's behaviours or faults leak in. */
  function names<N extends string>(...bases: N[]): Record<N, string> {
    serial++;
    return Object.fromEntries(bases.map((b) => [b, `${b}-${serial}.test`])) as Record<N, string>;
  }

  function urlsOf(name: string, n: number, path = '/p'): string[] {
    return Array.from({ length: n }, (_, i) => probe.url(name, `${path}/${i}`));
  }

  /** Runs the engine over `urls`, their `.test` names resolving to 127.0.0.1 and allowed unless `blocked`. */
  function run(
    urls: readonly string[],
    config: EngineConfigInput,
    deps: EngineDeps = {},
    blocked: readonly string[] = [],
    onStart?: (view: RunView) => void,
  ) {
    const hostnames = [...new Set(urls.map((u) => new URL(u).hostname)), ...blocked];
    const allowNet = hostnames.filter((h) => !blocked.includes(h)).map((h) => probe.key(h));
    const resolve = fakeResolver(Object.fromEntries(hostnames.map((h) => [h, ['127.0.0.1']])));
    return runEngine(urls, { allowNet, retries: 0, ...config }, { resolve, ...deps }, undefined, onStart === undefined ? {} : { onStart });
  }

  /** The rate limit of a token bucket, read from the probe's start times. */
  function expectRateLimited(host: string, perSecond: number, burst: number, skip = 0): void {
    expect(probe.maxPerWindow(host, 100)).toBeLessThanOrEqual(burst + Math.ceil(perSecond * 0.1));
    expect(probe.maxPerWindow(host, 1000)).toBeLessThanOrEqual(burst + perSecond);
    expectRate(probe.achievedRate(host, skip), perSecond);
  }

  /** The same, for start times of several hosts together (the probe's `*` spans every test's hosts). */
  function expectRateLimitedStarts(starts: readonly number[], perSecond: number, burst: number): void {
    expect(maxPerWindow(starts, 100)).toBeLessThanOrEqual(burst + Math.ceil(perSecond * 0.1));
    expect(maxPerWindow(starts, 1000)).toBeLessThanOrEqual(burst + perSecond);
    expectRate(achievedRate(starts), perSecond);
  }

  function expectRate(achieved: number | null, perSecond: number): void {
    expect(achieved).toBeGreaterThan(perSecond * (1 - RATE_TOLERANCE));
    expect(achieved).toBeLessThan(perSecond * (1 + RATE_TOLERANCE));
  }

  function startsOf(host: string): number[] {
    return probe.requests(host).map((r) => r.startMs);
  }

  function codes(results: readonly FetchResult[]): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of results) out[r.error?.code ?? 'OK'] = (out[r.error?.code ?? 'OK'] ?? 0) + 1;
    return out;
  }

  describe('per-host cap and rate', () => {
    it('keeps each of several hosts within perHost in flight, and reaches it', async () => {
      const h = names('a', 'b', 'c', 'd');
      for (const name of Object.values(h)) probe.configure(name, { delayMs: 150 });
      const { summary } = await run(
        Object.values(h).flatMap((name) => urlsOf(name, 12)),
        { concurrency: 64, perHost: 3 },
      );
      expect(summary.ok).toBe(48);
      for (const name of Object.values(h)) expect(probe.maxInFlight(name)).toBe(3);
    });

    it('holds one host to hostRate: no 100 ms or 1 s window over the bucket, and the rate reached', async () => {
      const { a } = names('a');
      const { summary } = await run(urlsOf(a, 30), { hostRate: '20/s', perHost: 8 });
      expect(summary.ok).toBe(30);
      expectRateLimited(a, 20, 1);
    });

    it('holds 3 hosts at 20/s and a Crawl-delay host at 5/s at once, the slow one not slowing the others', async () => {
      const h = names('fast1', 'fast2', 'fast3', 'slow');
      const fast = [h.fast1, h.fast2, h.fast3];
      for (const name of fast) probe.configure(name, { delayMs: 60 });
      probe.configure(h.slow, { robots: 'User-agent: *\nCrawl-delay: 0.2\n' });
      const urls = [...fast.flatMap((name) => urlsOf(name, 40)), ...urlsOf(h.slow, 13)];
      const { summary } = await run(urls, { hostRate: '20/s', perHost: 2, concurrency: 64, robots: true });
      expect(summary.ok).toBe(urls.length);
      for (const name of fast) {
        expect(probe.maxInFlight(name)).toBeLessThanOrEqual(2);
        expectRateLimited(name, 20, 1);
      }
      // robots.txt took the slow host's first token at the configured rate; then 5/s.
      expectRateLimited(h.slow, 5, 1, 1);
      // 41 starts at 20/s end about 2.0 s in; the slow host's 14 end about 2.45 s in.
      const slowEnd = startsOf(h.slow).at(-1) as number;
      for (const name of fast) expect(slowEnd - (startsOf(name).at(-1) as number)).toBeGreaterThan(250);
    });

    it('holds the whole run to rate across hosts', async () => {
      const h = names('a', 'b', 'c');
      const urls = Object.values(h).flatMap((name) => urlsOf(name, 20));
      const { summary } = await run(urls, { rate: '30/s', perHost: 8, concurrency: 64 });
      expect(summary.ok).toBe(60);
      const starts = Object.values(h)
        .flatMap((name) => startsOf(name))
        .sort((x, y) => x - y);
      expect(starts).toHaveLength(60);
      expectRateLimitedStarts(starts, 30, 1);
    });

    it('lets hostBurst requests start back to back, then keeps the rate', async () => {
      const { a } = names('a');
      const { summary } = await run(urlsOf(a, 20), { hostRate: '10/s', hostBurst: 5, perHost: 8 });
      expect(summary.ok).toBe(20);
      expect(probe.maxPerWindow(a, 100)).toBeGreaterThanOrEqual(5);
      expectRateLimited(a, 10, 5, 5);
    });
  });

  it('parks URLs waiting for a token without a slot: an unlimited host goes on at full speed', async () => {
    const h = names('slow1', 'slow2', 'fast');
    // Crawl-delay 0.25 limits each slow host to 4/s; the fast host has no limit at all.
    // Were a waiting URL to hold a slot, the two slow hosts would hold both.
    for (const name of [h.slow1, h.slow2]) probe.configure(name, { robots: 'User-agent: *\nCrawl-delay: 0.25\n' });
    const urls = [...urlsOf(h.slow1, 6), ...urlsOf(h.slow2, 6), ...urlsOf(h.fast, 30)];
    const { summary } = await run(urls, { concurrency: 2, perHost: 2, robots: true });
    expect(summary.ok).toBe(42);
    const fast = startsOf(h.fast).slice(1);
    expect(fast).toHaveLength(30);
    // Each slow host starts a page every 250 ms; all 30 fast pages start before either's third.
    for (const slow of [h.slow1, h.slow2]) expect(fast.at(-1) as number).toBeLessThan(startsOf(slow)[3] as number);
  });

  it('counts the wait for tokens in timings.queued', async () => {
    const { a } = names('a');
    const { results, summary } = await run(urlsOf(a, 10), { hostRate: '10/s', perHost: 8 });
    expect(summary.ok).toBe(10);
    // The k-th URL to start waited for k tokens at 100 ms each.
    const queued = results.map((r) => r.timings.queued).sort((x, y) => x - y);
    queued.forEach((ms, k) => expect(ms).toBeGreaterThanOrEqual(k * 100 - CLOCK_SLACK_MS));
  });

  describe('host-wide backoff', () => {
    it.each([429, 503])('pauses the whole host for Retry-After: 1 on a %i, without spending a retry', async (status) => {
      const h = names('throttled', 'other');
      probe.configure(h.other, { delayMs: 100 });
      probe.failNext(h.throttled, 1, { status, retryAfter: 1 });
      const urls = [...urlsOf(h.throttled, 6), ...urlsOf(h.other, 15)];
      const seen = { paused: 0, waiting: 0 };
      let sampler: NodeJS.Timeout | undefined;
      const { results, summary } = await run(urls, { perHost: 1, hostRate: '20/s', retries: 0 }, {}, [], (view) => {
        sampler = setInterval(() => {
          seen.paused = Math.max(seen.paused, view.pausedHosts());
          seen.waiting = Math.max(seen.waiting, view.waitingForTokens());
        }, 50);
      }).finally(() => clearInterval(sampler));
      // The run's view (progress) saw the paused host and its URLs waiting.
      expect(seen).toEqual({ paused: 1, waiting: 6 });
      expect(summary.ok).toBe(21);
      const [first, ...rest] = probe.requests(h.throttled);
      expect(first?.outcome).toBe(status);
      const pauseEnd = (first?.startMs as number) + 1000 - CLOCK_SLACK_MS;
      // Nothing of the host started during the pause; the other host went on.
      for (const r of rest) expect(r.startMs).toBeGreaterThanOrEqual(pauseEnd);
      expect(startsOf(h.other).filter((t) => t > (first?.startMs as number) && t < pauseEnd).length).toBeGreaterThanOrEqual(3);
      // The throttled URL succeeded with retries: 0, its throttled attempt counted, and it waited the pause.
      const again = results.filter((r) => r.attempts === 2);
      expect(again).toHaveLength(1);
      expect(again[0]).toMatchObject({ ok: true, status: 200, finalUrl: probe.url(h.throttled, first?.path) });
      expect(again[0]?.timings.queued).toBeGreaterThanOrEqual(1000 - CLOCK_SLACK_MS);
      expect(summary.hosts).toMatchObject({ throttled: 1, unavailable: 0, gaveUp: 0 });
      expect(summary.hosts.pausedMs).toBeGreaterThanOrEqual(1000);
    });

    it.each([
      [0, 500],
      [0.999, 1000],
    ])('pauses the host from 1 s with jitter on a 429 without Retry-After (random %d: %i ms)', async (random, pauseMs) => {
      const { t } = names('t');
      probe.failNext(t, 1, { status: 429 });
      const { summary } = await run(urlsOf(t, 3), { perHost: 1, hostRate: '20/s' }, { random: () => random });
      expect(summary.ok).toBe(3);
      const [first, second] = startsOf(t);
      expect((second as number) - (first as number)).toBeGreaterThanOrEqual(pauseMs - CLOCK_SLACK_MS);
      expect((second as number) - (first as number)).toBeLessThan(pauseMs + 450);
    });

    it.each([0, 1])('retries a URL that answered a bare 503 on its own backoff, its host not paused (retries: %i)', async (retries) => {
      const { t } = names('t');
      probe.failNext(t, 1, { status: 503 });
      // Full jitter at 0.5 of a 400 ms base: the URL's own retry waits 200 ms; a host pause would be 750 ms.
      const { results, summary } = await run(urlsOf(t, 4), { perHost: 1, retries, retryBaseMs: 400 }, { random: () => 0.5 });
      const [first, ...rest] = probe.requests(t);
      expect(first?.outcome).toBe(503);
      expect(summary.hosts).toMatchObject({ throttled: 0, pausedMs: 0 });
      const hit = results.find((r) => probe.url(t, first?.path) === r.url) as FetchResult;
      const others = rest.filter((r) => r.path !== first?.path);
      expect(others).toHaveLength(3);
      if (retries === 0) {
        expect(hit).toMatchObject({ ok: false, status: 503, attempts: 1, error: { code: 'HTTP_STATUS' } });
        expect(summary.ok).toBe(3);
      } else {
        // The host's other URLs went on at once; the 503'd one came back alone, after its own backoff.
        const retry = rest.at(-1) as (typeof rest)[number];
        expect(retry.path).toBe(first?.path);
        for (const r of others) expect(r.startMs).toBeLessThan(retry.startMs);
        expect(retry.startMs - (first?.startMs as number)).toBeGreaterThanOrEqual(200 - CLOCK_SLACK_MS);
        expect(hit).toMatchObject({ ok: true, status: 200, attempts: 2 });
        expect(summary.ok).toBe(4);
      }
    });

    it('pauses the host once most of its recent answers are 503s: an overloaded host, not a broken page', async () => {
      const { t } = names('t');
      probe.failNext(t, 100, { status: 503 });
      const { results, summary } = await run(urlsOf(t, 7), { perHost: 2, retries: 0 }, { random: () => 0 });
      expect(codes(results)).toEqual({ HTTP_STATUS: 7 });
      const starts = startsOf(t);
      expect(starts).toHaveLength(7);
      // Five answers, all 503: the host pauses (500 ms at this jitter); one more may have been in flight.
      const pauseFrom = starts[4] as number;
      expect((starts[6] as number) - pauseFrom).toBeGreaterThanOrEqual(500 - CLOCK_SLACK_MS);
      expect(summary.hosts).toMatchObject({ throttled: 1, unavailable: 0, gaveUp: 0 });
    });

    it('holds a host answering 429 to everything for its first second to at most 2 × perHost 429s', async () => {
      const host = `first-second-${++serial}.test`;
      const perHost = 2;
      let firstAt: number | null = null;
      let throttled = 0;
      const server = await startLoopbackServer((_req, res) => {
        const now = performance.now();
        firstAt ??= now;
        if (now - firstAt < 1000) {
          throttled++;
          res.writeHead(429).end();
        } else {
          res.end('ok');
        }
      });
      try {
        const urls = Array.from({ length: 20 }, (_, i) => `http://${host}:${server.port}/p/${i}`);
        const { summary } = await runEngine(
          urls,
          { allowNet: [`${host}:${server.port}`], perHost, hostRate: '50/s', retries: 0 },
          { resolve: fakeResolver({ [host]: ['127.0.0.1'] }), random: () => 0.5 },
        );
        // Every URL waited out the pauses without spending its retry, and got its page.
        expect(summary.ok).toBe(20);
        expect(throttled).toBeGreaterThanOrEqual(1);
        expect(throttled).toBeLessThanOrEqual(2 * perHost);
      } finally {
        await server.close();
      }
    });

    it('gives up on a host that throttles past maxHostWaitMs: HOST_THROTTLED, one record per URL, others unaffected', async () => {
      const h = names('throttled', 'other');
      probe.failNext(h.throttled, 100, { status: 429, retryAfter: 1 });
      const urls = [...urlsOf(h.throttled, 5), ...urlsOf(h.other, 5)];
      const { results, summary } = await run(urls, { perHost: 1, maxHostWaitMs: 2000 });
      // One record per URL: the summary counts every record reported, the array holds one per line.
      expect(summary.total).toBe(10);
      expect(results.filter((r) => r !== undefined)).toHaveLength(10);
      expect(codes(results.slice(0, 5))).toEqual({ HOST_THROTTLED: 5 });
      expect(codes(results.slice(5))).toEqual({ OK: 5 });
      // Pauses of 1 s each: the third 429 takes the total past 2 s, and nothing more is sent.
      expect(probe.requests(h.throttled)).toHaveLength(3);
      expect(
        results
          .slice(0, 5)
          .map((r) => r.attempts)
          .sort(),
      ).toEqual([0, 0, 0, 0, 3]);
      expect(summary.hosts).toMatchObject({ throttled: 1, gaveUp: 1, unavailable: 0 });
    });
  });

  describe('circuit breaker', () => {
    it('closes a host after maxHostErrors resets in a row: HOST_UNAVAILABLE untried', async () => {
      const { r } = names('r');
      probe.failNext(r, 100, 'reset');
      const { results, summary } = await run(urlsOf(r, 10), { perHost: 2, maxHostErrors: 3 });
      expect(summary.total).toBe(10);
      const sent = probe.requests(r).length;
      // Three failures close it; at most one more (perHost − 1) was already in flight.
      expect(sent).toBeGreaterThanOrEqual(3);
      expect(sent).toBeLessThanOrEqual(4);
      expect(codes(results)).toEqual({ CONNECTION_RESET: sent, HOST_UNAVAILABLE: 10 - sent });
      for (const x of results.filter((y) => y.error?.code === 'HOST_UNAVAILABLE')) expect(x.attempts).toBe(0);
      expect(summary.hosts).toMatchObject({ unavailable: 1, throttled: 0 });
    });

    it('closes a host whose connections are refused after maxHostErrors', async () => {
      const { x } = names('x');
      const port = await closedLoopbackPort();
      const urls = Array.from({ length: 8 }, (_, i) => `http://${x}:${port}/p/${i}`);
      const resolve = fakeResolver({ [x]: ['127.0.0.1'] });
      const { results, dialed } = await runEngine(
        urls,
        { allowNet: [`${x}:${port}`], retries: 0, perHost: 1, maxHostErrors: 3 },
        { resolve },
      );
      expect(codes(results)).toEqual({ CONNECT: 3, HOST_UNAVAILABLE: 5 });
      expect(dialed.filter((d) => d.port === port)).toHaveLength(3);
    });

    it('starts the count again when the host answers in between', async () => {
      const { r } = names('r');
      for (let i = 0; i < 3; i++) {
        probe.failNext(r, 2, 'reset');
        probe.failNext(r, 1, { status: 200 });
      }
      const { results, summary } = await run(urlsOf(r, 12), { perHost: 1, maxHostErrors: 3 });
      // A reset on a reused connection is sent again once (src/fetch/pool/pooled-request.ts), so
      // fewer URLs fail than resets were sent; never three in a row without an answer between.
      const failed = results.filter((x) => x.error?.code === 'CONNECTION_RESET').length;
      expect(failed).toBeGreaterThanOrEqual(3);
      expect(codes(results)).toEqual({ CONNECTION_RESET: failed, OK: 12 - failed });
      expect(summary.hosts.unavailable).toBe(0);
    });
  });

  describe('robots.txt', () => {
    it('fetches robots.txt once per host and never sends a disallowed path', async () => {
      const h = names('a', 'b');
      const rules = 'User-agent: *\nDisallow: /private\n';
      const urls: string[] = [];
      for (const name of Object.values(h)) {
        probe.configure(name, { robots: rules });
        urls.push(...urlsOf(name, 4, '/public'), ...urlsOf(name, 4, '/private'));
      }
      const { results } = await run(urls, { robots: true });
      for (const r of results) {
        if (r.url.includes('/private/')) expect(r).toMatchObject({ attempts: 0, error: { code: 'ROBOTS_DISALLOWED' } });
        else expect(r.ok).toBe(true);
      }
      for (const name of Object.values(h)) {
        const paths = probe.requests(name).map((q) => q.path);
        expect(paths.filter((p) => p === '/robots.txt')).toHaveLength(1);
        expect(paths.filter((p) => p.startsWith('/private'))).toEqual([]);
        expect(paths[0]).toBe('/robots.txt');
      }
    });

    it('reads a host’s robots.txt once for all the runs of one engine (a consumer’s invocations)', async () => {
      const h = names('a');
      probe.configure(h.a, { robots: 'User-agent: *\nDisallow: /private\n' });
      const config = resolveEngineConfig({ robots: true, retries: 0, allowNet: [probe.key(h.a)] });
      const safe = loopbackOnlyDialer();
      const engine = createEngine(config, { dial: safe.dial, resolve: fakeResolver({ [h.a]: ['127.0.0.1'] }) });
      const codesOf: (string | undefined)[] = [];
      try {
        for (const path of ['/one', '/private/two', '/three']) {
          await engine.run([{ url: probe.url(h.a, path), line: 1 }], { onResult: (r) => void codesOf.push(r.error?.code) });
        }
      } finally {
        await engine.close();
      }
      expect(codesOf).toEqual([undefined, 'ROBOTS_DISALLOWED', undefined]);
      expect(probe.requests(h.a).map((q) => q.path)).toEqual(['/robots.txt', '/one', '/three']);
    });

    it('still reads robots.txt for a host whose first lookup failed and was retried', async () => {
      const h = names('a');
      probe.configure(h.a, { robots: 'User-agent: *\nDisallow: /private\n' });
      const answer = fakeResolver({ [h.a]: ['127.0.0.1'] });
      let lookups = 0;
      const flaky: EngineDeps['resolve'] = async (hostname: string) => {
        lookups++;
        if (lookups <= 2) throw Object.assign(new Error(`queryA EAI_AGAIN ${hostname}`), { code: 'EAI_AGAIN' });
        return answer(hostname);
      };
      const { results } = await run(
        [probe.url(h.a, '/private/1'), probe.url(h.a, '/public/1')],
        { robots: true, retries: 2, retryBaseMs: 10 },
        { resolve: flaky },
      );
      expect(results.map((r) => r.error?.code ?? 'OK')).toEqual(['ROBOTS_DISALLOWED', 'OK']);
      expect(
        probe
          .requests(h.a)
          .map((q) => q.path)
          .filter((p) => p.startsWith('/private')),
      ).toEqual([]);
    });

    it('caps the host at 5/s for Crawl-delay: 0.2', async () => {
      const { a } = names('a');
      probe.configure(a, { robots: 'User-agent: *\nCrawl-delay: 0.2\n' });
      const { summary } = await run(urlsOf(a, 10), { robots: true, perHost: 8 });
      expect(summary.ok).toBe(10);
      expectRateLimited(a, 5, 1, 1);
    });

    it('parses the first 500 KiB of a larger robots.txt (RFC 9309 §2.5): a 600 KB file starting Disallow: / disallows', async () => {
      const { a } = names('a');
      probe.configure(a, { robots: `User-agent: *\nDisallow: /\n${'# filler\n'.repeat(67_000)}` });
      const { results } = await run(urlsOf(a, 2, '/private'), { robots: true });
      expect(codes(results)).toEqual({ ROBOTS_DISALLOWED: 2 });
      expect(results[0]?.error?.message).toContain('(line 2)');
      expect(probe.requests(a).map((q) => q.path)).toEqual(['/robots.txt']);
    });

    it('allows everything when robots.txt is 404', async () => {
      const { a } = names('a');
      const { summary } = await run(urlsOf(a, 5), { robots: true });
      expect(summary.ok).toBe(5);
      expect(probe.requests(a).map((q) => q.path)).toContain('/robots.txt');
    });

    it('disallows everything when robots.txt is 503 after its retries, its retry waiting its own backoff', async () => {
      const { a } = names('a');
      probe.configure(a, { robots: { status: 503 } });
      const { results, summary } = await run(urlsOf(a, 5), { robots: true, retries: 1, retryBaseMs: 400 }, { random: () => 0.5 });
      expect(codes(results)).toEqual({ ROBOTS_DISALLOWED: 5 });
      const asked = probe.requests(a);
      expect(asked.map((q) => q.path)).toEqual(['/robots.txt', '/robots.txt']);
      // One 503 is not an overloaded host: no pause, the retry waits its backoff (200 ms at this jitter).
      expect((asked[1]?.startMs as number) - (asked[0]?.startMs as number)).toBeGreaterThanOrEqual(200 - CLOCK_SLACK_MS);
      expect(summary.hosts).toMatchObject({ throttled: 0, pausedMs: 0 });
    });

    it('fetches robots.txt through the guard: a host not allowed is not asked at all', async () => {
      const { a } = names('a');
      const { results, dialed } = await run(urlsOf(a, 3), { robots: true }, {}, [a]);
      expect(codes(results)).toEqual({ BLOCKED_ADDRESS: 3 });
      expect(probe.requests(a)).toEqual([]);
      expect(dialed).toEqual([]);
    });

    it('fetches robots.txt through the guard: a redirect to a host not allowed is not followed', async () => {
      const h = names('a', 'blocked');
      const redirector = await startLoopbackServer((req, res) => {
        res.writeHead(req.url === '/robots.txt' ? 301 : 200, { location: probe.url(h.blocked, '/robots.txt') });
        res.end();
      });
      try {
        const urls = Array.from({ length: 3 }, (_, i) => `http://${h.a}:${redirector.port}/p/${i}`);
        const resolve = fakeResolver({ [h.a]: ['127.0.0.1'], [h.blocked]: ['127.0.0.1'] });
        const { results } = await runEngine(urls, { robots: true, retries: 0, allowNet: [`${h.a}:${redirector.port}`] }, { resolve });
        expect(codes(results)).toEqual({ ROBOTS_DISALLOWED: 3 });
        expect(redirector.stats.requests).toBe(1);
        expect(probe.requests(h.blocked)).toEqual([]);
      } finally {
        await redirector.close();
      }
    });
  });
});
