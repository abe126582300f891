import { createHash } from 'node:crypto';
import { submitJob, type JobSubmission, type SubmitDeps, type SubmitOutcome } from './submit-job';

/**
 * The job id of one schedule run: derived from the run id (schedule name + the tick's
 * time), so every delivery of the same tick names the same job. Readable prefix, hashed
 * tail (the run key may hold characters a job id may not).
 */
export function scheduledJobId(name: string, runKey: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 40);
  const hash = createHash('sha256').update(`${name}\n${runKey}`).digest('hex').slice(0, 20);
  return `sched-${slug}-${hash}`;
}

/**
 * Submits one schedule tick. The job is created with a conditional put on the id from
 * {@link scheduledJobId}, so a retried invocation does not start a second job.
 */
export function submitScheduled(
  deps: SubmitDeps,
  run: { readonly name: string; readonly runKey: string; readonly submission: JobSubmission },
): Promise<SubmitOutcome> {
  return submitJob(deps, scheduledJobId(run.name, run.runKey), run.submission);
}
