import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { UsageError } from '../errors';
import { conditionalHeaders, previousBodyOf, withChange, type PreviousBody } from '../monitoring/change';
import type { FetchResult } from '../fetch/result';
import type { UrlInput } from '../fetch/types';
import { readRecords, RecordsFileError } from '../report/read-records';

/**
 * `fanout fetch --since previous.jsonl`: conditional re-fetch against an earlier
 * run's records, matched by URL (not by line, so a list may grow between runs). The
 * rules are in src/monitoring/change.ts, shared with scheduled jobs.
 */

/** Reads the previous run's records; a missing file or a line that is not a record is a {@link UsageError}. */
export async function readPrevious(path: string): Promise<ReadonlyMap<string, PreviousBody>> {
  const found = await stat(path).catch(() => null);
  if (found === null || !found.isFile()) throw new UsageError(`cannot read --since file ${path}`);
  const previous = new Map<string, PreviousBody>();
  try {
    for await (const record of readRecords(createReadStream(path))) {
      const body = previousBodyOf(record);
      if (body !== undefined) previous.set(record.url, body);
    }
  } catch (err) {
    if (err instanceof RecordsFileError) throw new UsageError(`--since ${path}: ${err.message}`);
    throw new UsageError(`cannot read --since file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return previous;
}

/** The input, each URL with the validators of its previous body as conditional request headers. */
export async function* withConditions(
  urls: AsyncIterable<UrlInput>,
  previous: ReadonlyMap<string, PreviousBody>,
): AsyncGenerator<UrlInput> {
  for await (const input of urls) {
    // Validators key on the URL, which only a GET reads back (a JSON request line may name another method).
    const method = input.request?.method;
    if (method !== undefined && method !== 'GET') {
      yield input;
      continue;
    }
    const headers = conditionalHeaders(previous.get(input.url));
    yield headers === undefined ? input : { ...input, headers };
  }
}

/** The record with its `change` against the previous body of its URL. */
export function withChangeSince(result: FetchResult, previous: ReadonlyMap<string, PreviousBody>): FetchResult {
  return withChange(result, previous.get(result.url));
}
