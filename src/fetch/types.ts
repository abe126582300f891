import type { EngineConfig } from '../config/engine-config';
import type { FetchErrorCode } from '../errors';
import type { Dialer } from '../net/dialer';
import type { Resolver } from '../net/dns-resolver';
import type { FetchError } from '../errors';
import type { BodyStore } from './http/body-store';
import type { RequestSpec } from './request/hop-request';
import type { GateFactories, HostsSummary } from './schedule/limit-groups';
import type { FetchResult } from './result';

/** One URL to fetch and where it came from. */
export interface UrlInput {
  readonly url: string;
  /** 1-based position in the input; copied to the result's `line`. */
  readonly line: number;
  /**
   * Request headers of this URL's own, added to the engine's on the first hop only:
   * what they carry (validators such as `If-None-Match`) belongs to this URL, not
   * to wherever it redirects. A 304 answering a request that carries
   * `If-None-Match` or `If-Modified-Since` is a success ({@link isOkStatus}).
   *
   * @example
   * { url: 'https://example.com/', line: 1, headers: { 'if-none-match': '"abc"' } }
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** Method, headers and body to send (a JSON request line, the CLI's `-X`, `-H`, `--data`); a GET when absent. */
  readonly request?: RequestSpec;
  /** Any JSON value of the caller's, echoed unchanged in the record so an answer can be joined to its input. */
  readonly meta?: unknown;
  /** The input is not a valid request (BAD_REQUEST): reported with this error, nothing sent. */
  readonly rejected?: FetchError;
}

/** Seams for the engine's I/O; production uses the defaults. */
export interface EngineDeps {
  /** Opens sockets to addresses the guard has passed (tests: loopback only). */
  readonly dial?: Dialer;
  /** Resolves names; the default is c-ares on the config's `dnsServers`. */
  readonly resolve?: Resolver;
  /** Random number in [0, 1): backoff jitter. */
  readonly random?: () => number;
}

/** Called once per input URL; a returned promise holds back reading more input until it settles. */
export type ResultListener = (result: FetchResult, body: Buffer | undefined) => void | Promise<void>;

export interface RunOptions {
  readonly onResult: ResultListener;
  /**
   * Epoch milliseconds after which no request starts: URLs not yet started come back
   * as NOT_ATTEMPTED and attempts still running are cut with DEADLINE. Pass the
   * Lambda's remaining time minus a margin.
   */
  readonly deadline?: number;
  /**
   * Aborting stops the run as the deadline arriving now would: nothing more starts,
   * URLs not yet started come back as NOT_ATTEMPTED, and attempts in flight are cut
   * with DEADLINE after {@link RunOptions.stopGraceMs}.
   */
  readonly signal?: AbortSignal;
  /**
   * Once the run stops (an abort, or a failed `onResult`), how long attempts
   * already in flight may go on before they are cut with DEADLINE; 0 (the default)
   * cuts them at once. Attempts never outlive the deadline.
   */
  readonly stopGraceMs?: number;
  /**
   * Per-run settings (a job's own concurrency, timeouts, retries, limits). The
   * connection-level ones, `allowNet`, `connectTimeoutMs`, `maxSockets` and the
   * `dns*` keys, always come from the engine's config, since they live in its
   * shared connection pool and name cache.
   */
  readonly config?: EngineConfig;
  /**
   * Runs with the same group share their limits (concurrency, `rate`, and each host's
   * `perHost`, `hostRate`, backoff and breaker) instead of each having its own: the
   * consumer names the job, so the chunks of one job in a batch share one set. The
   * group's limits are those of the first run that joined it.
   */
  readonly limitGroup?: string;
  /**
   * Makes the group's gates (default: the engine's own). The consumer's take their
   * slots and start times from the fleet-wide store (src/jobs/fleet/fleet-gates.ts).
   */
  readonly gates?: GateFactories;
  /**
   * Puts each final response's decoded body in its record (`body` as UTF-8 text, or
   * `bodyBase64`) when it is at most `maxBytes` long; a longer one gets `bodyOmitted`.
   */
  readonly includeBody?: { readonly maxBytes: number };
  /** Response headers the records keep: `all`, or these lower-case names (default: `KEPT_HEADERS`). */
  readonly keepHeaders?: 'all' | readonly string[];
  /** Where every fully read final body is written (content-addressed), streamed as it arrives. */
  readonly bodyStore?: BodyStore;
  /**
   * Lets a POST or PATCH be retried like a GET. Without it, one is sent again only when
   * the server cannot have acted on it (see `nextRetryDelay`).
   */
  readonly retryUnsafe?: boolean;
  /** Called once as the run starts with a view of its throttling, for progress displays. */
  readonly onStart?: (view: RunView) => void;
}

/** A live view of a run's throttling. */
export interface RunView {
  /** Hosts paused now by host-wide backoff. */
  pausedHosts(): number;
  /** URLs waiting for a token (a rate), a paused host or a robots.txt; they hold no slot. */
  waitingForTokens(): number;
}

export interface RunSummary {
  readonly total: number;
  readonly ok: number;
  readonly failed: number;
  readonly notAttempted: number;
  /** Results per error code, for the codes that occurred. */
  readonly errors: Partial<Record<FetchErrorCode, number>>;
  readonly elapsedMs: number;
  /** What the run's hosts did: throttled it (paused at least once), in pauses, and closed by the breaker or by throttling too long. */
  readonly hosts: HostsSummary;
  /**
   * Epoch ms when the hosts that handed back URLs because they could not take them
   * before the deadline (a rate, a pause) could take the first of them; absent when
   * none did. The pipeline re-queues those URLs delayed until then.
   */
  readonly resumeAt?: number;
}

/** The fetch engine: one shared connection pool, reused across runs. */
export interface Engine {
  run(urls: AsyncIterable<UrlInput> | Iterable<UrlInput>, options: RunOptions): Promise<RunSummary>;
  close(): Promise<void>;
}
