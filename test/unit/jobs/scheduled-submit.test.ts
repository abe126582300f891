import { scheduledJobId, submitScheduled } from '../../../src/jobs/scheduled-submit';
import { memoryJobDeps } from './fakes';

const NOW = Date.UTC(2026, 10, 24);

describe('submitScheduled', () => {
  const submission = { kind: 'urls', urls: ['http://127.0.0.1/a'], options: {} } as const;

  const deps = () => memoryJobDeps({ urls: 100, bytes: 60_000 }, NOW);

  it('starts one job per tick, however often the tick is delivered', async () => {
    const d = deps();
    const run = { name: 'nightly', runKey: 'time:2026-11-24T00:00:00Z', submission };
    const first = await submitScheduled(d, run);
    await d.store.setWhen(first.jobId, 'JOB', { state: 'done' }, { field: 'state', equals: 'queued' });
    const second = await submitScheduled(d, run);
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ jobId: first.jobId, created: false });
    expect(d.chunkQueue.sent).toHaveLength(1);
  });

  it('starts a new job for the next tick', async () => {
    const d = deps();
    const a = await submitScheduled(d, { name: 'nightly', runKey: 'time:2026-11-24T00:00:00Z', submission });
    const b = await submitScheduled(d, { name: 'nightly', runKey: 'time:2026-11-25T00:00:00Z', submission });
    expect(a.jobId).not.toBe(b.jobId);
    expect(await d.ledger.getJob(b.jobId)).toBeDefined();
  });
});

describe('scheduledJobId', () => {
  it('is stable, URL-safe and tells schedules apart', () => {
    const id = scheduledJobId('Nightly Crawl', 'time:2026-11-24T00:00:00Z');
    expect(id).toBe(scheduledJobId('Nightly Crawl', 'time:2026-11-24T00:00:00Z'));
    expect(id).toMatch(/^sched-nightly-crawl-[0-9a-f]{20}$/);
    expect(scheduledJobId('other', 'time:2026-11-24T00:00:00Z')).not.toBe(id);
  });
});
