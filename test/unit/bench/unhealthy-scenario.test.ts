import type { ClientSummary } from '../../bench/bench-clients';
import { reportScenario, type ClientRuns } from '../../bench/bench-report';
import { CLIENT_KINDS, idealElapsedMs, PATH_KINDS, SCENARIOS, unhealthyPathAt, type Scenario } from '../../bench/scenarios';

const P = SCENARIOS.find((s) => s.id === 'P') as Scenario;
const UNHEALTHY = P.unhealthy!;
const { ENGINE, ENGINE_BROKEN_PATHS, ENGINE_SPORADIC_503 } = CLIENT_KINDS;

const pathsOf = (kind: (typeof CLIENT_KINDS)[keyof typeof CLIENT_KINDS]): string[] =>
  Array.from({ length: P.urls }, (_, i) => unhealthyPathAt(UNHEALTHY, kind, i));

describe('scenario P', () => {
  it('is one host, 2,000 URLs at 20 ms and per-host 8: 5 s ideal', () => {
    expect(idealElapsedMs(P, P.urls)).toBe(5000);
  });

  it('breaks 2% of the paths, spread evenly and not the first, in the broken-paths file only', () => {
    const broken = pathsOf(ENGINE_BROKEN_PATHS)
      .map((kind, i) => (kind === PATH_KINDS.BROKEN ? i : -1))
      .filter((i) => i >= 0);
    expect(broken).toHaveLength(40);
    expect(broken[0]).toBe(25);
    expect(new Set(broken.slice(1).map((i, k) => i - (broken[k] as number)))).toEqual(new Set([50]));
    expect(new Set(pathsOf(ENGINE))).toEqual(new Set([PATH_KINDS.OK]));
    expect(new Set(pathsOf(ENGINE_SPORADIC_503))).toEqual(new Set([PATH_KINDS.SPORADIC]));
  });
});

describe('reportScenario for an elapsed-ratio target', () => {
  const run = (elapsed: number): ClientSummary => ({
    total: 2000,
    ok: 2000,
    failed: 0,
    elapsed_s: elapsed,
    requests_per_s: 2000 / elapsed,
    cpu_ms: 100,
    cpu_us_per_request: 50,
    max_rss_mib: 80,
    bytes: 128_000,
  });
  const runsOf = (...elapsed: number[]): ClientRuns => ({
    summaries: elapsed.map(run),
    connections: [],
    serverBusy: [],
    failures: [],
    dns: [],
    rates: [],
  });

  it('judges the worse of the unhealthy runs’ medians against the healthy median', () => {
    const { verdict, text } = reportScenario(
      P,
      P.urls,
      new Map([
        [ENGINE, runsOf(5.0, 5.2, 9.0)],
        [ENGINE_BROKEN_PATHS, runsOf(5.5, 5.9, 5.6)],
        [ENGINE_SPORADIC_503, runsOf(5.3, 5.4, 5.2)],
      ]),
    );
    // Medians 5.2, 5.6, 5.3: the worse is 5.6 / 5.2.
    expect(verdict).toMatchObject({ measured: '1.077', result: 'PASS' });
    expect(text).toContain('elapsed s');
  });

  it('misses when one of them takes more than 1.2 × as long, and has no data without it', () => {
    const slow = reportScenario(
      P,
      P.urls,
      new Map([
        [ENGINE, runsOf(5)],
        [ENGINE_BROKEN_PATHS, runsOf(5.5)],
        [ENGINE_SPORADIC_503, runsOf(6.5)],
      ]),
    );
    expect(slow.verdict).toMatchObject({ measured: '1.300', result: 'MISS' });
    const missing = reportScenario(P, P.urls, new Map([[ENGINE, runsOf(5)]]));
    expect(missing.verdict.result).toBe('NO DATA');
  });
});
