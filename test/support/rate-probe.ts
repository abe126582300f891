import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './listen-loopback';
import { achievedRate, bucketCounts, maxPerWindow } from './rate-windows';

/**
 * A loopback HTTP server that several hosts share, telling them apart by the
 * `Host` header (`h1.test:PORT`; tests route the names to 127.0.0.1 with a
 * resolver of their own), and recording per host key (`hostname:port`, the
 * engine's per-host key) when each request started and how many were in flight:
 * what a test of per-host rates, bursts and backoff needs to assert on.
 */

/** How the probe answers one host's pages (every path but `/robots.txt`). */
export interface HostBehaviour {
  /** Wait this long before answering 200. */
  readonly delayMs: number;
  /** The 200 body. */
  readonly body: string;
  /** The answer to `/robots.txt`: a body (200) or a status; null answers 404. */
  readonly robots: string | { readonly status: number; readonly body?: string } | null;
}

/** An answer put ahead of the host's behaviour for its next requests. */
export type ProbeFault =
  /** This status (429, 503...), with `Retry-After` when `retryAfter` is given (seconds, or a raw value). */
  | { readonly status: number; readonly retryAfter?: number | string }
  /** Destroy the socket on arrival: a connection-level failure, no response. */
  | 'reset';

/** Which of a host's requests a fault applies to. */
export type FaultTarget = 'pages' | 'robots';

/** What happened to one request. */
export interface ProbeRequest {
  /** `performance.now()` when the request's headers arrived. */
  readonly startMs: number;
  readonly path: string;
  /** The status answered, `reset` for a destroyed socket, null while in flight. */
  outcome: number | 'reset' | null;
}

/** Stats of all hosts together, where a host key is asked for. */
export const ALL_HOSTS = '*';

const DEFAULT_BEHAVIOUR: HostBehaviour = { delayMs: 0, body: 'ok', robots: null };

interface HostRecord {
  behaviour: HostBehaviour;
  readonly faults: Record<FaultTarget, ProbeFault[]>;
  readonly requests: ProbeRequest[];
  inFlight: number;
  maxInFlight: number;
}

/** The running probe. Host arguments take a key (`h1.test:PORT`) or a bare name (`h1.test`, this probe's port implied). */
export interface RateProbe {
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** `http://<name>:<port><path>`, e.g. `url('h1.test', '/a')`. */
  url(name: string, path?: string): string;
  /** The host key of a name: `<name>:<port>`. */
  key(name: string): string;
  /** Sets part of a host's behaviour; the rest stays (200 `ok` at once, robots.txt 404, by default). */
  configure(host: string, behaviour: Partial<HostBehaviour>): void;
  /** Answers the host's next `count` requests of `target` (pages by default) with `fault`, after any queued before. */
  failNext(host: string, count: number, fault: ProbeFault, target?: FaultTarget): void;
  /** Host keys seen so far. */
  hosts(): string[];
  /** The host's requests in arrival order (or all hosts', by start, for {@link ALL_HOSTS}). */
  requests(host: string): readonly ProbeRequest[];
  /** Requests in flight now. */
  inFlight(host: string): number;
  /** The most requests in flight at once (for {@link ALL_HOSTS}: across all hosts at once). */
  maxInFlight(host: string): number;
  /** The most requests that started in any sliding window of `windowMs` (see {@link maxPerWindow}). */
  maxPerWindow(host: string, windowMs: number): number;
  /** Starts per fixed bucket of `bucketMs` from the first start (see {@link bucketCounts}). */
  bucketCounts(host: string, bucketMs?: number): number[];
  /** Requests per second: `(n − 1) / (last start − first start)`, after `skip` starts (see {@link achievedRate}). */
  achievedRate(host: string, skip?: number): number | null;
  /** Forgets every request and in-flight maximum (behaviours and queued faults stay), e.g. after a warm-up. */
  clear(): void;
  close(): Promise<void>;
}

/** Starts a {@link RateProbe} on 127.0.0.1 at a free port. */
export async function startRateProbe(): Promise<RateProbe> {
  const records = new Map<string, HostRecord>();
  const timers = new Set<NodeJS.Timeout>();
  const overall = { inFlight: 0, maxInFlight: 0 };
  let port = 0;

  const keyOf = (host: string): string => {
    const lower = host.toLowerCase();
    return /:\d+$/.test(lower) ? lower : `${lower}:${port}`;
  };
  const recordOf = (host: string): HostRecord => {
    const key = keyOf(host);
    let record = records.get(key);
    if (record === undefined) {
      record = { behaviour: DEFAULT_BEHAVIOUR, faults: { pages: [], robots: [] }, requests: [], inFlight: 0, maxInFlight: 0 };
      records.set(key, record);
    }
    return record;
  };
  const startsOf = (host: string): number[] =>
    host === ALL_HOSTS ? allRequests().map((r) => r.startMs) : (records.get(keyOf(host))?.requests.map((r) => r.startMs) ?? []);
  const allRequests = (): ProbeRequest[] => [...records.values()].flatMap((r) => r.requests).sort((a, b) => a.startMs - b.startMs);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const startMs = performance.now();
    const record = recordOf(req.headers.host ?? `127.0.0.1:${port}`);
    const path = req.url ?? '/';
    const entry: ProbeRequest = { startMs, path, outcome: null };
    record.requests.push(entry);
    record.inFlight++;
    record.maxInFlight = Math.max(record.maxInFlight, record.inFlight);
    overall.maxInFlight = Math.max(overall.maxInFlight, ++overall.inFlight);
    let counted = true;
    const done = (): void => {
      if (!counted) return;
      counted = false;
      record.inFlight--;
      overall.inFlight--;
    };
    res.once('finish', done);
    res.once('close', done);
    req.resume();

    const target: FaultTarget = path.split('?')[0] === '/robots.txt' ? 'robots' : 'pages';
    const fault = record.faults[target].shift();
    if (fault === 'reset') {
      entry.outcome = 'reset';
      req.socket.destroy();
      return;
    }
    const answer = (status: number, body: string, headers: Record<string, string> = {}): void => {
      entry.outcome = status;
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), ...headers });
      res.end(body);
    };
    if (fault !== undefined) {
      answer(fault.status, `fault ${fault.status}`, fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) });
      return;
    }
    const { behaviour } = record;
    if (target === 'robots') {
      const robots = behaviour.robots;
      if (robots === null) answer(404, 'no robots.txt');
      else if (typeof robots === 'string') answer(200, robots);
      else answer(robots.status, robots.body ?? '');
      return;
    }
    if (behaviour.delayMs <= 0) {
      answer(200, behaviour.body);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!res.destroyed) answer(200, behaviour.body);
    }, behaviour.delayMs);
    timers.add(timer);
    res.once('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  });
  server.keepAliveTimeout = 30_000;
  const listener = await listenOnLoopback(server);
  port = listener.port;

  return {
    port,
    origin: listener.origin,
    url: (name, path = '/') => `http://${name}:${port}${path}`,
    key: keyOf,
    configure: (host, behaviour) => {
      const record = recordOf(host);
      record.behaviour = { ...record.behaviour, ...behaviour };
    },
    failNext: (host, count, fault, target = 'pages') => {
      for (let i = 0; i < count; i++) recordOf(host).faults[target].push(fault);
    },
    hosts: () => [...records].filter(([, record]) => record.requests.length > 0).map(([key]) => key),
    requests: (host) => (host === ALL_HOSTS ? allRequests() : (records.get(keyOf(host))?.requests ?? [])),
    inFlight: (host) => (host === ALL_HOSTS ? overall.inFlight : (records.get(keyOf(host))?.inFlight ?? 0)),
    maxInFlight: (host) => (host === ALL_HOSTS ? overall.maxInFlight : (records.get(keyOf(host))?.maxInFlight ?? 0)),
    maxPerWindow: (host, windowMs) => maxPerWindow(startsOf(host), windowMs),
    bucketCounts: (host, bucketMs) => bucketCounts(startsOf(host), bucketMs),
    achievedRate: (host, skip) => achievedRate(startsOf(host), skip),
    clear: () => {
      for (const record of records.values()) {
        record.requests.length = 0;
        record.maxInFlight = record.inFlight;
      }
      overall.maxInFlight = overall.inFlight;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await listener.close();
    },
  };
}
