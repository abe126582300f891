import { resolveEngineConfig } from '../../../../src/config/engine-config';
import type { FetchResult } from '../../../../src/fetch/result';
import type { Engine, RunOptions, RunSummary, UrlInput } from '../../../../src/fetch/types';
import { consumeChunk, type ConsumeDeps } from '../../../../src/jobs/chunks/consume-chunk';
import { parseChunkMessage } from '../../../../src/jobs/chunks/messages';
import { readResults } from '../../../../src/jobs/lifecycle/read-results';
import { scheduledJobId, submitScheduled } from '../../../../src/jobs/lifecycle/scheduled-submit';
import { fakeResult, memoryJobDeps } from '../fakes';

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

describe('a monitored schedule', () => {
  /** An engine whose answers are given per run; it records the headers each URL was asked with. */
  class PageEngine implements Engine {
    readonly asked: { url: string; headers?: Readonly<Record<string, string>> }[] = [];
    constructor(public answer: (input: UrlInput) => FetchResult) {}
    async run(urls: AsyncIterable<UrlInput> | Iterable<UrlInput>, options: RunOptions): Promise<RunSummary> {
      let total = 0;
      for await (const input of urls) {
        this.asked.push({ url: input.url, ...(input.headers === undefined ? {} : { headers: input.headers }) });
        await options.onResult(this.answer(input), undefined);
        total += 1;
      }
      return {
        total,
        ok: total,
        failed: 0,
        notAttempted: 0,
        errors: {},
        elapsedMs: 0,
        hosts: { throttled: 0, pausedMs: 0, unavailable: 0, gaveUp: 0 },
      };
    }
    async close(): Promise<void> {}
  }

  const page = (input: UrlInput, status: number, body: string): FetchResult => ({
    ...fakeResult(input, status === 200 || status === 304 ? undefined : 'HTTP_STATUS'),
    status,
    finalUrl: input.url,
    headers: status === 200 ? { etag: `"${body}"` } : {},
    sha256: status === 200 ? `sha-of-${body}` : null,
    ok: status === 200 || status === 304,
  });

  it('asks each URL conditionally with what the previous run stored, and counts what changed', async () => {
    const d = memoryJobDeps({ urls: 100, bytes: 60_000 }, NOW);
    const engine = new PageEngine((input) => page(input, 200, `v1-${input.url}`));
    const consume: ConsumeDeps = {
      engine,
      configFor: () => resolveEngineConfig({}),
      results: d.results,
      ledger: d.ledger,
      chunkQueue: d.chunkQueue,
      events: d.events,
      now: d.now,
    };
    const drain = async (from: number): Promise<void> => {
      for (const [i, message] of d.chunkQueue.sent.slice(from).entries()) {
        await consumeChunk(consume, parseChunkMessage(message.body), { id: `d${from + i}`, lastReceive: false }, NOW + 60_000);
      }
    };
    const urls = ['http://127.0.0.1/a', 'http://127.0.0.1/b', 'http://127.0.0.1/c'];
    const first = await submitScheduled(d, { name: 'pages', runKey: 'time:1', submission: { kind: 'urls', urls, options: {} } });
    await drain(0);
    expect((await d.ledger.getJob(first.jobId))?.changes).toBeUndefined();

    // The second run: a unchanged (304), b changed, c gone, d new.
    engine.answer = (input) =>
      input.url.endsWith('/a')
        ? page(input, 304, '')
        : input.url.endsWith('/b')
          ? page(input, 200, 'v2')
          : input.url.endsWith('/c')
            ? page(input, 404, '')
            : page(input, 200, 'd');
    engine.asked.length = 0;
    const sent = d.chunkQueue.sent.length;
    const second = await submitScheduled(d, {
      name: 'pages',
      runKey: 'time:2',
      submission: { kind: 'urls', urls: [...urls, 'http://127.0.0.1/d'], options: {} },
    });
    await drain(sent);
    expect(engine.asked.find((a) => a.url.endsWith('/a'))?.headers).toEqual({ 'if-none-match': '"v1-http://127.0.0.1/a"' });
    expect(engine.asked.find((a) => a.url.endsWith('/d'))?.headers).toBeUndefined();
    const records = (await readResults(d.ledger, d.results, second.jobId, undefined, { items: 10, bytes: 1 << 20 }))?.items ?? [];
    expect(records.map((r) => [r.url.slice(-1), r.change])).toEqual([
      ['a', 'unchanged'],
      ['b', 'changed'],
      ['c', 'gone'],
      ['d', 'new'],
    ]);
    // The 304 stands for the body the previous run stored.
    expect(records[0]?.sha256).toBe('sha-of-v1-http://127.0.0.1/a');
    expect((await d.ledger.getJob(second.jobId))?.changes).toEqual({ new: 1, changed: 1, unchanged: 1, gone: 1 });
    expect(d.events.published.find((e: { jobId: string }) => e.jobId === second.jobId)?.changes).toEqual({
      new: 1,
      changed: 1,
      unchanged: 1,
      gone: 1,
    });
  });
});
