/**
 * Scenario R's figures: how closely each host was held to its rate, read from the
 * arrival times the target server noted (not from the client's own account), and
 * what the limiting costs in CPU beside the same URLs fetched without limits.
 */
import type { ClientRuns, Verdict } from './bench-report';
import { cell, num, renderTable, spread } from './bench-report';
import type { ServerArrivals } from './bench-processes';
import { benchHostName, CLIENT_KINDS, configuredRate, type RateLimited, type Scenario } from './scenarios';

/** What the server saw of one host in one run. */
export interface HostRateFigures {
  readonly host: string;
  /** The rate the host is held to, requests per second. */
  readonly configured: number;
  /** Requests the server saw (robots.txt not counted). */
  readonly requests: number;
  /** (n − 1) / the span from the first request's arrival to the last's: n starts make n − 1 intervals. */
  readonly achieved: number;
  /** (achieved − configured) / configured, in %. */
  readonly errorPct: number;
  /** The most requests that arrived within any 1 s (a window [t, t + 1 s) at every arrival t). */
  readonly maxIn1s: number;
  /** The host's last arrival, in s after the run's first request of any kind. */
  readonly finishS: number;
  /** Where a perfect client's last start falls: (n − 1) / configured. */
  readonly idealFinishS: number;
}

/** One run of the rate-limited client: each host's figures, in host order. */
export interface RateRun {
  readonly hosts: readonly HostRateFigures[];
  readonly robotsRequests: number;
  /**
   * The longest the server saw no request of any host while every host was still
   * sending (from the run's first arrival to the first host's last), in ms. With six
   * hosts at 255 req/s in all it is a few ms; a long one is a stall (the server's
   * process not scheduled, a pause in either process), after which the requests
   * held up arrive bunched: what lifts "max in any 1 s" above a host's rate.
   */
  readonly longestSilenceMs: number;
}

/** The most of `sorted` (ascending ms) within any window [t, t + windowMs) that starts at one of them. */
export function maxInWindow(sorted: readonly number[], windowMs: number): number {
  let best = 0;
  let head = 0;
  for (let tail = 0; tail < sorted.length; tail += 1) {
    while (sorted[tail]! - sorted[head]! >= windowMs) head += 1;
    best = Math.max(best, tail - head + 1);
  }
  return best;
}

/** One host's figures from its arrival times (ms, ascending) and the run's first arrival. */
export function hostRateFigures(host: string, times: readonly number[], configured: number, runFirstMs: number): HostRateFigures {
  const n = times.length;
  const spanMs = n < 2 ? 0 : times[n - 1]! - times[0]!;
  const achieved = spanMs > 0 ? ((n - 1) * 1000) / spanMs : Number.NaN;
  return {
    host,
    configured,
    requests: n,
    achieved,
    errorPct: (achieved / configured - 1) * 100,
    maxIn1s: maxInWindow(times, 1000),
    finishS: n === 0 ? Number.NaN : (times[n - 1]! - runFirstMs) / 1000,
    idealFinishS: Math.max(0, n - 1) / configured,
  };
}

/** The longest gap between arrivals of any host, up to the first host's last arrival (see {@link RateRun.longestSilenceMs}). */
export function longestSilenceMs(first: number, perHost: readonly (readonly number[])[]): number {
  const until = Math.min(...perHost.map((times) => times.at(-1) ?? Number.NEGATIVE_INFINITY));
  const merged = Float64Array.from(perHost.flat().filter((t) => t <= until)).sort();
  let longest = 0;
  let previous = first;
  for (const t of merged) {
    longest = Math.max(longest, t - previous);
    previous = t;
  }
  return longest;
}

/** Every host's figures for one run, from the server's arrivals. */
export function measureRateRun(arrivals: ServerArrivals, rateLimited: RateLimited): RateRun {
  const first = arrivals.first ?? 0;
  const times = rateLimited.hosts.map((_, i) => arrivals.hosts[benchHostName(i)] ?? []);
  const hosts = rateLimited.hosts.map((h, i) => hostRateFigures(benchHostName(i), times[i]!, configuredRate(rateLimited, h), first));
  return { hosts, robotsRequests: arrivals.robots, longestSilenceMs: longestSilenceMs(first, times) };
}

/** A rate as configured: `50/s`, with where it comes from. */
function rateSource(rateLimited: RateLimited, index: number): string {
  const h = rateLimited.hosts[index]!;
  const rate = `${num(configuredRate(rateLimited, h), 0)}/s`;
  return h.crawlDelayS === null || 1 / h.crawlDelayS >= rateLimited.hostRate
    ? `${rate} (--host-rate)`
    : `${rate} (Crawl-delay ${h.crawlDelayS})`;
}

function signed(value: number, digits: number): string {
  return `${value >= 0 ? '+' : ''}${num(value, digits)}`;
}

/** `median [min–max]` of signed values. */
function signedCell(values: readonly number[], digits: number): string {
  const s = spread(values);
  if (s === null) return '—';
  if (s.n === 1) return signed(s.median, digits);
  return `${signed(s.median, digits)} [${signed(s.min, digits)}–${signed(s.max, digits)}]`;
}

/** The verdict: the worst host's median error within the target. */
function judgeRates(scenario: Scenario, runs: readonly RateRun[]): Verdict {
  const target = scenario.target;
  const maxErrorPct = target.kind === 'host-rate' ? target.maxErrorPct : Number.NaN;
  const text = `${target.client}: every host's achieved rate within ±${maxErrorPct}% of configured`;
  if (runs.length === 0) return { scenario: scenario.id, target: text, measured: '—', result: 'NO DATA' };
  const medians = runs[0]!.hosts.map((h, i) => ({ host: h.host, errorPct: spread(runs.map((r) => r.hosts[i]!.errorPct))!.median }));
  // NaN (a host with under two requests) compares false, so it can never pass.
  const worst = medians.reduce((a, b) => (!(Math.abs(b.errorPct) <= Math.abs(a.errorPct)) ? b : a));
  const pass = Math.abs(worst.errorPct) <= maxErrorPct;
  return {
    scenario: scenario.id,
    target: text,
    measured: `worst ${signed(worst.errorPct, 2)}% (${worst.host})`,
    result: pass ? 'PASS' : 'MISS',
  };
}

/**
 * Scenario R's report: a row per host (configured rate; achieved rate, its error and
 * the most in any 1 s, medians [min–max] over runs; when its last request came
 * against a perfect client's), then the whole run beside the unlimited one: elapsed,
 * CPU per request and their ratio. Whether the slow host held up the fast ones is
 * the fast hosts' finish against their ideal.
 */
export function reportRateScenario(scenario: Scenario, results: ReadonlyMap<string, ClientRuns>): { text: string; verdict: Verdict } {
  const rateLimited = scenario.rateLimited!;
  const limited = results.get(CLIENT_KINDS.ENGINE_RATE_LIMITED);
  const unlimited = results.get(CLIENT_KINDS.ENGINE);
  const runs = limited?.rates ?? [];
  const verdict = judgeRates(scenario, runs);
  const lines: string[] = [];

  const hostRows: string[][] = [
    [
      'host',
      'configured',
      'requests seen',
      'achieved req/s',
      'error %',
      'mean gap ms',
      'max in any 1 s',
      'last start s',
      'ideal s',
      'late s',
    ],
  ];
  rateLimited.hosts.forEach((_, i) => {
    const of = (pick: (h: HostRateFigures) => number): number[] => runs.map((r) => pick(r.hosts[i]!));
    hostRows.push([
      benchHostName(i),
      rateSource(rateLimited, i),
      cell(spread(of((h) => h.requests)), 0),
      cell(spread(of((h) => h.achieved)), 3),
      signedCell(
        of((h) => h.errorPct),
        2,
      ),
      cell(spread(of((h) => 1000 / h.achieved)), 2),
      cell(spread(of((h) => h.maxIn1s)), 0),
      cell(spread(of((h) => h.finishS)), 2),
      cell(spread(of((h) => h.idealFinishS)), 2),
      signedCell(
        of((h) => h.finishS - h.idealFinishS),
        2,
      ),
    ]);
  });
  lines.push(renderTable(hostRows));

  // The fast hosts: those at the whole --host-rate, whose finish tells whether the slow one held them up.
  const fast = rateLimited.hosts.flatMap((h, i) => (configuredRate(rateLimited, h) >= rateLimited.hostRate ? [i] : []));
  if (runs.length > 0 && fast.length > 0) {
    const lateness = runs.map((r) => Math.max(...fast.map((i) => r.hosts[i]!.finishS - r.hosts[i]!.idealFinishS)));
    const worstIdeal = Math.max(...fast.map((i) => runs[0]!.hosts[i]!.idealFinishS));
    const late = spread(lateness)!;
    lines.push(
      `  fast hosts' last start vs ideal (n − 1)/rate, the latest of them: ${signedCell(lateness, 2)} s ` +
        `(${signed((late.median / worstIdeal) * 100, 1)}% of ${num(worstIdeal, 2)} s): ` +
        (late.median / worstIdeal <= 0.05
          ? 'the slow host did not hold them up beyond their own rate'
          : 'later than their rate explains: something held them up'),
    );
  }

  if (runs.length > 0) {
    lines.push(
      `  longest silence at the server while every host was sending: ${cell(spread(runs.map((r) => r.longestSilenceMs)), 1)} ms ` +
        '(requests held up by a stall arrive bunched, so "max in any 1 s" as the server saw it can exceed the rate)',
    );
  }

  const clientRows: string[][] = [
    ['figure', `${CLIENT_KINDS.ENGINE_RATE_LIMITED} (median [min–max])`, `${CLIENT_KINDS.ENGINE} unlimited`, 'limited/unlimited'],
  ];
  const figure = (label: string, value: (r: ClientRuns) => number[], digits: number): void => {
    const a = spread(limited === undefined ? [] : value(limited));
    const b = spread(unlimited === undefined ? [] : value(unlimited));
    clientRows.push([
      label,
      cell(a, digits),
      cell(b, digits),
      a === null || b === null || b.median === 0 ? '—' : num(a.median / b.median, 2),
    ]);
  };
  figure('elapsed s', (r) => r.summaries.map((s) => s.elapsed_s), 2);
  figure('throughput req/s', (r) => r.summaries.map((s) => s.requests_per_s), 0);
  figure('CPU µs/request', (r) => r.summaries.map((s) => s.cpu_us_per_request), 1);
  figure('peak RSS MiB', (r) => r.summaries.map((s) => s.max_rss_mib), 1);
  figure('ok', (r) => r.summaries.map((s) => s.ok), 0);
  figure('failed', (r) => r.summaries.map((s) => s.failed), 0);
  figure('robots.txt requests', (r) => r.rates.map((x) => x.robotsRequests), 0);
  lines.push(renderTable(clientRows));
  lines.push(`  target: ${verdict.target}: measured ${verdict.measured} → ${verdict.result}`);
  for (const [kind, r] of results) for (const failure of r.failures) lines.push(`  ${kind} run failed: ${failure}`);
  return { text: lines.join('\n'), verdict };
}
