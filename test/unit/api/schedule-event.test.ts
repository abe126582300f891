import { createScheduleHandler, runKeyOf } from '../../../src/api/schedule-event';
import { ValidationError } from '../../../src/errors';
import { memoryJobDeps } from '../jobs/fakes';
import { capturedLogs } from '../observability/captured-logs';
import { lambdaContext } from './events';

const NOW = Date.UTC(2026, 10, 24);

function setup() {
  const deps = memoryJobDeps({ urls: 100, bytes: 60_000 }, NOW);
  const { log, lines } = capturedLogs();
  const handler = createScheduleHandler(deps, log);
  return { handler, chunkQueue: deps.chunkQueue, ledger: deps.ledger, logs: lines };
}

describe('schedule handler', () => {
  it('starts one job for a tick delivered twice with the same time', async () => {
    const { handler } = setup();
    const event = { name: 'nightly', urls: ['http://127.0.0.1/a'], time: '2026-11-24T00:00:00Z' };
    const a = await handler(event, lambdaContext(60_000, 'req-a'));
    const b = await handler(event, lambdaContext(60_000, 'req-b'));
    expect(a.jobId).toBe(b.jobId);
    expect([a.created, b.created]).toEqual([true, false]);
  });

  it('logs the job it submitted with the schedule, run key and request id', async () => {
    const { handler, logs } = setup();
    const outcome = await handler({ name: 'nightly', urls: ['http://127.0.0.1/a'], time: 't1' }, lambdaContext(60_000, 'req-a'));
    expect(logs).toEqual([
      expect.objectContaining({
        message: 'scheduled job submitted',
        schedule: 'nightly',
        runKey: 'time:t1',
        jobId: outcome.jobId,
        created: true,
        function_request_id: 'req-a',
      }),
    ]);
  });

  it('without a time, keys the run on the request id that Lambda keeps across retries', async () => {
    const { handler, ledger } = setup();
    const event = { name: 'nightly', urls: ['http://127.0.0.1/a'] };
    const a = await handler(event, lambdaContext(60_000, 'req-a'));
    const retry = await handler(event, lambdaContext(60_000, 'req-a'));
    const next = await handler(event, lambdaContext(60_000, 'req-b'));
    expect(retry.jobId).toBe(a.jobId);
    expect(next.jobId).not.toBe(a.jobId);
    expect([a.created, retry.created, next.created]).toEqual([true, false, true]);
    expect(await ledger.getJob(next.jobId)).toBeDefined();
  });

  it('refuses input without a usable name or with a bad job', async () => {
    const { handler, chunkQueue } = setup();
    await expect(handler({ urls: ['http://127.0.0.1/a'] }, lambdaContext())).rejects.toBeInstanceOf(ValidationError);
    await expect(handler({ name: 'n', urls: [] }, lambdaContext())).rejects.toBeInstanceOf(ValidationError);
    expect(chunkQueue.sent).toHaveLength(0);
  });

  it('derives the run key from the time when present', () => {
    expect(runKeyOf({ time: '2026-11-24T00:00:00Z' }, { awsRequestId: 'r' })).toBe('time:2026-11-24T00:00:00Z');
    expect(runKeyOf({}, { awsRequestId: 'r' })).toBe('request:r');
  });
});
