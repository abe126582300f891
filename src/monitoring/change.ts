/**
 * Monitoring pages that change: what a URL's previous record tells the next fetch,
 * and what changed. One rule for `fanout fetch --since` and for scheduled jobs.
 *
 * A previous record "has a body" when it is `ok` with a `sha256`: a 200, or a 304
 * record of an earlier run, which carries the body's hash forward. Then:
 *
 * | this run's answer             | `change`                                       |
 * | ----------------------------- | ---------------------------------------------- |
 * | 304 (to our conditional GET)  | `unchanged`; previous `sha256` and `bytes`     |
 * | 2xx, no previous body         | `new`                                          |
 * | 2xx                           | `unchanged` or `changed` by sha256 (ETags lie) |
 * | 404 or 410 after a body       | `gone`                                         |
 * | anything else                 | null                                           |
 */
import type { ChangeKind, FetchResult, KeptHeaders } from '../fetch/result';

/** What a previous record leaves for the next run: only what the rules above read. */
export interface PreviousBody {
  readonly sha256: string;
  readonly bytes: number;
  /** Its kept headers: the validators (`etag`, `last-modified`) and what a 304 record carries forward. */
  readonly headers: KeptHeaders;
  /** Whether `finalUrl` was the URL itself: validators of a redirect target do not belong to it. */
  readonly direct: boolean;
}

/** The body a record leaves for the next run, or undefined when it has none. */
export function previousBodyOf(record: FetchResult): PreviousBody | undefined {
  if (!record.ok || record.sha256 === null) return undefined;
  return { sha256: record.sha256, bytes: record.bytes, headers: record.headers ?? {}, direct: sameUrl(record.url, record.finalUrl) };
}

/** The conditional request headers for a URL with this previous body (none when it has no usable validator). */
export function conditionalHeaders(previous: PreviousBody | undefined): Record<string, string> | undefined {
  if (previous?.direct !== true) return undefined;
  const headers: Record<string, string> = {};
  if (previous.headers.etag !== undefined) headers['if-none-match'] = previous.headers.etag;
  if (previous.headers['last-modified'] !== undefined) headers['if-modified-since'] = previous.headers['last-modified'];
  return Object.keys(headers).length === 0 ? undefined : headers;
}

/** The record with its `change` against the previous body (see the table above). */
export function withChange(result: FetchResult, previous: PreviousBody | undefined): FetchResult {
  if (result.ok && result.status === 304 && previous !== undefined) {
    // A 304 carries no body: the record stands for the previous one, validators refreshed.
    return {
      ...result,
      headers: { ...previous.headers, ...result.headers },
      bytes: previous.bytes,
      sha256: previous.sha256,
      change: 'unchanged',
    };
  }
  return { ...result, change: changeOf(result, previous) };
}

function changeOf(result: FetchResult, previous: PreviousBody | undefined): ChangeKind | null {
  if (result.ok) return previous === undefined ? 'new' : previous.sha256 === result.sha256 ? 'unchanged' : 'changed';
  if (previous !== undefined && (result.status === 404 || result.status === 410)) return 'gone';
  return null;
}

function sameUrl(url: string, finalUrl: string | null): boolean {
  try {
    return finalUrl !== null && new URL(url).href === finalUrl;
  } catch {
    return false;
  }
}
