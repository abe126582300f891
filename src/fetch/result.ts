import type { FetchErrorCode } from '../errors';

/** The response headers a result keeps: a fixed, documented subset. */
export const KEPT_HEADERS = ['content-type', 'content-length', 'etag', 'last-modified'] as const;

/** Response headers a record keeps, by lower-case name: {@link KEPT_HEADERS}, or others the run asked for (`keepHeaders`). */
export type KeptHeaders = Partial<Record<(typeof KEPT_HEADERS)[number], string>> & { readonly [name: string]: string | undefined };

/**
 * How a page compares with an earlier run's record of the same URL (`fanout fetch
 * --since`): `new` (no earlier body), `changed` or `unchanged` by sha256, or `gone`
 * (a 404 or 410 where there was a body). The rules live in `src/monitoring/change.ts`.
 */
export type ChangeKind = 'new' | 'changed' | 'unchanged' | 'gone';

/** Milliseconds spent in each phase of the last attempt; `null` where unknown. */
export interface ResultTimings {
  /**
   * How long the URL waited for its name to resolve before it could take a request
   * slot (0 when the answer was cached); null for an IP literal.
   */
  dns: number | null;
  /** From dispatch until the request was written on a connection: 0 when a kept-alive one was reused. */
  connect: number | null;
  /** From dispatch until the response headers arrived. */
  ttfb: number | null;
  /** From the first attempt's start until the result, retries and backoff included. */
  total: number;
  /**
   * Milliseconds the URL waited, over all its attempts, for its host's or the run's rate
   * (a token) or for its host to be unpaused after throttling: time that held no slot.
   */
  queued: number;
}

/**
 * One record per input line: the unit of output of `fanout fetch` (one JSON line
 * each) and of a chunk stored by the pipeline. The schema is documented in docs/cli.md.
 */
export interface FetchResult {
  /** The input line as given (trimmed). */
  url: string;
  /** 1-based position of the URL in its input (line number for files, index + 1 for lists). */
  line: number;
  /**
   * True when the final response was 2xx and its body was read completely, or a 304
   * answering a conditional request (a URL's own `If-None-Match`/`If-Modified-Since`).
   */
  ok: boolean;
  /** Final HTTP status, or null when no response arrived. */
  status: number | null;
  /** The URL of the last hop after redirects, or null when none was fetched. */
  finalUrl: string | null;
  headers: KeptHeaders;
  /** Decoded body length in bytes (what was read, when the read stopped early). */
  bytes: number;
  /** Hex sha256 of the decoded body, or null when hashing is off or the body was not read in full. */
  sha256: string | null;
  /** Attempts made: 0 for URLs never tried (BAD_URL, NOT_ATTEMPTED). */
  attempts: number;
  timings: ResultTimings;
  error: { code: FetchErrorCode; message: string } | null;
  /** Only with `fanout fetch --since`: how the page compares with the earlier record, null when no rule applies. */
  change?: ChangeKind | null;
  /** The request's method, when it was not a GET. */
  method?: string;
  /** The input's `meta`, unchanged, when it had one. */
  meta?: unknown;
  /** With `includeBody`: the decoded body, when it is valid UTF-8. */
  body?: string;
  /** With `includeBody`: the decoded body in base64, when it is not valid UTF-8. */
  bodyBase64?: string;
  /** With `includeBody`: why the body is not in the record, e.g. `larger than 262144 bytes`. */
  bodyOmitted?: string;
}
