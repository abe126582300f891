import { randomUUID } from 'node:crypto';
import { ValidationError } from '../errors';
import { NotFoundError } from '../jobs/errors';
import { cancelJob, redriveCodes, redriveJob } from '../jobs/lifecycle/job-lifecycle';
import type { JobLedger } from '../jobs/ledger/job-ledger';
import type { ResultStore } from '../jobs/ports';
import { readResults } from '../jobs/lifecycle/read-results';
import { submitJob, type SubmitDeps, type SubmitOutcome } from '../jobs/lifecycle/submit-job';
import type { HttpReply } from './http-errors';
import { jobReport, REPORT_MAX_RECORDS } from '../report/job-report';
import { renderReport } from '../report/render-report';
import OPENAPI_DOCUMENT from './openapi.json';
import { idempotencyOf } from './idempotency';
import { checkWebhookSigning, validateJob } from './validate-job';

/** What the routes need. */
export interface RouteDeps {
  readonly submit: SubmitDeps;
  readonly ledger: JobLedger;
  readonly results: ResultStore;
  /** Base of `statusUrl`/`resultsUrl`; relative URLs when unset. */
  readonly publicUrl?: string;
  readonly newJobId?: () => string;
}

/** A request reduced to what the routes read. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Parses the JSON body on demand (only POST needs it). */
  readonly json: () => unknown;
  /** True when the request carries a body (a redrive's is optional). */
  readonly hasBody: boolean;
  /** Request headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Epoch ms by which the answer must be under way: routes that read much stop there. */
  readonly deadline?: number;
}

/** Results per page at most. */
export const MAX_PAGE = 1000;

/**
 * Bytes of records per page at most: Lambda answers at most 6 MB, and the JSON around
 * the records, plus escaping by API Gateway, must fit beside them.
 */
export const MAX_PAGE_BYTES = 4 * 1024 * 1024;

/** What a job id may look like in a path; anything else is a 404. */
export const JOB_ID = /^[A-Za-z0-9_.-]{1,128}$/;

function jobUrls(deps: RouteDeps, jobId: string): { statusUrl: string; resultsUrl: string } {
  const base = `${deps.publicUrl ?? ''}/jobs/${encodeURIComponent(jobId)}`;
  return { statusUrl: base, resultsUrl: `${base}/results` };
}

/** A submit's warnings as the 202 carries them: a `warnings` list only when there are some. */
function warningsOf(outcome: SubmitOutcome): { warnings?: SubmitOutcome['warnings'] } {
  return outcome.warnings === undefined || outcome.warnings.length === 0 ? {} : { warnings: outcome.warnings };
}

async function postJob(deps: RouteDeps, req: ApiRequest): Promise<HttpReply> {
  const body = req.json();
  const submission = validateJob(body, deps.submit.jobLimits);
  await checkWebhookSigning(submission, deps.submit.webhooks);
  const idempotency = idempotencyOf(req.headers, { method: req.method, path: '/jobs', body });
  const jobId = idempotency?.jobId ?? (deps.newJobId ?? randomUUID)();
  const outcome = await submitJob(deps.submit, jobId, {
    ...submission,
    ...(idempotency === undefined ? {} : { requestHash: idempotency.requestHash }),
  });
  return {
    statusCode: 202,
    body: { jobId, total: outcome.total, chunks: outcome.chunks, ...jobUrls(deps, jobId), ...warningsOf(outcome) },
  };
}

async function getJob(deps: RouteDeps, jobId: string): Promise<HttpReply> {
  const status = await deps.ledger.getJob(jobId);
  if (status === undefined) throw new NotFoundError(`No job ${jobId}`);
  return { statusCode: 200, body: status };
}

function pageLimit(raw: string | undefined): number {
  if (raw === undefined) return MAX_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) {
    throw new ValidationError('Invalid limit', [{ field: 'limit', reason: `must be an integer from 1 to ${MAX_PAGE}` }]);
  }
  return n;
}

async function getResults(deps: RouteDeps, jobId: string, req: ApiRequest): Promise<HttpReply> {
  const limit = pageLimit(req.query['limit']);
  const cursor = req.query['cursor'];
  const page = await readResults(deps.ledger, deps.results, jobId, cursor === '' ? undefined : cursor, {
    items: limit,
    bytes: MAX_PAGE_BYTES,
  });
  if (page === undefined) throw new NotFoundError(`No job ${jobId}`);
  return { statusCode: 200, body: page };
}

/** A path segment's percent-decoding; broken escapes (`%E0%A4%A`) are the client's 400, not our 500. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ValidationError('Invalid path', [{ field: 'path', reason: 'not valid percent-encoded UTF-8' }]);
  }
}

async function deleteJob(deps: RouteDeps, jobId: string): Promise<HttpReply> {
  return { statusCode: 202, body: await cancelJob(deps.submit, jobId) };
}

async function postRedrive(deps: RouteDeps, parentId: string, req: ApiRequest): Promise<HttpReply> {
  const body = req.hasBody ? req.json() : {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('The body must be a JSON object', [{ field: '(body)', reason: 'must be a JSON object' }]);
  }
  const codes = redriveCodes((body as Record<string, unknown>)['codes']);
  const idempotency = idempotencyOf(req.headers, { method: req.method, path: `/jobs/${parentId}/redrive`, body });
  const jobId = idempotency?.jobId ?? (deps.newJobId ?? randomUUID)();
  const outcome = await redriveJob({ ...deps.submit, results: deps.results }, parentId, jobId, codes, idempotency?.requestHash);
  return {
    statusCode: 202,
    body: { jobId, parent: parentId, total: outcome.total, chunks: outcome.chunks, ...jobUrls(deps, jobId), ...warningsOf(outcome) },
  };
}

async function getReport(deps: RouteDeps, jobId: string, req: ApiRequest): Promise<HttpReply> {
  const input = await jobReport(deps.ledger, deps.results, jobId, {
    records: REPORT_MAX_RECORDS,
    ...(req.deadline === undefined ? {} : { deadline: req.deadline }),
  });
  if (input === undefined) throw new NotFoundError(`No job ${jobId}`);
  return { statusCode: 200, contentType: 'text/html; charset=utf-8', body: renderReport(input) };
}

async function getOpenApi(): Promise<HttpReply> {
  return { statusCode: 200, body: OPENAPI_DOCUMENT };
}

/** One route: its method, its path (`{jobId}` matches one segment), and what answers it. */
export interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  /** Answered without an API key (the API's own description). */
  readonly public?: boolean;
  readonly answer: (deps: RouteDeps, req: ApiRequest, jobId: string) => Promise<HttpReply>;
}

/**
 * Every route the API answers. The OpenAPI document (`openapi.json`) describes exactly
 * these; a test holds the two together, and serverless.yml's `httpApi` events list them.
 */
export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/jobs', answer: (deps, req) => postJob(deps, req) },
  { method: 'GET', path: '/jobs/{jobId}', answer: (deps, _req, jobId) => getJob(deps, jobId) },
  { method: 'DELETE', path: '/jobs/{jobId}', answer: (deps, _req, jobId) => deleteJob(deps, jobId) },
  { method: 'GET', path: '/jobs/{jobId}/results', answer: (deps, req, jobId) => getResults(deps, jobId, req) },
  { method: 'POST', path: '/jobs/{jobId}/redrive', answer: (deps, req, jobId) => postRedrive(deps, jobId, req) },
  { method: 'GET', path: '/jobs/{jobId}/report', answer: (deps, req, jobId) => getReport(deps, jobId, req) },
  { method: 'GET', path: '/openapi.json', public: true, answer: () => getOpenApi() },
];

/** True when the request is for a route that needs no API key; the adapter asks before checking the key. */
export function isPublicRoute(method: string, path: string): boolean {
  const bare = path.replace(/\/+$/, '');
  return ROUTES.some((r) => r.public === true && r.method === method && r.path === bare);
}

/** Matches decoded path segments against a route's path; returns the `{jobId}` segment ('' when none). */
function match(route: Route, method: string, segments: readonly string[]): string | undefined {
  if (route.method !== method) return undefined;
  const pattern = route.path.split('/').slice(1);
  if (pattern.length !== segments.length) return undefined;
  let jobId = '';
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i] as string;
    if (part === '{jobId}') {
      if (!JOB_ID.test(segment)) return undefined;
      jobId = segment;
    } else if (part !== segment) return undefined;
  }
  return jobId;
}

/**
 * Routes a request to the {@link ROUTES} entry that matches its method and path.
 * Anything else is a 404. Errors propagate to the adapter, which maps them.
 */
export async function route(deps: RouteDeps, req: ApiRequest): Promise<HttpReply> {
  const segments = req.path.replace(/\/+$/, '').split('/').slice(1).map(decodePathSegment);
  for (const candidate of ROUTES) {
    const jobId = match(candidate, req.method, segments);
    if (jobId !== undefined) return candidate.answer(deps, req, jobId);
  }
  throw new NotFoundError(`No route ${req.method} ${req.path}`);
}
