import type { ClientRuns } from '../../bench/bench-report';
import type { ClientSummary } from '../../bench/bench-clients';
import { hostRateFigures, longestSilenceMs, maxInWindow, measureRateRun, reportRateScenario, type RateRun } from '../../bench/rate-report';
import {
  CLIENT_KINDS,
  configuredRate,
  interleaveHosts,
  rateIdealMs,
  scaledHostUrls,
  scaledUrlCount,
  SCENARIOS,
  type Scenario,
} from '../../bench/scenarios';

const R = SCENARIOS.find((s) => s.id === 'R') as Scenario;
const RATES = R.rateLimited!;

/** Arrivals every `gapMs` from `startMs`, `n` of them. */
function evenly(n: number, gapMs: number, startMs = 0): number[] {
  return Array.from({ length: n }, (_, i) => startMs + i * gapMs);
}

describe('scenario R', () => {
  it('is 10,000 URLs: five hosts at 50/s and one at 5/s that all take about 40 s', () => {
    expect(scaledUrlCount(R, 1)).toBe(10_000);
    expect(RATES.hosts.map((h) => configuredRate(RATES, h))).toEqual([50, 50, 50, 50, 50, 5]);
    expect(rateIdealMs(RATES, 1)).toBe(39_800); // 199 intervals of 200 ms; the fast hosts need 1,959 × 20 = 39,180
  });

  it('scales each host on its own, the file being their sum', () => {
    expect(scaledHostUrls(RATES, 0.1)).toEqual([196, 196, 196, 196, 196, 20]);
    expect(scaledUrlCount(R, 0.1)).toBe(1000);
  });
});

describe('interleaveHosts', () => {
  it('gives each host its count, spread evenly through the file', () => {
    const order = interleaveHosts([1960, 1960, 1960, 1960, 1960, 200]);
    expect(order).toHaveLength(10_000);
    const slow = [...order.keys()].filter((i) => order[i] === 5);
    expect(slow).toHaveLength(200);
    // One slow URL in about every 50 lines (each fast host's share rounds to 9 or 10 between two), none bunched at either end.
    expect(slow[0]).toBeLessThan(50);
    expect(slow.at(-1)).toBeGreaterThan(10_000 - 50);
    const gaps = slow.slice(1).map((at, k) => at - slow[k]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(45);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(55);
  });

  it('breaks a tie in favour of the lower host', () => {
    expect([...interleaveHosts([3, 1])]).toEqual([0, 0, 1, 0]);
  });
});

describe('maxInWindow', () => {
  it('counts a window as [t, t + 1 s): starts exactly one interval apart fill it with the rate', () => {
    expect(maxInWindow(evenly(200, 20), 1000)).toBe(50);
    expect(maxInWindow(evenly(20, 200), 1000)).toBe(5);
  });

  it('finds a burst anywhere in the run', () => {
    const times = [...evenly(50, 20), 1500, 1501, 1502, 1503, ...evenly(10, 20, 3000)];
    expect(maxInWindow(times, 10)).toBe(4);
  });

  it('is 0 for no arrivals', () => {
    expect(maxInWindow([], 1000)).toBe(0);
  });
});

describe('longestSilenceMs', () => {
  it('finds the longest gap across every host while all of them are sending', () => {
    const a = [10, 30, 50, 130, 150];
    const b = [20, 40, 60, 140];
    expect(longestSilenceMs(0, [a, b])).toBe(70); // 60 → 130
  });

  it('ignores the tail after the first host has finished', () => {
    expect(
      longestSilenceMs(0, [
        [10, 20, 30],
        [15, 25, 500],
      ]),
    ).toBe(10);
  });
});

describe('hostRateFigures', () => {
  it('reads (n − 1) / span: n starts a perfect interval apart are the configured rate exactly', () => {
    const f = hostRateFigures('h0', evenly(1960, 20, 5), 50, 0);
    expect(f.achieved).toBeCloseTo(50, 10);
    expect(f.errorPct).toBeCloseTo(0, 10);
    expect(f.finishS).toBeCloseTo(39.185, 10);
    expect(f.idealFinishS).toBeCloseTo(39.18, 10);
  });

  it('charges late starts to the rate: 20.4 ms apart at 50/s is 2% short', () => {
    const f = hostRateFigures('h0', evenly(101, 20.4), 50, 0);
    expect(f.errorPct).toBeCloseTo(-1.96, 2);
  });

  it('has no rate for a host seen fewer than twice', () => {
    expect(hostRateFigures('h0', [7], 50, 0).achieved).toBeNaN();
  });

  it('measures from the arrivals of its own host, by name', () => {
    const run = measureRateRun(
      { first: 100, hosts: { 'h5.bench.test': evenly(11, 200, 110), 'h0.bench.test': evenly(51, 20, 101) }, robots: 6 },
      RATES,
    );
    expect(run.hosts.map((h) => h.requests)).toEqual([51, 0, 0, 0, 0, 11]);
    expect(run.hosts[5]!.achieved).toBeCloseTo(5, 10);
    expect(run.hosts[5]!.finishS).toBeCloseTo(2.01, 10);
    expect(run.robotsRequests).toBe(6);
  });
});

describe('reportRateScenario', () => {
  const summary = (elapsed: number, cpuUs: number): ClientSummary => ({
    total: 10_000,
    ok: 10_000,
    failed: 0,
    elapsed_s: elapsed,
    requests_per_s: 10_000 / elapsed,
    cpu_ms: (cpuUs * 10_000) / 1000,
    cpu_us_per_request: cpuUs,
    max_rss_mib: 100,
    bytes: 640_000,
  });
  const runsOf = (summaries: ClientSummary[], rates: RateRun[]): ClientRuns => ({
    summaries,
    connections: [],
    serverBusy: [],
    failures: [],
    dns: [],
    rates,
    tls: [],
  });
  /** A run where every fast host has `gapMs` between starts and the slow one is exact. */
  const rateRun = (gapMs: number): RateRun =>
    measureRateRun(
      {
        first: 0,
        hosts: {
          ...Object.fromEntries([0, 1, 2, 3, 4].map((i) => [`h${i}.bench.test`, evenly(1960, gapMs, 1)])),
          'h5.bench.test': evenly(200, 200, 1),
        },
        robots: 6,
      },
      RATES,
    );
  const results = (gapMs: number): Map<string, ClientRuns> =>
    new Map([
      [
        CLIENT_KINDS.ENGINE_RATE_LIMITED,
        runsOf([summary(40, 300), summary(40, 320), summary(41, 310)], [rateRun(gapMs), rateRun(gapMs), rateRun(gapMs)]),
      ],
      [CLIENT_KINDS.ENGINE, runsOf([summary(4, 100), summary(4, 110), summary(4, 90)], [])],
    ]);

  it('passes when every host is within 2% of its rate, and prints CPU per request beside the unlimited run', () => {
    const { text, verdict } = reportRateScenario(R, results(20.2)); // 50/s read as 49.50: -0.99%
    expect(verdict.result).toBe('PASS');
    expect(verdict.measured).toBe('worst -0.99% (h0.bench.test)');
    expect(text).toMatch(/CPU µs\/request\s+310\.0 \[300\.0–320\.0\]\s+100\.0 \[90\.0–110\.0\]\s+3\.10/);
    expect(text).toContain('5/s (Crawl-delay 0.2)');
  });

  it('misses when a host is more than 2% off, naming the worst one', () => {
    const { verdict } = reportRateScenario(R, results(20.5)); // 48.78/s: -2.44%
    expect(verdict.result).toBe('MISS');
    expect(verdict.measured).toBe('worst -2.44% (h0.bench.test)');
  });

  it('has no data when the rate-limited engine never finished a run', () => {
    const { verdict } = reportRateScenario(R, new Map([[CLIENT_KINDS.ENGINE, runsOf([summary(4, 100)], [])]]));
    expect(verdict.result).toBe('NO DATA');
  });
});
