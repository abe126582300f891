import type { Context } from 'aws-lambda';
import { ValidationError } from '../errors';
import { submitScheduled, type ScheduleDeps } from '../jobs/lifecycle/scheduled-submit';
import type { SubmitOutcome } from '../jobs/lifecycle/submit-job';
import { createLogger, invocationLogger, type Logger } from '../observability/logger';
import { validateJob } from './validate-job';

/** A schedule function's handler. */
export type ScheduleHandler = (event: unknown, context: Context) => Promise<SubmitOutcome>;

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The run key of a tick: the scheduled `time` when the event carries one (an EventBridge
 * input transformer can add `"time": <time>`), else the invocation's request id, which
 * Lambda keeps across its own retries of an asynchronous invocation (a constant `input`
 * reaches the function without the tick's time).
 */
export function runKeyOf(event: Readonly<Record<string, unknown>>, context: Pick<Context, 'awsRequestId'>): string {
  const time = event['time'];
  return typeof time === 'string' && time !== '' ? `time:${time}` : `request:${context.awsRequestId}`;
}

/**
 * Handles a schedule tick whose input is `{"name", "urls"|"manifest", "options"?}`: the
 * job is validated like a `POST /jobs` body and submitted under an id derived from the
 * schedule name and the run key, so a retried tick does not start a second job.
 */
export function createScheduleHandler(deps: ScheduleDeps, logger: Logger = createLogger()): ScheduleHandler {
  return async (event, context) => {
    const input = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
    const name = input['name'];
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new ValidationError('Invalid schedule input', [{ field: 'name', reason: 'must be 1-64 of A-Z a-z 0-9 _ . -' }]);
    }
    const { urls, manifest, options } = input;
    const submission = validateJob({ urls, manifest, options }, deps.jobLimits);
    const runKey = runKeyOf(input, context);
    const outcome = await submitScheduled(deps, { name, runKey, submission });
    invocationLogger(logger, context).info('scheduled job submitted', { schedule: name, runKey, ...outcome });
    return outcome;
  };
}
