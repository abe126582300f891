import { runEngine } from '../helpers/run-engine';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

describe('engine retries and redirects', () => {
  let server: LoopbackServer;
  let allowNet: string[];
  const seen = new Map<string, number[]>();

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      const url = req.url ?? '/';
      const times = seen.get(url) ?? [];
      times.push(Date.now());
      seen.set(url, times);
      if (url.startsWith('/flaky')) {
        res.statusCode = times.length === 1 ? 503 : 200;
        res.end(times.length === 1 ? 'busy' : 'fine');
      } else if (url === '/throttled') {
        if (times.length === 1) res.writeHead(429, { 'retry-after': '1' });
        res.end('x');
      } else if (url === '/missing') {
        res.statusCode = 404;
        res.end('no');
      } else if (url === '/always-503') {
        res.statusCode = 503;
        res.end();
      } else if (url.startsWith('/loop/')) {
        const n = Number(url.split('/')[2]);
        res.writeHead(302, { location: `/loop/${n + 1}` });
        res.end();
      } else if (url === '/to-metadata') {
        res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' });
        res.end();
      } else if (url === '/hop') {
        res.writeHead(307, { location: '/landing' });
        res.end('moved');
      } else if (url === '/reset') {
        req.socket.destroy();
      } else {
        res.end('landed');
      }
    });
    allowNet = [`127.0.0.1:${server.port}`];
  });
  afterAll(() => server.close());

  it('retries a 503 and succeeds on the second attempt', async () => {
    const { results } = await runEngine([`${server.origin}/flaky`], { retries: 2, allowNet });
    expect(results[0]).toMatchObject({ ok: true, status: 200, attempts: 2, error: null });
  });

  it('waits as long as Retry-After says before retrying a 429', async () => {
    const { results } = await runEngine([`${server.origin}/throttled`], { retries: 1, allowNet });
    const [first, second] = seen.get('/throttled') ?? [];
    expect(results[0]).toMatchObject({ ok: true, attempts: 2 });
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(990);
  });

  it('does not retry a 404', async () => {
    const { results } = await runEngine([`${server.origin}/missing`], { retries: 3, allowNet });
    expect(results[0]).toMatchObject({ ok: false, status: 404, attempts: 1, error: { code: 'HTTP_STATUS' } });
  });

  it('hands a URL back as NOT_ATTEMPTED, saying when, when its retry would fall past the run deadline', async () => {
    const started = Date.now();
    const { results, summary } = await runEngine(
      [`${server.origin}/flaky-deadline`],
      { retries: 2, retryBaseMs: 10_000, allowNet },
      { random: () => 0.99 },
      started + 1500,
    );
    expect(results[0]).toMatchObject({ status: 503, attempts: 1, error: { code: 'NOT_ATTEMPTED' } });
    expect(results[0]?.error?.message).toMatch(/^its retry was due after the run's deadline/);
    // Due 9.9 s after the 503: that is when the pipeline re-queues it for.
    expect(summary.resumeAt).toBeGreaterThan(started + 9000);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('gives up after the configured retries and counts every attempt', async () => {
    const { results } = await runEngine([`${server.origin}/always-503`], { retries: 2, allowNet });
    expect(results[0]).toMatchObject({ status: 503, attempts: 3, error: { code: 'HTTP_STATUS' } });
  });

  it('retries a reset connection and reports CONNECTION_RESET when it keeps happening', async () => {
    const { results } = await runEngine([`${server.origin}/reset`], { retries: 1, allowNet });
    expect(results[0]).toMatchObject({ attempts: 2, error: { code: 'CONNECTION_RESET' } });
  });

  it('follows redirects and records the final URL', async () => {
    const { results } = await runEngine([`${server.origin}/hop`], { allowNet });
    expect(results[0]).toMatchObject({ ok: true, finalUrl: `${server.origin}/landing`, bytes: 6 });
  });

  it('stops a redirect loop at the cap with TOO_MANY_REDIRECTS', async () => {
    const { results } = await runEngine([`${server.origin}/loop/0`], { maxRedirects: 3, allowNet });
    expect(results[0]).toMatchObject({ ok: false, status: 302, error: { code: 'TOO_MANY_REDIRECTS' } });
    expect(seen.get('/loop/3')).toHaveLength(1);
    expect(seen.get('/loop/4')).toBeUndefined();
  });

  it('refuses a redirect into the cloud metadata address without dialling it', async () => {
    const { results, refused } = await runEngine([`${server.origin}/to-metadata`], { allowNet });
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'BLOCKED_ADDRESS' } });
    expect(refused).toEqual([]);
  });
});
