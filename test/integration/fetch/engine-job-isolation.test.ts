import { resolveEngineConfig, type EngineConfigInput } from '../../../src/config/engine-config';
import { createEngine } from '../../../src/fetch/engine';
import type { FetchResult } from '../../../src/fetch/result';
import type { Engine } from '../../../src/fetch/types';
import { startLoopbackServer, type Handler, type LoopbackServer } from '../helpers/loopback-server';
import { fakeResolver, loopbackOnlyDialer } from '../helpers/safe-network';

/**
 * No job option or input may change what another job sees. Two jobs share one engine
 * (as two jobs' chunks share a consumer process): whatever the first asks for (a
 * 1 ms timeout, no retries, a host that fails it), the second gets the answers the
 * host gives, not ones the first job's options made.
 */
describe('engine: one job cannot change what another sees', () => {
  let server: LoopbackServer;
  let handler: Handler;
  let engine: Engine;

  beforeEach(async () => {
    server = await startLoopbackServer((req, res) => handler(req, res));
  });
  afterEach(async () => {
    await engine?.close();
    await server.close();
  });

  /** An engine as the consumer builds one: the deployment's config, `robots` on. */
  function startEngine(config: EngineConfigInput = {}): void {
    const safe = loopbackOnlyDialer();
    engine = createEngine(resolveEngineConfig({ robots: true, retryBaseMs: 10, allowNet: [`site.test:${server.port}`], ...config }), {
      dial: safe.dial,
      resolve: fakeResolver({ 'site.test': ['127.0.0.1'] }),
    });
  }

  /** Runs `paths` on site.test as one job: its own limit group, its own options over the engine's. */
  async function job(name: string, paths: readonly string[], options: EngineConfigInput = {}): Promise<FetchResult[]> {
    const results: FetchResult[] = [];
    await engine.run(
      paths.map((path, i) => ({ url: `http://site.test:${server.port}${path}`, line: i + 1 })),
      {
        config: resolveEngineConfig({ robots: true, retryBaseMs: 10, allowNet: [`site.test:${server.port}`], ...options }),
        limitGroup: name,
        onResult: (r) => void results.push(r),
      },
    );
    return results.sort((a, b) => a.line - b.line);
  }

  const codes = (results: readonly FetchResult[]): string[] => results.map((r) => r.error?.code ?? `HTTP ${r.status}`);

  it('reads robots.txt with the engine’s timeout and retries, not a job’s: a 1 ms job does not disallow a healthy host for the next', async () => {
    const robotsAsked: number[] = [];
    handler = (req, res) => {
      if (req.url === '/robots.txt') {
        robotsAsked.push(Date.now());
        // A healthy host that takes a moment to answer.
        setTimeout(() => res.end('User-agent: *\nDisallow: /private\n'), 30);
        return;
      }
      res.end('page');
    };
    startEngine();
    const first = await job('a', ['/public/1', '/private/1'], { timeoutMs: 1, retries: 0 });
    const second = await job('b', ['/public/2', '/private/2']);
    expect(codes(second)).toEqual(['HTTP 200', 'ROBOTS_DISALLOWED']);
    expect(second[1]?.error?.message).toContain('disallowed by');
    // The first job's URLs were judged by the host's answer too (its own page may time out).
    expect(first[1]?.error?.message).toContain('disallowed by');
    expect(robotsAsked).toHaveLength(1);
  });

  it('a job paused by its host (503, Retry-After) leaves another job running at the same time unpaused', async () => {
    let firstFailure: () => void = () => undefined;
    const failed = new Promise<void>((resolve) => (firstFailure = resolve));
    handler = (req, res) => {
      if (req.url === '/robots.txt') {
        res.statusCode = 404;
        res.end();
      } else if (req.url === '/a/slow') {
        // Keeps the first job running while the second starts.
        setTimeout(() => res.end('page'), 300);
      } else if (req.url?.startsWith('/a/')) {
        res.writeHead(503, { 'retry-after': '3600' });
        res.end();
        firstFailure();
      } else {
        res.end('page');
      }
    };
    startEngine();
    const first = job('a', ['/a/slow', '/a/1', '/a/2'], { retries: 0, perHost: 2, maxHostWaitMs: 1000 });
    await failed;
    const second = await job('b', ['/b/1', '/b/2']);
    expect(codes(second)).toEqual(['HTTP 200', 'HTTP 200']);
    expect(codes(await first)).toEqual(['HTTP 200', 'HOST_THROTTLED', 'HOST_THROTTLED']);
  });

  it('a job with robots off neither skips another’s robots.txt nor takes on its policy', async () => {
    let robotsAsked = 0;
    handler = (req, res) => {
      if (req.url === '/robots.txt') {
        robotsAsked++;
        res.end('User-agent: *\nDisallow: /private\n');
        return;
      }
      res.end('page');
    };
    startEngine({ robots: false });
    expect(codes(await job('off-1', ['/private/1'], { robots: false }))).toEqual(['HTTP 200']);
    expect(codes(await job('on', ['/private/2'], { robots: true }))).toEqual(['ROBOTS_DISALLOWED']);
    expect(codes(await job('off-2', ['/private/3'], { robots: false }))).toEqual(['HTTP 200']);
    expect(robotsAsked).toBe(1);
  });

  it('a job whose 1 ms timeout opens its breaker for a slow host leaves another job running at the same time alone', async () => {
    handler = (req, res) => {
      if (req.url === '/robots.txt') {
        res.statusCode = 404;
        res.end();
        return;
      }
      setTimeout(() => res.end('page'), 20);
    };
    startEngine();
    const [first, second] = await Promise.all([
      job('a', ['/a/1', '/a/2', '/a/3', '/a/4'], { timeoutMs: 1, retries: 0, maxHostErrors: 1, perHost: 1 }),
      job('b', ['/b/1', '/b/2', '/b/3'], { perHost: 1 }),
    ]);
    expect(codes(first)).toContain('HOST_UNAVAILABLE');
    expect(codes(second)).toEqual(['HTTP 200', 'HTTP 200', 'HTTP 200']);
  });
});
