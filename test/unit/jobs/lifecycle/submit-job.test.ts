import { ManifestError } from '../../../../src/jobs/errors';
import type { ChunkMessage, PlanMessage } from '../../../../src/jobs/chunks/messages';
import { submitJob } from '../../../../src/jobs/lifecycle/submit-job';
import { memoryJobDeps } from '../fakes';

const NOW = Date.UTC(2026, 10, 24);

const deps = () => memoryJobDeps({ urls: 2, bytes: 60_000 }, NOW);

const urls = ['http://127.0.0.1/1', 'not a url', 'http://127.0.0.1/3'];

describe('submitJob', () => {
  it('registers every chunk before sending them, with 1-based lines, host by host and bad URLs kept', async () => {
    const d = deps();
    let callsAtSend: string[] = [];
    d.chunkQueue.onSend = () => {
      callsAtSend = [...d.store.calls];
    };
    const outcome = await submitJob(d, 'j', { kind: 'urls', urls, options: { retries: 1 } });
    expect(outcome).toEqual({ jobId: 'j', total: 3, chunks: 2, created: true });
    expect(callsAtSend).toContain('addOnce JOB registered c');
    const sent = d.chunkQueue.bodies<ChunkMessage>();
    expect(sent.map((c) => c.urls.map((u) => [u.line, u.url]))).toEqual([
      [
        [1, 'http://127.0.0.1/1'],
        [3, 'http://127.0.0.1/3'],
      ],
      [[2, 'not a url']],
    ]);
    // An inline job is the whole job: each chunk knows which of its hosts others share (none here).
    expect(sent.map((c) => c.sharedHosts)).toEqual([[], []]);
    expect(sent.every((c) => c.options['retries'] === 1)).toBe(true);
    expect(await d.ledger.getJob('j')).toMatchObject({ state: 'queued', total: 3, chunks: { total: 2, done: 0 } });
  });

  it('warns SLOW_HOSTS when the rates make the job take more than an hour, and not otherwise', async () => {
    const many = Array.from({ length: 3 }, (_, i) => `http://a.test/${i}`);
    const slow = await submitJob(deps(), 's', { kind: 'urls', urls: [...many, 'http://b.test/'], options: { hostRate: 1 / 3600 } });
    expect(slow.warnings).toEqual([
      expect.objectContaining({
        code: 'SLOW_HOSTS',
        seconds: 3 * 3600,
        hosts: [
          { host: 'a.test', urls: 3, seconds: 3 * 3600 },
          { host: 'b.test', urls: 1, seconds: 3600 },
        ],
      }),
    ]);
    expect((await submitJob(deps(), 'f', { kind: 'urls', urls: many, options: { hostRate: 1 } })).warnings).toBeUndefined();
  });

  it('marks the job failed with the reason when queuing fails, and rethrows', async () => {
    const d = deps();
    d.chunkQueue.failNext = new Error('2 of 2 messages not sent');
    await expect(submitJob(d, 'j', { kind: 'urls', urls, options: {} })).rejects.toThrow('not sent');
    expect(await d.ledger.getJob('j')).toMatchObject({ state: 'failed', reason: 'Queuing failed: 2 of 2 messages not sent' });
  });

  it('does not start a second job for an id that is done', async () => {
    const d = deps();
    await submitJob(d, 'j', { kind: 'urls', urls, options: {} });
    await d.store.setWhen('j', 'JOB', { state: 'done' }, { field: 'state', equals: 'queued' });
    const again = await submitJob(d, 'j', { kind: 'urls', urls, options: {} });
    expect(again.created).toBe(false);
    expect(d.chunkQueue.sent).toHaveLength(2);
  });

  it('re-sends, without re-counting, a job that a failed earlier attempt left queued', async () => {
    const d = deps();
    await d.ledger.createJob({ jobId: 'j', options: {}, source: 'urls', splitsTotal: 1, now: NOW });
    const again = await submitJob(d, 'j', { kind: 'urls', urls, options: {} });
    expect(again.created).toBe(false);
    expect(d.chunkQueue.sent).toHaveLength(2);
    await submitJob(d, 'j', { kind: 'urls', urls, options: {} });
    expect((await d.ledger.getJob('j'))?.chunks.total).toBe(2);
  });

  it('accepts a manifest with one plan message and unknown totals', async () => {
    const d = deps();
    d.manifests.put('bucket', 'urls.txt', 'http://127.0.0.1/1\n');
    const outcome = await submitJob(d, 'm', { kind: 'manifest', bucket: 'bucket', key: 'urls.txt', options: {} });
    expect(outcome).toEqual({ jobId: 'm', total: null, chunks: null, created: true });
    expect(d.splitQueue.bodies<PlanMessage>()).toEqual([{ kind: 'plan', jobId: 'm', bucket: 'bucket', key: 'urls.txt', options: {} }]);
  });

  it('refuses a manifest that does not exist, before creating a job', async () => {
    const d = deps();
    await expect(submitJob(d, 'm', { kind: 'manifest', bucket: 'bucket', key: 'missing', options: {} })).rejects.toBeInstanceOf(
      ManifestError,
    );
    expect(await d.ledger.getJob('m')).toBeUndefined();
  });
});
