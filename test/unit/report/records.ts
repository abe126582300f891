import type { FetchErrorCode } from '../../../src/errors';
import type { FetchResult } from '../../../src/fetch/result';

/** A result record with the numbers the report reads; `code` makes it a failure. */
export function record(
  line: number,
  url: string,
  options: {
    code?: FetchErrorCode;
    status?: number | null;
    ttfb?: number | null;
    total?: number;
    attempts?: number;
    bytes?: number;
    message?: string;
  } = {},
): FetchResult {
  const failed = options.code !== undefined;
  const attempts = options.attempts ?? 1;
  return {
    url,
    line,
    ok: !failed,
    status: options.status === undefined ? (failed ? null : 200) : options.status,
    finalUrl: failed ? null : url,
    headers: {},
    bytes: options.bytes ?? 0,
    sha256: null,
    attempts,
    timings: {
      dns: null,
      connect: null,
      ttfb: options.ttfb === undefined ? (failed ? null : 10) : options.ttfb,
      total: options.total ?? 12,
      queued: 0,
    },
    error: failed ? { code: options.code as FetchErrorCode, message: options.message ?? String(options.code) } : null,
  };
}
