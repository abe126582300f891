import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { UsageError } from '../errors';
import type { ChangeKind, FetchResult, KeptHeaders } from '../fetch/result';
import type { UrlInput } from '../fetch/types';
import { readRecords, RecordsFileError } from '../report/read-records';

/**
 * `fanout fetch --since previous.jsonl`: conditional re-fetch against an earlier
 * run's records, matched by URL (not by line, so a list may grow between runs).
 *
 * A previous record "has a body" when it is `ok` with a `sha256`: a 200, or a 304
 * record of an earlier `--since` run, which carries the body's hash forward. Then:
 *
 * | this run's answer             | `change`                                       |
 * | ----------------------------- | ---------------------------------------------- |
 * | 304 (to our conditional GET)  | `unchanged`; previous `sha256` and `bytes`     |
 * | 2xx, no previous body         | `new`                                          |
 * | 2xx                           | `unchanged` or `changed` by sha256 (ETags lie) |
 * | 404 or 410 after a body       | `gone`                                         |
 * | anything else                 | null                                           |
 */

/** What `--since` keeps of a previous record: only what the rules above read. */
interface Previous {
  readonly sha256: string;
  readonly bytes: number;
  readonly headers: KeptHeaders;
  /** Whether `finalUrl` was the URL itself: validators of a redirect target do not belong to it. */
  readonly direct: boolean;
}

/** Reads the previous run's records; a missing file or a line that is not a record is a {@link UsageError}. */
export async function readPrevious(path: string): Promise<ReadonlyMap<string, Previous>> {
  const found = await stat(path).catch(() => null);
  if (found === null || !found.isFile()) throw new UsageError(`cannot read --since file ${path}`);
  const previous = new Map<string, Previous>();
  try {
    for await (const record of readRecords(createReadStream(path))) {
      if (!record.ok || record.sha256 === null) continue;
      previous.set(record.url, { sha256: record.sha256, bytes: record.bytes, headers: record.headers ?? {}, direct: sameUrl(record.url, record.finalUrl) });
    }
  } catch (err) {
    if (err instanceof RecordsFileError) throw new UsageError(`--since ${path}: ${err.message}`);
    throw new UsageError(`cannot read --since file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return previous;
}

/** The input, each URL with the validators of its previous body as conditional request headers. */
export async function* withConditions(urls: AsyncIterable<UrlInput>, previous: ReadonlyMap<string, Previous>): AsyncGenerator<UrlInput> {
  for await (const input of urls) {
    const prev = previous.get(input.url);
    const headers: Record<string, string> = {};
    if (prev?.direct === true) {
      if (prev.headers.etag !== undefined) headers['if-none-match'] = prev.headers.etag;
      if (prev.headers['last-modified'] !== undefined) headers['if-modified-since'] = prev.headers['last-modified'];
    }
    yield Object.keys(headers).length === 0 ? input : { ...input, headers };
  }
}

/** The record with its `change` against the previous one (see the table above). */
export function withChange(result: FetchResult, previous: ReadonlyMap<string, Previous>): FetchResult {
  const prev = previous.get(result.url);
  if (result.ok && result.status === 304 && prev !== undefined) {
    // A 304 carries no body: the record stands for the previous one, validators refreshed.
    return { ...result, headers: { ...prev.headers, ...result.headers }, bytes: prev.bytes, sha256: prev.sha256, change: 'unchanged' };
  }
  return { ...result, change: changeOf(result, prev) };
}

function changeOf(result: FetchResult, prev: Previous | undefined): ChangeKind | null {
  if (result.ok) return prev === undefined ? 'new' : prev.sha256 === result.sha256 ? 'unchanged' : 'changed';
  if (prev !== undefined && (result.status === 404 || result.status === 410)) return 'gone';
  return null;
}

function sameUrl(url: string, finalUrl: string | null): boolean {
  try {
    return finalUrl !== null && new URL(url).href === finalUrl;
  } catch {
    return false;
  }
}
