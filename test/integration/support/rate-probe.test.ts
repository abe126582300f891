import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { ALL_HOSTS, startRateProbe, type RateProbe } from '../../support/rate-probe';

describe('rate probe', () => {
  let probe: RateProbe;
  let agent: Agent;

  /** A GET to the probe at 127.0.0.1 that names `host` in the Host header; status, headers and body. */
  const get = async (host: string, path = '/') => {
    const res = await request(`${probe.origin}${path}`, { dispatcher: agent, headers: { host: probe.key(host) } });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  };

  beforeEach(async () => {
    probe = await startRateProbe();
    agent = new Agent({ connections: 64 });
  });
  afterEach(async () => {
    await agent.close();
    await probe.close();
  });

  it('tells hosts apart by the Host header and keys them hostname:port', async () => {
    await Promise.all([get('h1.test', '/a'), get('h1.test', '/b'), get('H2.test', '/c')]);
    expect(probe.hosts().sort()).toEqual([`h1.test:${probe.port}`, `h2.test:${probe.port}`]);
    expect(
      probe
        .requests('h1.test')
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/a', '/b']);
    expect(probe.requests(`h2.test:${probe.port}`).map((r) => [r.path, r.outcome])).toEqual([['/c', 200]]);
    expect(probe.requests(ALL_HOSTS)).toHaveLength(3);
    expect(probe.url('h1.test', '/x')).toBe(`http://h1.test:${probe.port}/x`);
  });

  it('counts requests in flight per host and across hosts, and the most seen', async () => {
    probe.configure('h1.test', { delayMs: 1000 });
    probe.configure('h2.test', { delayMs: 1000 });
    const pending = [...Array.from({ length: 5 }, () => get('h1.test')), get('h2.test'), get('h2.test')];
    // Until every request has arrived (a loaded machine may take longer than the server holds them).
    for (let waited = 0; probe.inFlight(ALL_HOSTS) < 7 && waited < 5000; waited += 10) await sleep(10);
    expect([probe.inFlight('h1.test'), probe.inFlight('h2.test'), probe.inFlight(ALL_HOSTS)]).toEqual([5, 2, 7]);
    const answers = await Promise.all(pending);
    expect(answers.every((a) => a.status === 200 && a.body === 'ok')).toBe(true);
    expect([probe.inFlight('h1.test'), probe.inFlight(ALL_HOSTS)]).toEqual([0, 0]);
    expect([probe.maxInFlight('h1.test'), probe.maxInFlight('h2.test'), probe.maxInFlight(ALL_HOSTS)]).toEqual([5, 2, 7]);
  });

  it('answers after delayMs', async () => {
    probe.configure('slow.test', { delayMs: 120, body: 'late' });
    const started = performance.now();
    expect(await get('slow.test')).toMatchObject({ status: 200, body: 'late' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('measures a burst and a paced series by their start times', async () => {
    await Promise.all(Array.from({ length: 10 }, () => get('burst.test')));
    await sleep(120);
    for (let i = 0; i < 6; i++) {
      await get('paced.test');
      await sleep(120);
    }
    expect(probe.maxPerWindow('burst.test', 100)).toBe(10);
    expect(probe.bucketCounts('burst.test')).toEqual([10]);
    // Each paced request starts over 120 ms after the previous one's start.
    expect(probe.maxPerWindow('paced.test', 100)).toBe(1);
    expect(probe.bucketCounts('paced.test', 120).every((n) => n <= 1)).toBe(true);
    const rate = probe.achievedRate('paced.test');
    expect(rate).not.toBeNull();
    expect(rate!).toBeLessThanOrEqual(1000 / 120);
    expect(rate!).toBeGreaterThan(2);
    expect(probe.maxPerWindow(ALL_HOSTS, 100)).toBe(10);
  });

  it('answers the next N page requests with a status, Retry-After when given, then recovers', async () => {
    probe.failNext('h1.test', 2, { status: 429, retryAfter: 3 });
    probe.failNext('h1.test', 1, { status: 503 });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await get('h1.test'));
    expect(answers.map((a) => [a.status, a.headers['retry-after']])).toEqual([
      [429, '3'],
      [429, '3'],
      [503, undefined],
      [200, undefined],
    ]);
    expect(probe.requests('h1.test').map((r) => r.outcome)).toEqual([429, 429, 503, 200]);
  });

  it('destroys the socket for a reset: the client gets no response', async () => {
    probe.failNext('h1.test', 1, 'reset');
    await expect(get('h1.test')).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(await get('h1.test')).toMatchObject({ status: 200 });
    expect(probe.requests('h1.test').map((r) => r.outcome)).toEqual(['reset', 200]);
    expect(probe.inFlight('h1.test')).toBe(0);
  });

  it('serves each host its own robots.txt, 404 by default, with faults of its own', async () => {
    probe.configure('h1.test', { robots: 'User-agent: *\nDisallow: /private\n' });
    probe.configure('h2.test', { robots: { status: 503 } });
    probe.failNext('h1.test', 1, { status: 500 });
    probe.failNext('h1.test', 1, { status: 429, retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT' }, 'robots');
    expect(await get('h1.test', '/robots.txt')).toMatchObject({ status: 429, headers: { 'retry-after': 'Wed, 21 Oct 2026 07:28:00 GMT' } });
    expect(await get('h1.test', '/robots.txt')).toMatchObject({ status: 200, body: 'User-agent: *\nDisallow: /private\n' });
    expect(await get('h2.test', '/robots.txt')).toMatchObject({ status: 503 });
    expect(await get('h3.test', '/robots.txt')).toMatchObject({ status: 404 });
    // The page fault queued for h1 was left for its pages.
    expect(await get('h1.test', '/page')).toMatchObject({ status: 500 });
  });

  it('forgets requests on clear but keeps behaviours and queued faults', async () => {
    probe.configure('h1.test', { body: 'kept' });
    await get('h1.test');
    probe.failNext('h1.test', 1, { status: 503 });
    probe.clear();
    expect([probe.requests('h1.test'), probe.maxInFlight(ALL_HOSTS), probe.hosts()]).toEqual([[], 0, []]);
    expect(await get('h1.test')).toMatchObject({ status: 503 });
    expect(await get('h1.test')).toMatchObject({ status: 200, body: 'kept' });
  });
});
