import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { allResults, api, countByLine, e2eEnv, invokeFunction, submit, waitForJob } from './e2e-client';
import { startTargetServer, type TargetServer } from './target-server';

let target: TargetServer;

beforeAll(async () => {
  target = await startTargetServer();
});

afterAll(async () => {
  await target.close();
});

describe('the local pipeline (HTTP API → chunk queue → consumer → S3/DynamoDB)', () => {
  it('gives each of 2,000 URLs exactly one result, with retried 503s and timed-out hangs, and matching counts', async () => {
    const urls: string[] = [];
    const kinds: string[] = [];
    for (let i = 0; i < 2000; i += 1) {
      const kind = i % 50 === 7 ? 'hang' : i % 20 === 3 ? 'flaky' : 'ok';
      kinds.push(kind);
      urls.push(`${target.origin}/${kind}/${i}`);
    }
    // 1.5 s: long enough that a loaded CI machine does not time out a healthy answer, short
    // enough that the 40 hangs end well within the wait below.
    const job = await submit(urls, { concurrency: 100, perHost: 100, timeoutMs: 1500, retries: 1 });
    expect(job.total).toBe(2000);
    expect(job.chunks).toBeGreaterThan(1);

    const status = await waitForJob(job.jobId, 120_000);
    const items = await allResults(job.jobId);

    const hangs = kinds.filter((k) => k === 'hang').length;
    expect(status.state).toBe('done');
    expect(status.total).toBe(2000);
    expect(status.succeeded).toBe(2000 - hangs);
    expect(status.failed).toBe(hangs);
    expect(status.chunks.done).toBe(status.chunks.total);

    expect(items).toHaveLength(2000);
    const counts = countByLine(items);
    expect(counts.size).toBe(2000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    for (const item of items) {
      const kind = kinds[item.line - 1];
      expect(item.url).toBe(urls[item.line - 1]);
      if (kind === 'hang') {
        expect(item.ok).toBe(false);
        expect(String(item.error?.code)).toMatch(/^TIMEOUT_/);
      } else {
        expect({ line: item.line, ok: item.ok, status: item.status }).toEqual({ line: item.line, ok: true, status: 200 });
      }
      // The 503 is retried after the URL's own backoff (which may land past the consumer's
      // deadline and be handed to the next generation, whose record counts its own attempt only).
      if (kind === 'flaky') expect([1, 2]).toContain(item.attempts);
    }
  }, 150_000);

  it('accepts a manifest at once and splits it off the request path: every line gets exactly one result', async () => {
    const bucket = e2eEnv('FANOUT_E2E_BUCKET');
    const key = `manifests/e2e-${randomUUID()}.txt`;
    const n = 1500;
    const lines = Array.from({ length: n }, (_, i) => `${target.origin}/ok/manifest-${key}/${i}`);
    const s3 = new S3Client({ endpoint: e2eEnv('FANOUT_E2E_S3_ENDPOINT'), forcePathStyle: true });
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${lines.join('\n')}\n` }));
    } finally {
      s3.destroy();
    }
    const response = await api('POST', '/jobs', { body: JSON.stringify({ manifest: `s3://${bucket}/${key}` }) });
    expect(response.status).toBe(202);

    const status = await waitForJob(response.body.jobId, 90_000);
    expect(status).toMatchObject({ state: 'done', total: n, succeeded: n, failed: 0 });
    const items = await allResults(response.body.jobId);
    expect(items).toHaveLength(n);
    const counts = countByLine(items);
    expect(counts.size).toBe(n);
    for (const item of items) expect(item.url).toBe(lines[item.line - 1]);
  }, 100_000);

  it('turns a syntactically bad URL into a BAD_URL result without stopping the job', async () => {
    const job = await submit([`${target.origin}/ok/a`, 'not a url', `${target.origin}/ok/b`]);
    const status = await waitForJob(job.jobId, 60_000);
    expect(status).toMatchObject({ state: 'done', total: 3, succeeded: 2, failed: 1 });
    const items = await allResults(job.jobId);
    expect(items.find((i) => i.line === 2)?.error?.code).toBe('BAD_URL');
  }, 70_000);

  it.each([
    ['urls not an array', { urls: 'http://x' }, 'urls'],
    ['an entry not a string', { urls: ['http://127.0.0.1/', 5] }, 'urls[1]'],
    ['an empty list', { urls: [] }, 'urls'],
    ['an unknown option', { urls: ['http://127.0.0.1/'], options: { turbo: true } }, 'options.turbo'],
    ['a bad option value', { urls: ['http://127.0.0.1/'], options: { concurrency: -1 } }, 'options.concurrency'],
  ])('answers 400 VALIDATION naming the field for %s', async (_name, body, field) => {
    const response = await api('POST', '/jobs', { body: JSON.stringify(body) });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION');
    expect(response.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await api('POST', '/jobs', { body: '{"urls": [' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION');
  });

  it.each([
    ['no key', null],
    ['a wrong key', 'not-the-key'],
  ])('answers 401 with %s, on every route', async (_name, apiKey) => {
    const path = `/ok/unauthorized-${randomUUID()}`;
    const responses = await Promise.all([
      api('POST', '/jobs', { apiKey, body: JSON.stringify({ urls: [`${target.origin}${path}`] }) }),
      api('GET', `/jobs/${randomUUID()}`, { apiKey }),
      api('GET', `/jobs/${randomUUID()}/results`, { apiKey }),
    ]);
    expect(responses.map((r) => r.status)).toEqual([401, 401, 401]);
    expect(responses[0]!.body.error.code).toBe('UNAUTHORIZED');
    // Give a wrongly accepted job time to be fetched: nothing may reach the target.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(target.requests.get(path)).toBeUndefined();
  });

  it('answers 404 for an unknown job', async () => {
    expect((await api('GET', `/jobs/${randomUUID()}`)).status).toBe(404);
  });

  it('starts exactly one job for a schedule tick, even when the tick is delivered twice', async () => {
    const name = `e2e-tick-${randomUUID().slice(0, 8)}`;
    const urls = [0, 1, 2, 3, 4].map((i) => `${target.origin}/ok/${name}/${i}`);
    // The payload EventBridge's input transformer produces (serverless.yml): the
    // schedule's input plus the tick's time.
    const tick = { name, urls, time: '2026-11-24T03:00:00Z' };
    const first = await invokeFunction('fanout-e2e-schedule', tick);
    const retried = await invokeFunction('fanout-e2e-schedule', tick);
    expect(first.functionError).toBeUndefined();
    expect(retried.functionError).toBeUndefined();
    expect(retried.payload.jobId).toBe(first.payload.jobId);

    const status = await waitForJob(first.payload.jobId, 60_000);
    expect(status).toMatchObject({ state: 'done', total: 5, succeeded: 5, failed: 0 });
    expect(await allResults(first.payload.jobId)).toHaveLength(5);
    // A second job would have fetched every URL again.
    for (const url of urls) expect(target.requests.get(new URL(url).pathname)).toBe(1);
  }, 70_000);
});
