import type { FetchResult } from '../../fetch/result';

/** What a set of records adds up to, beyond ok/failed counts: for metrics and logs. */
export interface ResultTally {
  /** Decoded body bytes of the records. */
  readonly bytes: number;
  /** Failed records by error code (a fixed set: FETCH_ERROR_CODES). */
  readonly errors: Readonly<Record<string, number>>;
}

/** The tally of no records. */
export const NO_RESULTS: ResultTally = Object.freeze({ bytes: 0, errors: Object.freeze({}) });

/** Adds up the bytes and the failures by code of `results`. */
export function tallyResults(results: readonly FetchResult[]): ResultTally {
  let bytes = 0;
  const errors: Record<string, number> = {};
  for (const result of results) {
    bytes += result.bytes;
    const code = result.error?.code;
    if (code !== undefined) errors[code] = (errors[code] ?? 0) + 1;
  }
  return { bytes, errors };
}
