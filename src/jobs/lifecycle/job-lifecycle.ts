/**
 * What a user can do to a job after submitting it: cancel it, and re-run its failures
 * as a new job (a redrive). Both are rules over the ledger, for the API and the CLI.
 */
import { FETCH_ERROR_CODES, ValidationError, type FetchErrorCode } from '../../errors';
import type { UrlInput } from '../../fetch/types';
import { announceEnd } from './announce';
import { ConflictError, NotFoundError } from '../errors';
import { ENDED_STATES } from '../ledger/job-state';
import { readResults } from './read-results';
import type { JobStatus, ResultStore } from '../ports';
import { submitInputs, type SubmitDeps, type SubmitOutcome } from './submit-job';

/** URLs one redrive may re-run: a redrive is submitted inline. */
export const MAX_REDRIVE_URLS = 10_000;

/**
 * Cancels a job: no new request for it starts once the consumers next see the state
 * (within one chunk); its unfetched URLs get CANCELLED records, so it still ends with
 * one record per URL, `cancelled`. Records already stored stay.
 */
export async function cancelJob(deps: SubmitDeps, jobId: string): Promise<JobStatus> {
  const outcome = await deps.ledger.requestCancel(jobId, deps.now());
  if (outcome === undefined) throw new NotFoundError(`No job ${jobId}`);
  if (outcome.step === 'ended') {
    throw new ConflictError(`Job ${jobId} has ended (${outcome.state}); there is nothing to cancel`);
  }
  // A job with nothing left in flight may have ended with this very request.
  await announceEnd(deps, jobId, true);
  return (await deps.ledger.getJob(jobId)) as JobStatus;
}

/** Parses the error codes a redrive is limited to; a code that is not one is a 400 naming it. */
export function redriveCodes(value: unknown): readonly FetchErrorCode[] | undefined {
  if (value === undefined) return undefined;
  const known = new Set<string>(Object.values(FETCH_ERROR_CODES));
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : null;
  if (list === null || list.length === 0) {
    throw new ValidationError('Invalid codes', [{ field: 'codes', reason: 'must be a list of error codes' }]);
  }
  const bad = list.findIndex((code) => typeof code !== 'string' || !known.has(code));
  if (bad >= 0) {
    throw new ValidationError('Invalid codes', [{ field: `codes[${bad}]`, reason: `not an error code; known: ${[...known].join(', ')}` }]);
  }
  return list as FetchErrorCode[];
}

/**
 * Submits a new job of the URLs whose result in an ended job failed (only those with
 * one of `codes`, when given), with the parent's options and line numbers, linked to
 * the parent in both status documents.
 */
export async function redriveJob(
  deps: SubmitDeps & { readonly results: ResultStore },
  parentId: string,
  jobId: string,
  codes: readonly FetchErrorCode[] | undefined,
  requestHash?: string,
): Promise<SubmitOutcome> {
  const parent = await deps.ledger.completion(parentId);
  if (parent === undefined) throw new NotFoundError(`No job ${parentId}`);
  if (!ENDED_STATES.has(parent.state)) throw new ConflictError(`Job ${parentId} is ${parent.state}; redrive it once it has ended`);
  const wanted = codes === undefined ? undefined : new Set<string>(codes);
  const inputs: UrlInput[] = [];
  let cursor: string | undefined;
  do {
    const page = await readResults(deps.ledger, deps.results, parentId, cursor, { items: 1000, bytes: 64 * 1024 * 1024 });
    for (const record of page?.items ?? []) {
      if (record.ok || (wanted !== undefined && !wanted.has(record.error?.code ?? ''))) continue;
      inputs.push({ url: record.url, line: record.line });
    }
    if (inputs.length > MAX_REDRIVE_URLS) {
      throw new ValidationError('Too many URLs to redrive', [
        { field: 'codes', reason: `more than ${MAX_REDRIVE_URLS} failed URLs match; narrow the codes, or submit them as a manifest` },
      ]);
    }
    cursor = page?.nextCursor ?? undefined;
  } while (cursor !== undefined);
  if (inputs.length === 0) {
    throw new ValidationError('Nothing to redrive', [{ field: 'codes', reason: `no failed URL of ${parentId} matches` }]);
  }
  const options = (await deps.ledger.jobOptions(parentId)) ?? {};
  const outcome = await submitInputs(deps, {
    jobId,
    inputs,
    options,
    parent: parentId,
    ...(requestHash === undefined ? {} : { requestHash }),
  });
  await deps.ledger.addRedrive(parentId, jobId, deps.now());
  return outcome;
}
