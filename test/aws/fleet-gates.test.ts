import { DynamoFleetLimits } from '../../src/aws/dynamo-fleet-limits';
import { resolveEngineConfig } from '../../src/config/engine-config';
import { createEngine } from '../../src/fetch/engine';
import type { FetchResult } from '../../src/fetch/result';
import type { RunSummary } from '../../src/fetch/types';
import { FleetGates } from '../../src/jobs/fleet/fleet-gates';
import type { FleetLimitStore } from '../../src/jobs/fleet/fleet-limits';
import { fakeResolver, loopbackOnlyDialer } from '../integration/helpers/safe-network';
import { startRateProbe, type RateProbe } from '../support/rate-probe';
import { suiteJobTable, uniqueName } from './helpers';

/**
 * Several consumers (each its own engine, so its own scheduler, as separate Lambda
 * processes have) fetch chunks of one job at once, their gates sharing the fleet limit
 * store on dynalite: the job's perHost and hostRate must hold for the target host
 * across all of them.
 */
describe('fleet gates: a job’s limits across consumers', () => {
  const { clients, table } = suiteJobTable('fleet-gates');
  let probe: RateProbe;
  let store: FleetLimitStore;

  beforeAll(async () => {
    probe = await startRateProbe();
    store = new DynamoFleetLimits(clients.dynamodb, table);
  });
  afterAll(() => probe.close());
  beforeEach(() => probe.clear());

  async function consumers(
    count: number,
    urlsEach: number,
    options: { perHost: number; hostRate: string | null; deadlineInMs: number; jobId: string },
  ): Promise<{ results: FetchResult[]; summaries: RunSummary[] }> {
    probe.configure('big.test', { delayMs: 40 });
    const config = resolveEngineConfig({
      perHost: options.perHost,
      hostRate: options.hostRate,
      allowNet: [probe.key('big.test')],
      retries: 0,
    });
    const results: FetchResult[] = [];
    const summaries = await Promise.all(
      Array.from({ length: count }, async (_, c) => {
        const safe = loopbackOnlyDialer();
        const engine = createEngine(config, { dial: safe.dial, resolve: fakeResolver({ 'big.test': ['127.0.0.1'] }) });
        const deadline = Date.now() + options.deadlineInMs;
        const fleet = new FleetGates({ store, jobId: options.jobId, deadline, leaseUntil: deadline + 1000 });
        try {
          const urls = Array.from({ length: urlsEach }, (_, i) => ({
            url: probe.url('big.test', `/c${c}/${i}`),
            line: c * urlsEach + i + 1,
          }));
          return await engine.run(urls, {
            config,
            deadline,
            limitGroup: options.jobId,
            gates: fleet.factories,
            onResult: (r) => void results.push(r),
          });
        } finally {
          await fleet.settle();
          await engine.close();
        }
      }),
    );
    return { results, summaries };
  }

  it('keeps requests in flight to a host within perHost across four consumers', async () => {
    const { results } = await consumers(4, 20, { perHost: 3, hostRate: null, deadlineInMs: 15_000, jobId: uniqueName('j') });
    expect(results).toHaveLength(80);
    expect(results.filter((r) => r.ok)).toHaveLength(80);
    expect(probe.maxInFlight(probe.key('big.test'))).toBeLessThanOrEqual(3);
    // The slots are shared, not hoarded: the cap is reached.
    expect(probe.maxInFlight(probe.key('big.test'))).toBe(3);
  });

  it('keeps the host’s request rate within hostRate across four consumers', async () => {
    const { results } = await consumers(4, 15, { perHost: 8, hostRate: '20/s', deadlineInMs: 15_000, jobId: uniqueName('j') });
    expect(results.filter((r) => r.ok)).toHaveLength(60);
    const host = probe.key('big.test');
    // The fleet's bound, burst + 1 + W × rate: at most 1 + 1 + 20 starts in any second, 1 + 1 + 2 in any 100 ms.
    expect(probe.maxPerWindow(host, 1000)).toBeLessThanOrEqual(22);
    expect(probe.maxPerWindow(host, 100)).toBeLessThanOrEqual(4);
    expect(probe.achievedRate(host)).toBeLessThanOrEqual(20.5);
  });

  it('hands back the URLs a host cannot take before the deadline, with when it could', async () => {
    const { results, summaries } = await consumers(2, 20, { perHost: 8, hostRate: '10/s', deadlineInMs: 1500, jobId: uniqueName('j') });
    expect(results).toHaveLength(40);
    const started = results.filter((r) => r.attempts > 0).length;
    // About 1.5 s at 10/s for the two of them together.
    expect(started).toBeLessThanOrEqual(17);
    const back = results.filter((r) => r.error?.code === 'NOT_ATTEMPTED');
    expect(back.length).toBe(40 - started);
    expect(summaries.some((s) => s.resumeAt !== undefined)).toBe(true);
    expect(probe.maxPerWindow(probe.key('big.test'), 1000)).toBeLessThanOrEqual(12);
  });
});
