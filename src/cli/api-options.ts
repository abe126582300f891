import { FanoutError, UsageError } from '../errors';
import { ApiError, ApiUnreachableError, createFanoutClient, type FanoutClient } from '../client/fanout-client';
import { CommandLineError, type OptionSpec } from './command-line';
import type { CliIo } from './io';

/**
 * Where the CLI talks to when `--endpoint` and `FANOUT_ENDPOINT` are unset: the local
 * stack (serverless-offline listens on 127.0.0.1, so `localhost` resolving to ::1 first
 * would miss it).
 */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:3000';

/** Options every API command takes. */
export const API_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'endpoint',
    type: 'string',
    value: 'URL',
    help: `the fanout API (default: FANOUT_ENDPOINT, else the local stack\nof \`npm start\`, else ${DEFAULT_ENDPOINT})`,
  },
  { name: 'api-key', type: 'string', value: 'KEY', help: "the API's key (default: FANOUT_API_KEY, else the local stack's)" },
];

/**
 * The API answered, and said no to a request that was well formed: no such job, a
 * job in the wrong state (404, 409, and the API's own failures). The CLI prints the
 * message and exits 1, as for any request it could not carry out.
 */
export class ApiRefusedError extends FanoutError {
  override readonly name = 'ApiRefusedError';
}

/**
 * Builds the client from `--endpoint`/`--api-key`, falling back to `FANOUT_ENDPOINT`
 * and `FANOUT_API_KEY`, then to the local stack of a running `npm start` (so the
 * quick start needs no flags). The local stack's key goes to the local stack only:
 * never to an endpoint given by flag or environment. Its failures come out as the
 * CLI explains them (see {@link explainApiFailure}). `fetchImpl` is for tests.
 */
export function clientFrom(values: Readonly<Record<string, unknown>>, io: CliIo, fetchImpl?: typeof fetch): FanoutClient {
  const local = io.localStack;
  const endpoint = (values['endpoint'] as string | undefined) ?? io.env['FANOUT_ENDPOINT'] ?? local?.endpoint ?? DEFAULT_ENDPOINT;
  try {
    const url = new URL(endpoint);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`Expected --endpoint to be an http(s) URL, got \`${endpoint}\``);
  }
  // A missing key is told only once the endpoint answers: with the local stack
  // stopped, "nothing answers" is the news, not the key.
  const localKey = local?.endpoint !== undefined && local.endpoint === endpoint ? local.apiKey : undefined;
  const apiKey = (values['api-key'] as string | undefined) ?? io.env['FANOUT_API_KEY'] ?? localKey;
  const keyGiven = apiKey !== undefined && apiKey !== '';
  const client = createFanoutClient({
    endpoint,
    ...(keyGiven ? { apiKey } : {}),
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
  });
  const explained =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      call(...args).catch((error: unknown) => {
        throw explainApiFailure(error, keyGiven);
      });
  return {
    submitJob: explained(client.submitJob),
    getJob: explained(client.getJob),
    getResults: explained(client.getResults),
    cancelJob: explained(client.cancelJob),
    redriveJob: explained(client.redriveJob),
    getReport: explained(client.getReport),
  };
}

/**
 * What a failed API call means to the person who typed the command:
 * - 400 (the input was refused) and 401 (no key, or a wrong one): a usage error, exit 2;
 * - any other answer (404 no such job, 409 wrong state, 5xx): {@link ApiRefusedError}, exit 1;
 * - no answer: {@link ApiRefusedError} saying nothing answers, with a hint at
 *   `npm start` when the endpoint is this machine's.
 * Anything else is passed through (an internal error).
 */
export function explainApiFailure(error: unknown, keyGiven: boolean): unknown {
  if (error instanceof ApiUnreachableError) {
    const local = isLoopbackEndpoint(error.endpoint);
    const message =
      error.reason === 'TIMEOUT'
        ? `no answer from ${error.endpoint} in time${local ? ' — is `npm start` running?' : ''}`
        : `nothing answers at ${error.endpoint}${local ? ' — is `npm start` running?' : ` (${error.reason})`}`;
    return new ApiRefusedError(error.code, message);
  }
  if (!(error instanceof ApiError)) return error;
  if (error.status === 401) {
    return new UsageError(keyGiven ? `the API refused the key (${error.message})` : 'No API key: pass --api-key or set FANOUT_API_KEY');
  }
  if (error.status === 400) {
    const details = error.details.map((d) => `${d.field} ${d.reason}`).join('; ');
    return new UsageError(details === '' ? error.message : `${error.message}: ${details}`);
  }
  const message = error.status >= 500 ? `the API failed (HTTP ${error.status}): ${error.message}` : lowerFirst(error.message);
  return new ApiRefusedError(error.code, message);
}

function isLoopbackEndpoint(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** `No job x` reads as `fanout: no job x`; an acronym (`HTTP 404`) stays as it is. */
function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? `${text[0]?.toLowerCase()}${text.slice(1)}` : text;
}

/** The one job id a command takes; none or more is a command-line error. */
export function oneJobId(positionals: readonly string[]): string {
  const [jobId, ...extra] = positionals;
  if (jobId === undefined) throw new CommandLineError('missing the job id');
  if (extra.length > 0) throw new CommandLineError(`expected one job id, got ${positionals.length}: ${positionals.join(' ')}`);
  return jobId;
}
