import type { ClientSummary } from '../../bench/bench-clients';
import type { ServerHandshakes } from '../../bench/bench-processes';
import { reportScenario, type ClientRuns } from '../../bench/bench-report';
import { CLIENT_KINDS, SCENARIOS, type Scenario } from '../../bench/scenarios';

function scenario(id: string): Scenario {
  const found = SCENARIOS.find((s) => s.id === id);
  if (found === undefined) throw new Error(`no scenario ${id}`);
  return found;
}

const summary = (requestsPerS: number, ok = 20_000): ClientSummary => ({
  total: 20_000,
  ok,
  failed: 20_000 - ok,
  elapsed_s: 20_000 / requestsPerS,
  requests_per_s: requestsPerS,
  cpu_ms: 1000,
  cpu_us_per_request: 50,
  max_rss_mib: 100,
  bytes: 0,
});

const handshakes = (later: number, laterResumed: number): ServerHandshakes => ({
  handshakes: 4000 + later,
  resumed: laterResumed,
  later,
  laterResumed,
});

const runsOf = (summaries: ClientSummary[], tls: ServerHandshakes[] = []): ClientRuns => ({
  summaries,
  connections: [],
  serverBusy: [],
  failures: [],
  dns: [],
  rates: [],
  tls,
});

describe('the HTTPS verdicts', () => {
  const { ENGINE, BARE, BASELINE } = CLIENT_KINDS;

  it("T1 passes only at 0.95 of the ideal and at least the baseline's efficiency", () => {
    const t1 = scenario('T1');
    const verdict = (engine: number, baseline: number) =>
      reportScenario(
        t1,
        20_000,
        new Map([
          [ENGINE, runsOf([summary(engine)])],
          [BASELINE, runsOf([summary(baseline)])],
        ]),
      ).verdict.result;
    expect(verdict(3900, 3700)).toBe('PASS');
    expect(verdict(3900, 3950)).toBe('MISS');
    expect(verdict(3700, 3000)).toBe('MISS');
  });

  it("T2 passes at 0.85 of the bare client's throughput, every URL ok and 75% of later handshakes resumed", () => {
    const t2 = scenario('T2');
    const verdict = (engine: ClientRuns) =>
      reportScenario(
        t2,
        20_000,
        new Map([
          [ENGINE, engine],
          [BARE, runsOf([summary(1000)], [handshakes(16_000, 16_000)])],
        ]),
      ).verdict;
    expect(verdict(runsOf([summary(900)], [handshakes(16_000, 12_800)]))).toMatchObject({ result: 'PASS', measured: '0.900' });
    expect(verdict(runsOf([summary(800)], [handshakes(16_000, 16_000)])).result).toBe('MISS');
    expect(verdict(runsOf([summary(900, 19_999)], [handshakes(16_000, 16_000)])).result).toBe('MISS');
    expect(verdict(runsOf([summary(900)], [handshakes(16_000, 11_000)])).result).toBe('MISS');
  });
});
