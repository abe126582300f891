import { allResults, countByLine, submit, waitForJob } from './e2e-client';
import { startRateProbe, type RateProbe } from '../support/rate-probe';

/**
 * A job's perHost and hostRate hold across the whole fleet: four consumers at once
 * (stage e2e: maximumConcurrency 4, two chunks a batch) fetch one job whose big host
 * owns most of the URLs, spread over several chunks, while the loopback probe counts
 * what that host saw. The consumers' 3.5 s deadlines hand back what the rate cannot
 * start in time, re-queued with a delay as later generations.
 */
describe('politeness through the local stack', () => {
  let big: RateProbe;
  let small: RateProbe;

  beforeAll(async () => {
    big = await startRateProbe();
    small = await startRateProbe();
  });
  afterAll(async () => {
    await big.close();
    await small.close();
  });

  it('keeps a host within the job’s perHost and hostRate across four consumers, and every URL gets one record', async () => {
    // 150 ms a page: at 25/s the host would need 3.75 in flight, so the cap of 3 binds too.
    big.configure('127.0.0.1', { delayMs: 150 });
    const bigUrls = Array.from({ length: 400 }, (_, i) => `${big.origin}/p/${i}`);
    const smallUrls = Array.from({ length: 40 }, (_, i) => `${small.origin}/s/${i}`);
    const urls = [...bigUrls, ...smallUrls];
    const job = await submit(urls, { perHost: 3, hostRate: '25/s', retries: 0 });
    expect(job.chunks).toBeGreaterThanOrEqual(5);

    const status = await waitForJob(job.jobId, 150_000);
    expect(status).toMatchObject({ state: 'done', total: 440, succeeded: 440, failed: 0 });
    const items = await allResults(job.jobId);
    expect(items).toHaveLength(440);
    expect([...countByLine(items).values()].every((n) => n === 1)).toBe(true);

    const host = big.key('127.0.0.1');
    // Every page was asked for; a few twice, when a consumer's deadline cut the request in flight and a later generation asked again.
    expect(new Set(big.requests(host).map((r) => r.path)).size).toBe(400);
    expect(big.maxInFlight(host)).toBeLessThanOrEqual(3);
    // The fleet's bound: burst + 1 + W × rate (a reserved start may be used up to an interval late).
    expect(big.maxPerWindow(host, 1000)).toBeLessThanOrEqual(1 + 1 + 25);
    expect(big.maxPerWindow(host, 100)).toBeLessThanOrEqual(1 + 1 + 3);
    // The rate handed URLs back: later generations ran them.
    expect(status.chunks.total).toBeGreaterThan(job.chunks);
  }, 170_000);
});
