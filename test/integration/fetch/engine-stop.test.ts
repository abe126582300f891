import { startLoopbackDnsServer } from '../../support/loopback-dns-server';
import { runEngine } from '../helpers/run-engine';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

describe('engine stopped by its abort signal', () => {
  let server: LoopbackServer;
  let allowNet: string[];
  /** Called when a request for `/slow/...` or `/hang/...` arrives. */
  let onHeld: (path: string) => void = () => undefined;

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      const path = req.url ?? '/';
      if (path.startsWith('/slow')) {
        onHeld(path);
        setTimeout(() => res.end('slow'), 150);
      } else if (path.startsWith('/hang')) {
        onHeld(path);
      } else {
        res.end('fast');
      }
    });
    allowNet = [`127.0.0.1:${server.port}`];
  });
  afterAll(() => server.close());

  /** Aborts `controller` once `count` held requests have arrived. */
  function abortAfterHeld(controller: AbortController, count: number): void {
    let held = 0;
    onHeld = () => {
      if (++held === count) controller.abort();
    };
  }

  it('acts like the deadline arriving now: answered ok, in flight DEADLINE, the rest NOT_ATTEMPTED', async () => {
    const controller = new AbortController();
    abortAfterHeld(controller, 2);
    const urls = [`${server.origin}/a`, `${server.origin}/hang/1`, `${server.origin}/hang/2`, `${server.origin}/b`, `${server.origin}/c`];
    const { results, summary } = await runEngine(urls, { concurrency: 2, perHost: 2, allowNet, timeoutMs: 20_000 }, {}, undefined, {
      signal: controller.signal,
    });
    expect(results.map((r) => r.error?.code ?? 'OK')).toEqual(['OK', 'DEADLINE', 'DEADLINE', 'NOT_ATTEMPTED', 'NOT_ATTEMPTED']);
    expect(summary).toMatchObject({ total: 5, ok: 1, notAttempted: 2 });
  });

  it('lets requests in flight finish within the grace, and cuts those that do not', async () => {
    const controller = new AbortController();
    abortAfterHeld(controller, 2);
    const urls = [`${server.origin}/slow/1`, `${server.origin}/hang/1`, `${server.origin}/later`];
    const { results } = await runEngine(urls, { concurrency: 2, perHost: 2, allowNet, timeoutMs: 20_000 }, {}, undefined, {
      signal: controller.signal,
      stopGraceMs: 1000,
    });
    expect(results.map((r) => r.error?.code ?? 'OK')).toEqual(['OK', 'DEADLINE', 'NOT_ATTEMPTED']);
    expect(results[1]?.error?.message).toBe('the run was stopped before the request finished');
  });

  it('stops URLs still waiting for their name too: NOT_ATTEMPTED at once, not after the lookup', async () => {
    // The test's own DNS server on loopback answers slow.test long after the abort.
    const dns = await startLoopbackDnsServer(() => ({ addresses: ['127.0.0.1'], delayMs: 3000 }));
    const controller = new AbortController();
    abortAfterHeld(controller, 1);
    const urls = [`${server.origin}/hang/1`, `http://slow.test:${server.port}/x`];
    const started = performance.now();
    try {
      const { results, summary } = await runEngine(
        urls,
        { allowNet: [...allowNet, `slow.test:${server.port}`], dnsServers: [dns.address], dnsTimeoutMs: 5000, timeoutMs: 20_000 },
        {},
        undefined,
        { signal: controller.signal, stopGraceMs: 100 },
      );
      expect(results.map((r) => r.error?.code ?? 'OK')).toEqual(['DEADLINE', 'NOT_ATTEMPTED']);
      expect(summary).toMatchObject({ total: 2, notAttempted: 1 });
      expect(results[1]?.error?.message).toBe('not started before the run stopped (its deadline, or an abort)');
      expect(performance.now() - started).toBeLessThan(2500);
    } finally {
      await dns.close();
    }
  });
});
