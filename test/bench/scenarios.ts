/** The benchmark's scenarios and their targets (the figures the issue asks for). */

/** Who is measured: the engine CLI (hashing on or off) or the hand-written baseline. */
export const CLIENT_KINDS = {
  ENGINE: 'engine',
  ENGINE_NO_HASH: 'engine --no-hash',
  /** The engine with the scenario's `--host-rate` and `--robots` (scenario R). */
  ENGINE_RATE_LIMITED: 'engine --host-rate',
  /** The engine over the scenario's file with some paths that always answer 503 (scenario P). */
  ENGINE_BROKEN_PATHS: 'engine, broken paths',
  /** The engine over the scenario's file with 503s answered at random (scenario P). */
  ENGINE_SPORADIC_503: 'engine, sporadic 503s',
  BASELINE: 'baseline',
} as const;

export type ClientKind = (typeof CLIENT_KINDS)[keyof typeof CLIENT_KINDS];

/** The figure a scenario is judged on; the verdict uses the medians. */
export type Target =
  | { readonly kind: 'efficiency'; readonly client: ClientKind; readonly min: number }
  | { readonly kind: 'cpu-ratio'; readonly client: ClientKind; readonly max: number }
  | { readonly kind: 'mib-per-s'; readonly client: ClientKind; readonly min: number }
  | { readonly kind: 'rss'; readonly client: ClientKind; readonly maxMib: number }
  /** Every host's achieved rate (as the target server saw it) within `maxErrorPct` of its configured rate. */
  | { readonly kind: 'host-rate'; readonly client: ClientKind; readonly maxErrorPct: number }
  /** Each of `slower`'s median elapsed time within `max` × that of `client` (the same list, healthy). */
  | { readonly kind: 'elapsed-ratio'; readonly client: ClientKind; readonly slower: readonly ClientKind[]; readonly max: number };

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** Milliseconds the server waits before sending headers. */
  readonly latencyMs: number;
  readonly concurrency: number;
  /** URL count before `--scale`. */
  readonly urls: number;
  /** One request in this many hangs (the last of each block), or 0 for none. */
  readonly hangEvery: number;
  /** The clients' per-request timeout (`--timeout-ms`, undici's headers/body timeouts). */
  readonly timeoutMs: number;
  readonly bodyBytes: number;
  readonly clients: readonly ClientKind[];
  readonly target: Target;
  /** False for the long RSS run, which runs once whatever `--runs` says. */
  readonly repeat: boolean;
  /** Only with `--rss`, `--all` or `--only` naming it. */
  readonly optIn: boolean;
  /** URLs spread over many host names, resolved by the bench's own DNS server; absent: every URL is 127.0.0.1. */
  readonly manyHosts?: ManyHosts;
  /** Per-host rates: URLs over a few host names, each held to a rate; absent: no rate flags. */
  readonly rateLimited?: RateLimited;
  /** 503s in the answers of some clients' runs (their own URL files); absent: none, and `--retries 0`. */
  readonly unhealthy?: Unhealthy;
}

/**
 * The unhealthy setting: the same list served healthy to {@link CLIENT_KINDS.ENGINE},
 * with `sharePct` of its paths always 503 to {@link CLIENT_KINDS.ENGINE_BROKEN_PATHS}
 * (broken pages, spread evenly through the file), and with `sharePct` of all answers
 * 503 at random to {@link CLIENT_KINDS.ENGINE_SPORADIC_503}.
 */
export interface Unhealthy {
  readonly sharePct: number;
  /** The engine's `--retries` in every run of the scenario (the bin's default is 2). */
  readonly retries: number;
}

/** The many-hosts setting: names, their DNS, and the client's limits. */
export interface ManyHosts {
  /** Host names before `--scale`; URL i goes to name i mod names, so a host's URLs spread through the file. */
  readonly names: number;
  /** Milliseconds the bench's DNS server waits before each answer. */
  readonly dnsDelayMs: number;
  /** TTL of its answers, in seconds: a client may ask once per name and record type within it. */
  readonly ttlS: number;
  /** `ulimit -n` of the client process (AWS Lambda's is 1,024). */
  readonly fdLimit: number;
  /** The engine's `--per-host`. */
  readonly perHost: number;
}

/**
 * The rate-limited setting: a few hosts, one `--host-rate` for all of them, and
 * some hosts slowed further by their own robots.txt `Crawl-delay` (read with
 * `--robots`), so that one run holds hosts to different rates with real features.
 */
export interface RateLimited {
  /** The engine's `--host-rate`, requests per second. */
  readonly hostRate: number;
  /** Host `i` is `benchHostName(i)`; its URLs are spread evenly through the file. */
  readonly hosts: readonly RateHost[];
}

/** One host of a rate-limited scenario. */
export interface RateHost {
  /** URLs before `--scale`. */
  readonly urls: number;
  /** Seconds its robots.txt asks between requests, or null for no `Crawl-delay`. */
  readonly crawlDelayS: number | null;
}

const { ENGINE, ENGINE_NO_HASH, ENGINE_RATE_LIMITED, ENGINE_BROKEN_PATHS, ENGINE_SPORADIC_503, BASELINE } = CLIENT_KINDS;
const DEFAULT_TIMEOUT_MS = 30_000;
const MIB = 1024 * 1024;

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'A',
    title: 'latency 50 ms, concurrency 200',
    latencyMs: 50,
    concurrency: 200,
    urls: 20_000,
    hangEvery: 0,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    bodyBytes: 64,
    clients: [ENGINE, BASELINE],
    target: { kind: 'efficiency', client: ENGINE, min: 0.95 },
    repeat: true,
    optIn: false,
  },
  {
    id: 'B',
    title: 'latency 100 ms, concurrency 1,000',
    latencyMs: 100,
    concurrency: 1000,
    urls: 50_000,
    hangEvery: 0,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    bodyBytes: 64,
    clients: [ENGINE, BASELINE],
    target: { kind: 'efficiency', client: ENGINE, min: 0.9 },
    repeat: true,
    optIn: false,
  },
  {
    id: 'C',
    title: 'latency 20 ms, concurrency 100, 1% hang, timeout 1,000 ms',
    latencyMs: 20,
    concurrency: 100,
    urls: 20_000,
    hangEvery: 100,
    timeoutMs: 1000,
    bodyBytes: 64,
    clients: [ENGINE, BASELINE],
    target: { kind: 'efficiency', client: ENGINE, min: 0.95 },
    repeat: true,
    optIn: false,
  },
  {
    id: 'D',
    title: 'no latency, concurrency 64, 64-byte bodies, hashing on',
    latencyMs: 0,
    concurrency: 64,
    urls: 50_000,
    hangEvery: 0,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    bodyBytes: 64,
    clients: [ENGINE, BASELINE],
    target: { kind: 'cpu-ratio', client: ENGINE, max: 1.2 },
    repeat: true,
    optIn: false,
  },
  {
    id: 'E',
    title: '1 MiB bodies, concurrency 16',
    latencyMs: 0,
    concurrency: 16,
    urls: 4000,
    hangEvery: 0,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    bodyBytes: MIB,
    clients: [ENGINE_NO_HASH, ENGINE, BASELINE],
    target: { kind: 'mib-per-s', client: ENGINE_NO_HASH, min: 1400 },
    repeat: true,
    optIn: false,
  },
  {
    id: 'G',
    title: 'many hosts: 4,000 names (DNS answers after 20 ms), latency 20 ms, concurrency 200, per-host 8, ulimit -n 1024',
    latencyMs: 20,
    concurrency: 200,
    urls: 20_000,
    hangEvery: 0,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    bodyBytes: 64,
    clients: [ENGINE, BASELINE],
    target: { kind: 'efficiency', client: ENGINE, min: 0.85 },
    repeat: true,
    optIn: false,
    manyHosts: { names: 4000, dnsDelayMs: 20, ttlS: 300, fdLimit: 1024, perHost: 8 },
  },
  {
    id: 'R',
    title: 'rate-limited: 5 hosts at --host-rate 50/s, one at 5/s by its robots.txt Crawl-delay 0.2, latency 20 ms, concurrency 64',
    latencyMs: 20,
    concurrency: 64,
    // 5 × 1,960 at 50/s (39.2 s) and 200 at 5/s (40 s): every host takes about as long.
    urls: 10_000,
    hangEvery: 0,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    bodyBytes: 64,
    clients: [ENGINE_RATE_LIMITED, ENGINE],
    target: { kind: 'host-rate', client: ENGINE_RATE_LIMITED, maxErrorPct: 2 },
    repeat: true,
    optIn: false,
    rateLimited: {
      hostRate: 50,
      hosts: [...Array.from({ length: 5 }, () => ({ urls: 1960, crawlDelayS: null })), { urls: 200, crawlDelayS: 0.2 }],
    },
  },
  {
    id: 'P',
    title: 'politeness with 503s: one host, latency 20 ms, per-host 8, --retries 2; 2% of paths always 503, or 2% of answers 503',
    latencyMs: 20,
    concurrency: 8,
    // 2,000 × 20 ms / 8 = 5 s clean; a host paused 1 s doubling on every 503 took 211 s.
    urls: 2000,
    hangEvery: 0,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    bodyBytes: 64,
    clients: [ENGINE, ENGINE_BROKEN_PATHS, ENGINE_SPORADIC_503],
    target: { kind: 'elapsed-ratio', client: ENGINE, slower: [ENGINE_BROKEN_PATHS, ENGINE_SPORADIC_503], max: 1.2 },
    repeat: true,
    optIn: false,
    unhealthy: { sharePct: 2, retries: 2 },
  },
  {
    id: 'F',
    title: 'peak RSS over 1,000,000 URLs, no latency, concurrency 64, 16-byte bodies',
    latencyMs: 0,
    concurrency: 64,
    urls: 1_000_000,
    hangEvery: 0,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    bodyBytes: 16,
    clients: [ENGINE],
    target: { kind: 'rss', client: ENGINE, maxMib: 200 },
    repeat: false,
    optIn: true,
  },
];

/** Which URLs of the file hang: the last of each block of `every`, before index `until`. */
export interface HangPlan {
  readonly every: number;
  /** First index from which no URL hangs. */
  readonly until: number;
  /** Hanging URLs in the file. */
  readonly count: number;
  /** False when the file is too short to keep its tail free of hangs (the last hangs then set the end). */
  readonly tailFree: boolean;
}

/**
 * Where the hangs go in a file of `count` URLs. A hang among the last URLs of a
 * run would stretch the run by up to a whole timeout after everything else is
 * done, an end effect no client can avoid (about 15% of a 20,000-URL run of C),
 * so the URLs a perfect client would start in the run's last `timeout` never
 * hang. Without hangs that client gets through concurrency / latency URLs a
 * second, so the hang-free tail is concurrency × timeout / latency URLs long
 * (5,000 in C). Files too short for that keep at least their first half with hangs.
 */
export function hangPlan(scenario: Scenario, count: number): HangPlan {
  if (scenario.hangEvery <= 0 || scenario.latencyMs === 0) return { every: 0, until: 0, count: 0, tailFree: true };
  const window = Math.ceil((scenario.concurrency * scenario.timeoutMs) / scenario.latencyMs);
  const until = Math.max(count - window, Math.floor(count / 2));
  return {
    every: scenario.hangEvery,
    until,
    count: Math.floor(until / scenario.hangEvery),
    tailFree: count - window >= Math.floor(count / 2),
  };
}

/** What the target server does with a path, by its first letter (see target-server.ts). */
export const PATH_KINDS = {
  /** A 200 after the latency. */
  OK: 'r',
  /** Never answered. */
  HANG: 'h',
  /** Always a 503 (a broken page). */
  BROKEN: 'b',
  /** A 503 at random, at the server's `--sporadic-503-pct`; else as OK. */
  SPORADIC: 's',
} as const;

/** The kind of the path at `index` in the file one client of an unhealthy scenario reads: which are broken, which sporadic. */
export function unhealthyPathAt(unhealthy: Unhealthy, kind: ClientKind, index: number): string {
  if (kind === CLIENT_KINDS.ENGINE_SPORADIC_503) return PATH_KINDS.SPORADIC;
  const every = Math.round(100 / unhealthy.sharePct);
  // Broken pages spread evenly, the first half a spacing in (not the very first URL).
  return kind === CLIENT_KINDS.ENGINE_BROKEN_PATHS && index % every === Math.floor(every / 2) ? PATH_KINDS.BROKEN : PATH_KINDS.OK;
}

/** True when the URL at `index` of the file hangs. */
export function hangsAt(plan: HangPlan, index: number): boolean {
  return plan.every > 0 && index < plan.until && index % plan.every === plan.every - 1;
}

/**
 * The shortest time in which a client with `concurrency` slots can fetch a file
 * of `count` URLs, in ms, or null when the server adds no latency (the client's
 * CPU is the limit). It plays a perfect client over the file: no overhead, each
 * URL started in file order the instant a slot frees, a normal URL holding its
 * slot for the latency and a hanging one for the whole timeout (no retries). So
 * it counts what no client can avoid, such as the last hangs still running
 * while the tail finishes, and nothing else.
 */
export function idealElapsedMs(scenario: Scenario, count: number): number | null {
  if (scenario.latencyMs === 0) return null;
  const plan = hangPlan(scenario, count);
  const slots = new MinHeap();
  let end = 0;
  for (let i = 0; i < count; i += 1) {
    const free = slots.size < scenario.concurrency ? 0 : slots.pop();
    const done = free + (hangsAt(plan, i) ? scenario.timeoutMs : scenario.latencyMs);
    slots.push(done);
    end = Math.max(end, done);
  }
  return end;
}

/** The best throughput over a file of `count` URLs, in requests per second (see {@link idealElapsedMs}). */
export function idealRequestsPerSecond(scenario: Scenario, count: number): number | null {
  const ms = idealElapsedMs(scenario, count);
  return ms === null ? null : (count * 1000) / ms;
}

/** A binary min-heap of numbers, enough for the simulation above. */
class MinHeap {
  readonly #items: number[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(value: number): void {
    const items = this.#items;
    let i = items.push(value) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]! <= value) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = value;
  }

  pop(): number {
    const items = this.#items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && items[right]! < items[left]! ? right : left;
        if (items[child]! >= last) break;
        items[i] = items[child]!;
        i = child;
      }
      items[i] = last;
    }
    return top;
  }
}

/** URL count after `--scale`, at least one. */
export function scaledUrlCount(scenario: Scenario, scale: number): number {
  // A rate-limited file is its hosts' URLs, each host scaled on its own.
  if (scenario.rateLimited !== undefined) return scaledHostUrls(scenario.rateLimited, scale).reduce((a, b) => a + b, 0);
  return Math.max(1, Math.round(scenario.urls * scale));
}

/** Host names after `--scale` (the same share of the URLs as unscaled), at least one. */
export function scaledNameCount(manyHosts: ManyHosts, scale: number): number {
  return Math.max(1, Math.round(manyHosts.names * scale));
}

/** How many host names the scenario's URL file uses (0: every URL is 127.0.0.1). */
export function scaledHostCount(scenario: Scenario, scale: number): number {
  if (scenario.manyHosts !== undefined) return scaledNameCount(scenario.manyHosts, scale);
  return scenario.rateLimited?.hosts.length ?? 0;
}

/** Each rate-limited host's URL count after `--scale`, at least one each. */
export function scaledHostUrls(rateLimited: RateLimited, scale: number): number[] {
  return rateLimited.hosts.map((h) => Math.max(1, Math.round(h.urls * scale)));
}

/** The rate a host is held to: `--host-rate`, or its `Crawl-delay` where that is slower. */
export function configuredRate(rateLimited: RateLimited, host: RateHost): number {
  return host.crawlDelayS === null ? rateLimited.hostRate : Math.min(rateLimited.hostRate, 1 / host.crawlDelayS);
}

/**
 * The shortest a rate-limited run can take, in ms: its slowest host's last start,
 * (n − 1) intervals after its first (the host's first URL goes at once).
 */
export function rateIdealMs(rateLimited: RateLimited, scale: number): number {
  const counts = scaledHostUrls(rateLimited, scale);
  return Math.max(...rateLimited.hosts.map((h, i) => ((counts[i]! - 1) * 1000) / configuredRate(rateLimited, h)));
}

/**
 * Which host each line of the file goes to, for hosts with `counts[h]` URLs each:
 * a host's k-th URL sits at (k + ½) / counts[h] of the way through the file, so
 * every host's URLs are spread evenly and a client reading in order meets each host
 * in proportion to its share (the slow host's URLs do not pile up at either end).
 *
 * @example
 * interleaveHosts([3, 1]) // [0, 0, 1, 0]: host 0 at 1/6, 1/2, 5/6; host 1 at 1/2 (a tie goes to the lower host)
 */
export function interleaveHosts(counts: readonly number[]): Uint16Array {
  const keyed: { key: number; host: number }[] = [];
  counts.forEach((n, host) => {
    for (let k = 0; k < n; k += 1) keyed.push({ key: (k + 0.5) / n, host });
  });
  keyed.sort((a, b) => a.key - b.key || a.host - b.host);
  return Uint16Array.from(keyed, (e) => e.host);
}

/** The bench's name for host `i`: under `.test`, reserved (RFC 6761), so no real DNS server knows it. */
export function benchHostName(i: number): string {
  return `h${i}.bench.test`;
}

/** True when the scenario's bodies are large enough for MiB/s to be the figure of interest. */
export function isBodyScenario(scenario: Scenario): boolean {
  return scenario.bodyBytes >= 64 * 1024;
}
