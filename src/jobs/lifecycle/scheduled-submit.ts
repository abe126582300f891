import { createHash } from 'node:crypto';
import { previousBodyOf, type PreviousBody } from '../../monitoring/change';
import type { ResultStore } from '../ports';
import { readResults } from './read-results';
import { submitInputs, submitJob, type JobSubmission, type SubmitDeps, type SubmitOutcome } from './submit-job';

/**
 * The job id of one schedule run: derived from the run id (schedule name + the tick's
 * time), so every delivery of the same tick names the same job. Readable prefix, hashed
 * tail (the run key may hold characters a job id may not).
 */
export function scheduledJobId(name: string, runKey: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 40);
  const hash = createHash('sha256').update(`${name}\n${runKey}`).digest('hex').slice(0, 20);
  return `sched-${slug}-${hash}`;
}

/** What a schedule tick needs: submitting, and reading the previous run's results. */
export type ScheduleDeps = SubmitDeps & { readonly results: ResultStore };

/**
 * Submits one schedule tick. The job is created with a conditional put on the id from
 * {@link scheduledJobId}, so a retried invocation does not start a second job.
 *
 * A URL list whose previous run is done is monitored (src/monitoring/change.ts): each URL
 * carries the body that run stored, is asked for conditionally, and its record says
 * what changed; the job's status and end event count each kind. Manifest schedules
 * are not monitored (their previous results would be read in this one invocation).
 */
export async function submitScheduled(
  deps: ScheduleDeps,
  run: { readonly name: string; readonly runKey: string; readonly submission: JobSubmission },
): Promise<SubmitOutcome> {
  const jobId = scheduledJobId(run.name, run.runKey);
  const runs = await deps.ledger.scheduledRuns(run.name);
  // A retried tick finds itself as the newest run: compare with the one before.
  const previousJobId = runs.last === jobId ? runs.beforeLast : runs.last;
  const submission = run.submission;
  const previous = submission.kind === 'urls' && previousJobId !== undefined ? await previousBodies(deps, previousJobId) : undefined;
  const outcome =
    previous === undefined || submission.kind !== 'urls'
      ? await submitJob(deps, jobId, submission)
      : await submitInputs(deps, {
          jobId,
          inputs: submission.urls.map((url, i) => {
            const body = previous.get(url);
            return body === undefined ? { url, line: i + 1 } : { url, line: i + 1, previous: body };
          }),
          options: submission.options,
          monitor: true,
          ...(submission.webhook === undefined ? {} : { webhook: submission.webhook }),
        });
  if (outcome.created) await deps.ledger.recordScheduledRun(run.name, jobId);
  return outcome;
}

/** The bodies a done job stored, by URL; undefined when it is not done (nothing sure to compare with). */
async function previousBodies(deps: ScheduleDeps, jobId: string): Promise<ReadonlyMap<string, PreviousBody> | undefined> {
  if ((await deps.ledger.completion(jobId))?.complete !== true) return undefined;
  const bodies = new Map<string, PreviousBody>();
  let cursor: string | undefined;
  do {
    const page = await readResults(deps.ledger, deps.results, jobId, cursor, { items: 1000, bytes: 16 * 1024 * 1024 });
    for (const record of page?.items ?? []) {
      const body = previousBodyOf(record);
      if (body !== undefined) bodies.set(record.url, body);
    }
    cursor = page?.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return bodies;
}
