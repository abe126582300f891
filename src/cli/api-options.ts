import { UsageError } from '../errors';
import { ApiError, createFanoutClient, type FanoutClient } from '../client/fanout-client';
import type { CliIo } from './io';

/**
 * Where the CLI talks to when `--endpoint` and `FANOUT_ENDPOINT` are unset: the local
 * stack (serverless-offline listens on 127.0.0.1, so `localhost` resolving to ::1 first
 * would miss it).
 */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:3000';

/** Flags every API command takes. */
export const API_FLAGS = {
  endpoint: { type: 'string' },
  'api-key': { type: 'string' },
} as const;

/**
 * Builds the client from `--endpoint`/`--api-key`, falling back to `FANOUT_ENDPOINT`
 * and `FANOUT_API_KEY` (which the CLI's entry point fills in from a running
 * `npm start`, see main.ts). `fetchImpl` is for tests.
 */
export function clientFrom(
  values: { endpoint?: string | undefined; 'api-key'?: string | undefined },
  io: CliIo,
  fetchImpl?: typeof fetch,
): FanoutClient {
  const endpoint = values.endpoint ?? io.env['FANOUT_ENDPOINT'] ?? DEFAULT_ENDPOINT;
  try {
    const url = new URL(endpoint);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`Expected --endpoint to be an http(s) URL, got \`${endpoint}\``);
  }
  const apiKey = values['api-key'] ?? io.env['FANOUT_API_KEY'];
  if (apiKey === undefined || apiKey === '') throw new UsageError('No API key: pass --api-key or set FANOUT_API_KEY');
  return createFanoutClient({ endpoint, apiKey, ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }) });
}

/** Turns the API's "your input is wrong" answers (400, 401) into a one-line usage error (exit 2). */
export function usageOnClientError(error: unknown): never {
  if (error instanceof ApiError && (error.status === 400 || error.status === 401)) {
    const details = error.details.map((d) => `${d.field} ${d.reason}`).join('; ');
    throw new UsageError(details === '' ? error.message : `${error.message}: ${details}`);
  }
  throw error;
}

/** Parses argv with node:util parseArgs, turning its errors into usage errors. */
export function parseOrUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
