import { randomUUID } from 'node:crypto';
import { FanoutError, type ValidationDetail } from '../errors';
import type { FetchResult } from '../fetch/result';
import type { JobStatus } from '../jobs/ports';

/** A non-2xx answer from the fanout API; `code` is the API's error code (or `HTTP`). */
export class ApiError extends FanoutError {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly details: readonly ValidationDetail[];

  constructor(status: number, code: string, message: string, details: readonly ValidationDetail[] = []) {
    super(code, message);
    this.status = status;
    this.details = details;
  }
}

/**
 * The API could not be reached: nothing listens at the endpoint, the name does not
 * resolve, or no answer came in time. `reason` is the system's code (`ECONNREFUSED`)
 * or `TIMEOUT`.
 */
export class ApiUnreachableError extends FanoutError<'API_UNREACHABLE'> {
  override readonly name = 'ApiUnreachableError';
  readonly endpoint: string;
  readonly reason: string;

  constructor(endpoint: string, reason: string, options?: { cause?: unknown }) {
    super(
      'API_UNREACHABLE',
      reason === 'TIMEOUT' ? `no answer from ${endpoint} in time` : `nothing answers at ${endpoint} (${reason})`,
      options,
    );
    this.endpoint = endpoint;
    this.reason = reason;
  }
}

/** What `POST /jobs` answers. */
export interface SubmitReply {
  readonly jobId: string;
  readonly total: number | null;
  readonly chunks: number | null;
  readonly statusUrl: string;
  readonly resultsUrl: string;
  /** Things worth knowing about the job, e.g. `SLOW_HOSTS`: its rates need more than an hour. */
  readonly warnings?: readonly { readonly code: string; readonly message: string }[];
}

/** A page of results. */
export interface ResultsReply {
  readonly items: readonly FetchResult[];
  readonly nextCursor: string | null;
  /** True once the job is done: a walk that began then saw every result. */
  readonly complete: boolean;
  readonly state: string;
}

/** What `POST /jobs/{jobId}/redrive` answers: the new job, linked to its parent. */
export interface RedriveReply extends SubmitReply {
  readonly parent: string;
}

/** The fanout HTTP API, as the CLI uses it. */
export interface FanoutClient {
  submitJob(
    body: ({ urls: readonly string[] } | { manifest: string }) & { options?: Readonly<Record<string, unknown>> },
  ): Promise<SubmitReply>;
  getJob(jobId: string): Promise<JobStatus>;
  getResults(jobId: string, cursor?: string): Promise<ResultsReply>;
  cancelJob(jobId: string): Promise<JobStatus>;
  redriveJob(jobId: string, codes?: readonly string[]): Promise<RedriveReply>;
  /** The job's HTML report page. */
  getReport(jobId: string): Promise<string>;
}

/** Tries of a job-making POST whose answer may have been lost. */
const CREATE_ATTEMPTS = 3;
const RETRY_DELAY_MS = 500;

/**
 * True when the request may have reached the API and its answer was lost, so the same
 * request (same key) is worth sending again: a 5xx, or the connection failing once
 * the request was under way. A refused connection sent nothing: that is not retried.
 */
function answerMayBeLost(error: unknown): boolean {
  if (error instanceof ApiError) return error.status >= 500;
  if (!(error instanceof ApiUnreachableError)) return false;
  return error.reason !== 'ECONNREFUSED' && error.reason !== 'ENOTFOUND';
}

function parseOrUndefined(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The system's code of a failed `fetch` (its `cause`), or `TIMEOUT`. */
function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'TIMEOUT';
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.message : String(error);
}

/** Where the API is and how to call it; `fetch` is injectable for tests. */
export interface ClientOptions {
  readonly endpoint: string;
  /** Sent as `x-api-key`; without one the API answers 401, which the caller can explain. */
  readonly apiKey?: string;
  readonly fetch?: typeof fetch;
  /** Per-request timeout. */
  readonly timeoutMs?: number;
}

/**
 * A small client of the fanout API on the platform's `fetch`.
 *
 * @example
 * const client = createFanoutClient({ endpoint: 'http://localhost:3000', apiKey });
 * const { jobId } = await client.submitJob({ urls });
 */
export function createFanoutClient(options: ClientOptions): FanoutClient {
  const base = options.endpoint.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  /** Sends a request; a non-2xx answer becomes an {@link ApiError} from the API's error body. */
  const send = async (
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Readonly<Record<string, string>> = {},
  ): Promise<string> => {
    const headers: Record<string, string> = { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extraHeaders };
    if (options.apiKey !== undefined && options.apiKey !== '') headers['x-api-key'] = options.apiKey;
    let res: Response;
    let text: string;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      text = await res.text();
    } catch (error) {
      throw new ApiUnreachableError(base, networkReason(error), { cause: error });
    }
    if (!res.ok) {
      const error = (
        parseOrUndefined(text) as { error?: { code?: string; message?: string; details?: ValidationDetail[]; requestId?: string } }
      )?.error;
      const suffix = error?.requestId === undefined ? '' : ` (request id ${error.requestId})`;
      throw new ApiError(res.status, error?.code ?? 'HTTP', `${error?.message ?? `HTTP ${res.status}`}${suffix}`, error?.details ?? []);
    }
    return text;
  };
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => parseOrUndefined(await send(method, path, body)) as T;
  /**
   * A POST that makes a job, under an `Idempotency-Key` of its own: when its answer is
   * lost (a reset, a timeout, a 5xx from a gateway), it is sent again with the same key,
   * and the API answers with the job the first try made instead of making a second.
   */
  const create = async <T>(path: string, body: unknown): Promise<T> => {
    const headers = { 'idempotency-key': randomUUID() };
    for (let attempt = 1; ; attempt += 1) {
      try {
        return parseOrUndefined(await send('POST', path, body, headers)) as T;
      } catch (error) {
        if (attempt >= CREATE_ATTEMPTS || !answerMayBeLost(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * attempt));
      }
    }
  };
  const job = (jobId: string): string => `/jobs/${encodeURIComponent(jobId)}`;
  return {
    submitJob: (body) => create<SubmitReply>('/jobs', body),
    getJob: (jobId) => call<JobStatus>('GET', job(jobId)),
    cancelJob: (jobId) => call<JobStatus>('DELETE', job(jobId)),
    redriveJob: (jobId, codes) => create<RedriveReply>(`${job(jobId)}/redrive`, codes === undefined ? {} : { codes }),
    getResults: (jobId, cursor) =>
      call<ResultsReply>('GET', `${job(jobId)}/results${cursor === undefined ? '' : `?cursor=${encodeURIComponent(cursor)}`}`),
    getReport: (jobId) => send('GET', `${job(jobId)}/report`),
  };
}
