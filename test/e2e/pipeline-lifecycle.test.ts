import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { listenOnLoopback } from '../support/listen-loopback';
import { allResults, api, countByLine, e2eEnv, invokeFunction, submit, waitForJob } from './e2e-client';
import { startTargetServer, type TargetServer } from './target-server';

/**
 * A job's life after submission, through the local stack: its end announced on the
 * (local) EventBridge bus, a cancel mid-job, and a redrive of its failures.
 */
let target: TargetServer;

beforeAll(async () => {
  target = await startTargetServer();
});

afterAll(async () => {
  await target.close();
});

interface BusEvent {
  source: string;
  detailType: string;
  detail: { id: string; jobId: string; state: string; total: number; succeeded: number; failed: number };
}

/** At least one event, every one the same as the first byte for byte (a repeat is the same announcement), with the id. */
function expectOneAnnouncement(events: readonly BusEvent[], id: string): void {
  expect(events[0]?.detail.id).toBe(id);
  expect(events.map((e) => JSON.stringify(e.detail))).toEqual(events.map(() => JSON.stringify(events[0]?.detail)));
}

async function eventsOf(jobId: string): Promise<BusEvent[]> {
  const all = (await (await fetch(`${e2eEnv('FANOUT_E2E_CONTROL_URL')}/events`)).json()) as BusEvent[];
  return all.filter((e) => e.detail?.jobId === jobId);
}

/** Waits until the job's end has been announced (the flag and the event come a moment after the state). */
async function announced(jobId: string): Promise<BusEvent[]> {
  const until = Date.now() + 30_000;
  for (;;) {
    const events = await eventsOf(jobId);
    if (events.length > 0 || Date.now() > until) return events;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('job lifecycle', () => {
  it.concurrent(
    "announces a job's end once on the event bus, with its counts",
    async () => {
      const token = randomUUID();
      const job = await submit([`${target.origin}/ok/${token}/1`, `${target.origin}/missing/${token}`, 'not a url']);
      const status = await waitForJob(job.jobId, 90_000);
      const events = await announced(job.jobId);
      expectOneAnnouncement(events, `${job.jobId}:done`);
      expect(events[0]).toMatchObject({
        source: 'fanout',
        detailType: 'Job Ended',
        detail: { state: 'done', total: 3, succeeded: status.succeeded, failed: status.failed },
      });
    },
    100_000,
  );

  it.concurrent(
    'POSTs a signed webhook a receiver can verify, and refuses a webhook to a blocked address',
    async () => {
      const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
      const receiver = await listenOnLoopback(
        createServer((req, res) => {
          const parts: Buffer[] = [];
          req.on('data', (part: Buffer) => parts.push(part));
          req.on('end', () => {
            received.push({ headers: req.headers, body: Buffer.concat(parts).toString('utf8') });
            res.writeHead(204).end();
          });
        }),
      );
      try {
        const token = randomUUID();
        const res = await api('POST', '/jobs', {
          body: JSON.stringify({ urls: [`${target.origin}/ok/${token}`], webhook: `${receiver.origin}/hook` }),
        });
        expect(res.status).toBe(202);
        await waitForJob(res.body.jobId, 90_000);
        const until = Date.now() + 30_000;
        while (received.length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
        const [hook] = received;
        const event = JSON.parse(hook?.body ?? '{}') as { id: string; state: string; total: number };
        expect(event).toMatchObject({ id: `${res.body.jobId}:done`, state: 'done', total: 1 });
        expect(hook?.headers['x-fanout-event-id']).toBe(event.id);
        const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(hook?.headers['x-fanout-signature'])) ?? [];
        const expected = createHmac('sha256', e2eEnv('FANOUT_E2E_WEBHOOK_SECRET')).update(`${t}.${hook?.body}`).digest('hex');
        expect(v1).toBe(expected);
        expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(120);
        const blocked = await api('POST', '/jobs', {
          body: JSON.stringify({ urls: [`${target.origin}/ok/${token}/2`], webhook: 'http://169.254.169.254/hook' }),
        });
        expect(blocked.status).toBe(400);
        expect(blocked.body.error.details).toEqual([{ field: 'webhook', reason: '169.254.169.254 is link-local (cloud metadata)' }]);
      } finally {
        await receiver.close();
      }
    },
    120_000,
  );

  it.concurrent(
    'cancels a running job: no request reaches the target after the consumers see it, and every URL has a record',
    async () => {
      const token = `cancel-${randomUUID()}`;
      const n = 300;
      const urls = Array.from({ length: n }, (_, i) => `${target.origin}/slow/400/${token}/${i}`);
      const job = await submit(urls, { concurrency: 2, perHost: 2, retries: 0, timeoutMs: 1500 });
      const mine = (): { at: number }[] => target.arrivals.filter((a) => a.path.includes(token));
      const until = Date.now() + 60_000;
      while (mine().length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(mine().length).toBeGreaterThan(0);
      const cancel = await api('DELETE', `/jobs/${job.jobId}`);
      expect(cancel.status).toBe(202);
      expect(cancel.body.state).toBe('cancelling');
      const cancelledAt = Date.now();
      const status = await waitForJob(job.jobId, 120_000);
      expect(status.state).toBe('cancelled');
      const items = await allResults(job.jobId);
      const counts = countByLine(items);
      expect(items).toHaveLength(n);
      expect([...counts.values()].every((c) => c === 1)).toBe(true);
      const cancelled = items.filter((i) => i.error?.code === 'CANCELLED').length;
      expect(cancelled).toBeGreaterThan(0);
      expect(status).toMatchObject({ total: n, succeeded: items.filter((i) => i.ok).length, failed: n - items.filter((i) => i.ok).length });
      // A chunk already fetching when the cancel came runs at most one invocation on (6 s at e2e, 2 s of slack); nothing starts after.
      expect(mine().filter((a) => a.at > cancelledAt + 8_000)).toEqual([]);
      expectOneAnnouncement(await announced(job.jobId), `${job.jobId}:cancelled`);
      const again = await api('DELETE', `/jobs/${job.jobId}`);
      expect(again.status).toBe(409);
    },
    160_000,
  );

  it.concurrent(
    'stops a job whose failure rate passes maxFailureRate after 1,000 results: it ends failed with the reason, one record per URL',
    async () => {
      const token = randomUUID();
      const n = 2000;
      const urls = Array.from({ length: n }, (_, i) =>
        i % 10 < 8 ? `${target.origin}/missing/${token}/${i}` : `${target.origin}/ok/${token}/${i}`,
      );
      const job = await submit(urls, { maxFailureRate: 0.5, retries: 0 });
      const status = await waitForJob(job.jobId, 150_000);
      expect(status).toMatchObject({ state: 'failed', total: n, reason: expect.stringContaining('above maxFailureRate 0.5') });
      const items = await allResults(job.jobId);
      expect(items).toHaveLength(n);
      expect(new Set(items.map((i) => i.line)).size).toBe(n);
      expect(status.succeeded + status.failed).toBe(n);
      expectOneAnnouncement(await announced(job.jobId), `${job.jobId}:failed`);
    },
    170_000,
  );

  it.concurrent(
    'monitors a schedule: its next run asks conditionally and says what changed, in the records, the status and the end event',
    async () => {
      const token = randomUUID();
      const path = (name: string): string => `/page/${token}/${name}`;
      for (const name of ['same', 'edited', 'removed']) target.pages.set(path(name), `first ${name}`);
      const urls = ['same', 'edited', 'removed'].map((name) => `${target.origin}${path(name)}`);
      const name = `watch-${token.slice(0, 8)}`;
      const first = await invokeFunction('fanout-e2e-schedule', { name, urls, time: '2026-11-30T01:00:00Z' });
      await waitForJob(first.payload.jobId, 90_000);
      target.pages.set(path('edited'), 'second edited');
      target.pages.delete(path('removed'));
      target.pages.set(path('added'), 'added');
      const second = await invokeFunction('fanout-e2e-schedule', {
        name,
        urls: [...urls, `${target.origin}${path('added')}`],
        time: '2026-11-30T02:00:00Z',
      });
      const status = await waitForJob(second.payload.jobId, 90_000);
      expect(status).toMatchObject({ state: 'done', changes: { new: 1, changed: 1, unchanged: 1, gone: 1 } });
      const records = await allResults(second.payload.jobId);
      expect(records.map((r) => [r.line, r.status, r.change])).toEqual([
        [1, 304, 'unchanged'],
        [2, 200, 'changed'],
        [3, 404, 'gone'],
        [4, 200, 'new'],
      ]);
      expect(target.conditional.filter((p) => p.includes(token)).sort()).toEqual([path('edited'), path('removed'), path('same')].sort());
      const events = await announced(second.payload.jobId);
      expect(events[0]?.detail).toMatchObject({ changes: { new: 1, changed: 1, unchanged: 1, gone: 1 } });
    },
    200_000,
  );

  it.concurrent(
    'redrives only the failed URLs of an ended job, keeping their lines, linked both ways',
    async () => {
      const token = randomUUID();
      const urls = [`${target.origin}/ok/${token}/1`, `${target.origin}/missing/${token}/2`, `${target.origin}/ok/${token}/3`, 'not a url'];
      const job = await submit(urls);
      await waitForJob(job.jobId, 90_000);
      const only404 = await api('POST', `/jobs/${job.jobId}/redrive`, { body: JSON.stringify({ codes: ['HTTP_STATUS'] }) });
      expect(only404.status).toBe(202);
      expect(only404.body).toMatchObject({ parent: job.jobId, total: 1 });
      const child = await waitForJob(only404.body.jobId, 90_000);
      expect(child).toMatchObject({ state: 'done', total: 1, parent: job.jobId });
      expect((await allResults(only404.body.jobId)).map((i) => i.line)).toEqual([2]);
      expect((await api('GET', `/jobs/${job.jobId}`)).body.redrives).toEqual([only404.body.jobId]);
      const bad = await api('POST', `/jobs/${job.jobId}/redrive`, { body: JSON.stringify({ codes: ['NOPE'] }) });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details[0].field).toBe('codes[0]');
    },
    160_000,
  );
});
