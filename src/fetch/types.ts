import type { Socket } from 'node:net';
import type { EngineConfig } from '../config/engine-config';
import type { FetchErrorCode } from '../errors';
import type { FetchResult } from './result';

/** One URL to fetch and where it came from. */
export interface UrlInput {
  readonly url: string;
  /** 1-based position in the input; copied to the result's `line`. */
  readonly line: number;
}

/** Where a connection is to be opened, after the guard has approved the address. */
export interface DialTarget {
  /** The resolved IP address to connect to. */
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
  readonly protocol: 'http:' | 'https:';
  /** The URL's hostname, for TLS SNI and certificate checks. */
  readonly hostname: string;
}

/**
 * Opens a socket to an already-approved address. The default uses `net.connect` /
 * `tls.connect`; tests inject one that refuses anything but loopback, so a broken
 * guard still cannot send a packet off the machine. The returned socket must emit
 * `connect` (plain) or `secureConnect` (TLS) once usable.
 */
export type Dialer = (target: DialTarget) => Socket;

/** Resolves a hostname to every address it has (like `dns.lookup` with `all: true`). */
export type Resolver = (hostname: string) => Promise<readonly { address: string; family: 4 | 6 }[]>;

/** Seams for the engine's I/O; production uses the defaults. */
export interface EngineDeps {
  readonly dial?: Dialer;
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
   * connection-level ones, `allowNet` and `connectTimeoutMs`, always come from
   * the engine's config, since they live in its shared connection pool.
   */
  readonly config?: EngineConfig;
}

export interface RunSummary {
  readonly total: number;
  readonly ok: number;
  readonly failed: number;
  readonly notAttempted: number;
  /** Results per error code, for the codes that occurred. */
  readonly errors: Partial<Record<FetchErrorCode, number>>;
  readonly elapsedMs: number;
}

/** The fetch engine: one shared connection pool, reused across runs. */
export interface Engine {
  run(urls: AsyncIterable<UrlInput> | Iterable<UrlInput>, options: RunOptions): Promise<RunSummary>;
  close(): Promise<void>;
}
