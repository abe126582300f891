import { createHttpHandler, type ApiDeps } from '../../../src/api/http-handler';
import { MAX_BODY_BYTES } from '../../../src/api/json-body';
import { JobLedger } from '../../../src/jobs/ledger/job-ledger';
import { MemoryManifests, MemoryEvents, MemoryQueue, MemoryResults, TEST_JOB_LIMITS, fakeResult } from '../jobs/fakes';
import { MemoryLedgerStore } from '../jobs/ledger/memory-ledger-store';
import { capturedLogs } from '../observability/captured-logs';
import { resolveEngineConfig } from '../../../src/config/engine-config';
import { httpEvent, lambdaContext } from './events';
import type { WebhookDelivery } from '../../../src/webhook/webhook';

const KEY = 'secret-key';
const NOW = Date.UTC(2026, 10, 24);
const auth = { 'x-api-key': KEY };

function setup(overrides: Partial<ApiDeps> = {}, jobLimits = TEST_JOB_LIMITS, webhooks?: WebhookDelivery) {
  const ledger = new JobLedger(new MemoryLedgerStore());
  const results = new MemoryResults();
  const chunkQueue = new MemoryQueue();
  const manifests = new MemoryManifests();
  const { log, lines: logs } = capturedLogs();
  let n = 0;
  const handler = createHttpHandler({
    submit: {
      ledger,
      chunkQueue,
      splitQueue: new MemoryQueue(),
      events: new MemoryEvents(),
      manifests,
      limits: { urls: 2, bytes: 60_000 },
      jobLimits,
      now: () => NOW,
      ...(webhooks === undefined ? {} : { webhooks }),
    },
    ledger,
    results,
    apiKey: async () => KEY,
    publicUrl: 'http://127.0.0.1:3000',
    newJobId: () => `job-${++n}`,
    log,
    ...overrides,
  });
  const call = async (...args: Parameters<typeof httpEvent>) => {
    const res = await handler(httpEvent(...args), lambdaContext());
    return { status: res.statusCode, body: JSON.parse(res.body ?? 'null') as Record<string, any>, headers: res.headers };
  };
  return { call, ledger, results, chunkQueue, manifests, logs };
}

describe('API handler', () => {
  it('accepts a job with 202 and the links to follow it', async () => {
    const { call, chunkQueue } = setup();
    const res = await call('POST', '/jobs', {
      headers: auth,
      body: JSON.stringify({ urls: ['http://127.0.0.1/a', 'http://127.0.0.1/b', '::not a url::'], options: { retries: 1 } }),
    });
    expect(res.status).toBe(202);
    expect(res.headers).toEqual({ 'content-type': 'application/json' });
    expect(res.body).toEqual({
      jobId: 'job-1',
      total: 3,
      chunks: 2,
      statusUrl: 'http://127.0.0.1:3000/jobs/job-1',
      resultsUrl: 'http://127.0.0.1:3000/jobs/job-1/results',
    });
    expect(chunkQueue.sent).toHaveLength(2);
  });

  it('refuses a webhook with 400 when the deployment cannot read its signing secret, without naming the URL’s path', async () => {
    const missing = Object.assign(new Error('ParameterNotFound'), { name: 'ParameterNotFound' });
    const webhooks = { sender: { post: async () => ({ status: 200 }) }, secret: () => Promise.reject(missing) };
    const jobLimits = { ...TEST_JOB_LIMITS, engine: resolveEngineConfig({ allowNet: ['127.0.0.1:9000'] }) };
    const { call, chunkQueue } = setup({}, jobLimits, webhooks);
    const res = await call('POST', '/jobs', {
      headers: auth,
      body: JSON.stringify({ urls: ['http://127.0.0.1/a'], webhook: 'http://127.0.0.1:9000/hook/TOKEN?key=TOKEN' }),
    });
    expect(res.status).toBe(400);
    expect(res.body['error']).toMatchObject({
      code: 'VALIDATION',
      details: [{ field: 'webhook', reason: expect.stringContaining('signing secret') }],
    });
    expect(JSON.stringify(res.body)).not.toContain('TOKEN');
    expect(chunkQueue.sent).toHaveLength(0);
    // Without a webhook the job goes ahead.
    expect((await call('POST', '/jobs', { headers: auth, body: JSON.stringify({ urls: ['http://127.0.0.1/a'] }) })).status).toBe(202);
  });

  it('warns in the 202 when the rates make an inline job slow', async () => {
    const { call } = setup();
    const urls = [...Array.from({ length: 3 }, (_, i) => `http://a.test/${i}`), 'http://b.test/'];
    const res = await call('POST', '/jobs', { headers: auth, body: JSON.stringify({ urls, options: { hostRate: '1/h' } }) });
    expect(res.status).toBe(202);
    expect(res.body['warnings']).toEqual([
      {
        code: 'SLOW_HOSTS',
        message: 'This job needs at least 3 h by its rates (a.test alone has 3 URLs at 1/h), more than 1 h; the slowest hosts are listed',
        seconds: 10_800,
        hosts: [
          { host: 'a.test', urls: 3, seconds: 10_800 },
          { host: 'b.test', urls: 1, seconds: 3600 },
        ],
      },
    ]);
    const fast = await call('POST', '/jobs', { headers: auth, body: JSON.stringify({ urls, options: { hostRate: '1/s' } }) });
    expect(fast.body).not.toHaveProperty('warnings');
  });

  it("refuses a rate above the deployment's with a 400 naming the option and the limit", async () => {
    const { call } = setup({}, { ...TEST_JOB_LIMITS, engine: resolveEngineConfig({ hostRate: '5/s' }) });
    const res = await call('POST', '/jobs', {
      headers: auth,
      body: JSON.stringify({ urls: ['http://a.test/'], options: { hostRate: '6/s' } }),
    });
    expect(res.status).toBe(400);
    expect(res.body['error']).toMatchObject({
      code: 'VALIDATION',
      details: [{ field: 'options.hostRate', reason: "must be at most 5/s (this deployment's limit)" }],
    });
  });

  it.each([
    ['no key', {}],
    ['a wrong key', { 'x-api-key': 'nope' }],
    ['an empty key', { 'x-api-key': '' }],
  ])('answers 401 to %s, on every route', async (_label, headers) => {
    const { call, chunkQueue } = setup();
    for (const [method, path] of [
      ['POST', '/jobs'],
      ['GET', '/jobs/x'],
      ['GET', '/jobs/x/results'],
      ['GET', '/nowhere'],
    ] as const) {
      const res = await call(method, path, { headers, body: '{"urls":["http://127.0.0.1/"]}' });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'UNAUTHORIZED', message: 'Missing or invalid x-api-key' } });
    }
    expect(chunkQueue.sent).toHaveLength(0);
  });

  it('reads the key header whatever its case', async () => {
    const { call } = setup();
    expect((await call('GET', '/jobs/none', { headers: { 'X-Api-Key': KEY } })).status).toBe(404);
  });

  it('answers 400 with a detail per bad field and URL index', async () => {
    const { call, ledger } = setup();
    const res = await call('POST', '/jobs', {
      headers: auth,
      body: JSON.stringify({ urls: ['http://127.0.0.1/', 7, null], options: { concurrency: 0, bogus: 1 } }),
    });
    expect(res.status).toBe(400);
    expect(res.body['error'].code).toBe('VALIDATION');
    expect(res.body['error'].details).toEqual([
      { field: 'options.concurrency', reason: "must be an integer from 1 to 64 (this deployment's limit)" },
      { field: 'options.bogus', reason: expect.stringContaining('unknown option') },
      { field: 'urls[1]', reason: 'must be a string' },
      { field: 'urls[2]', reason: 'must be a string' },
    ]);
    expect(await ledger.getJob('job-1')).toBeUndefined();
  });

  it.each([
    ['non-JSON', '{"urls": [', 'The body is not valid JSON'],
    ['a missing body', undefined, 'A JSON body is required'],
    ['an oversized body', `{"urls":["${'a'.repeat(MAX_BODY_BYTES)}"]}`, `The body is larger than ${MAX_BODY_BYTES} bytes`],
  ])('answers 400 to %s', async (_label, body, message) => {
    const { call } = setup();
    const res = await call('POST', '/jobs', { headers: auth, ...(body === undefined ? {} : { body }) });
    expect(res.status).toBe(400);
    expect(res.body['error']).toMatchObject({ code: 'VALIDATION', message, details: [{ field: '(body)' }] });
  });

  it('decodes a base64 body', async () => {
    const { call } = setup();
    const body = Buffer.from(JSON.stringify({ urls: ['http://127.0.0.1/'] })).toString('base64');
    expect((await call('POST', '/jobs', { headers: auth, body, base64: true })).status).toBe(202);
  });

  it('answers 400 on the manifest field for a manifest that does not exist', async () => {
    const { call } = setup();
    const res = await call('POST', '/jobs', { headers: auth, body: JSON.stringify({ manifest: 's3://bucket/manifests/missing.txt' }) });
    expect(res.status).toBe(400);
    expect(res.body['error'].details).toEqual([{ field: 'manifest', reason: expect.stringContaining('not found') }]);
  });

  it('accepts a manifest with unknown totals', async () => {
    const { call, manifests } = setup();
    manifests.put('bucket', 'manifests/urls.txt', 'http://127.0.0.1/\n');
    const res = await call('POST', '/jobs', { headers: auth, body: JSON.stringify({ manifest: 's3://bucket/manifests/urls.txt' }) });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ jobId: 'job-1', total: null, chunks: null });
  });

  it('reports a job, and 404 for an unknown one', async () => {
    const { call } = setup();
    await call('POST', '/jobs', { headers: auth, body: JSON.stringify({ urls: ['http://127.0.0.1/'] }) });
    const res = await call('GET', '/jobs/job-1', { headers: auth });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      jobId: 'job-1',
      state: 'queued',
      total: 1,
      succeeded: 0,
      failed: 0,
      chunks: { total: 1, done: 0 },
      createdAt: new Date(NOW).toISOString(),
      updatedAt: new Date(NOW).toISOString(),
    });
    const missing = await call('GET', '/jobs/job-9', { headers: auth });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: 'NOT_FOUND', message: 'No job job-9' } });
  });

  it('pages results with a cursor and refuses a bad cursor or limit with 400', async () => {
    const { call, results, ledger } = setup();
    await call('POST', '/jobs', { headers: auth, body: JSON.stringify({ urls: ['http://127.0.0.1/'] }) });
    const objectKey = await results.putDeliveryResults(
      'job-1',
      'c-000000',
      'd1',
      [1, 2, 3].map((line) => fakeResult({ url: 'u', line })),
    );
    await ledger.claim('job-1', 'c-000000', { deliveryId: 'd1', objectKey, succeeded: 3, failed: 0, leftovers: '', claimedAt: NOW });
    // An object no claim points at (a losing delivery's) is never read.
    await results.putDeliveryResults('job-1', 'c-000000', 'd2', [fakeResult({ url: 'u', line: 1 })]);
    const first = await call('GET', '/jobs/job-1/results', { headers: auth, query: { limit: '2' } });
    expect(first.body['items'].map((r: { line: number }) => r.line)).toEqual([1, 2]);
    expect(first.body).toMatchObject({ complete: false, state: 'queued' });
    const second = await call('GET', '/jobs/job-1/results', { headers: auth, query: { cursor: first.body['nextCursor'] } });
    expect(second.body).toMatchObject({ nextCursor: null });
    expect(second.body['items'].map((r: { line: number }) => r.line)).toEqual([3]);
    const badCursor = await call('GET', '/jobs/job-1/results', { headers: auth, query: { cursor: 'x' } });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body['error'].details).toEqual([{ field: 'cursor', reason: 'The cursor is not one this API issued' }]);
    const badLimit = await call('GET', '/jobs/job-1/results', { headers: auth, query: { limit: '5000' } });
    expect(badLimit.status).toBe(400);
    expect((await call('GET', '/jobs/job-9/results', { headers: auth })).status).toBe(404);
  });

  it('answers 404 to unknown routes and methods', async () => {
    const { call } = setup();
    expect((await call('DELETE', '/jobs/job-1', { headers: auth })).status).toBe(404);
    expect((await call('GET', '/other', { headers: auth })).status).toBe(404);
  });

  it.each(['/jobs/%E0%A4%A', '/jobs/%ZZ/results', '/%E0%A4%A'])(
    'answers 400 with the usual error body to the malformed path %s',
    async (path) => {
      const { call } = setup();
      const res = await call('GET', path, { headers: auth });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: { code: 'VALIDATION', message: 'Invalid path', details: [{ field: 'path', reason: 'not valid percent-encoded UTF-8' }] },
      });
    },
  );

  it('answers 500 with a generic message and the request id, and logs the detail', async () => {
    const ledger = new JobLedger(new MemoryLedgerStore());
    ledger.getJob = async () => {
      throw new Error('DynamoDB said: secret internal detail');
    };
    const { call, logs } = setup({ ledger });
    const res = await call('GET', '/jobs/job-1', { headers: auth });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'Internal error', requestId: 'req-1' } });
    expect(JSON.stringify(res.body)).not.toContain('secret');
    expect(logs).toEqual([
      expect.objectContaining({ requestId: 'req-1', error: expect.objectContaining({ message: 'DynamoDB said: secret internal detail' }) }),
    ]);
  });

  it('marks the job failed and answers 500 when its chunks cannot be queued', async () => {
    const { call, chunkQueue, ledger } = setup();
    chunkQueue.failNext = new Error('SQS unavailable');
    const res = await call('POST', '/jobs', { headers: auth, body: JSON.stringify({ urls: ['http://127.0.0.1/'] }) });
    expect(res.status).toBe(500);
    expect(await ledger.getJob('job-1')).toMatchObject({ state: 'failed', reason: 'Queuing failed: SQS unavailable' });
  });
});

describe('API handler: Idempotency-Key', () => {
  const submitWithKey = (call: ReturnType<typeof setup>['call'], key: string, urls: readonly string[]) =>
    call('POST', '/jobs', { headers: { ...auth, 'Idempotency-Key': key }, body: JSON.stringify({ urls }) });

  it('answers a repeat of a keyed submit with the same job, and makes no second job', async () => {
    const { call, ledger, chunkQueue } = setup();
    const urls = ['http://127.0.0.1/a', 'http://127.0.0.1/b', 'http://127.0.0.1/c'];
    const first = await submitWithKey(call, 'retry-me-1', urls);
    const again = await submitWithKey(call, 'retry-me-1', urls);
    expect(first.status).toBe(202);
    expect(again).toEqual(first);
    expect(first.body['jobId']).toMatch(/^k-[A-Za-z0-9_-]{22}$/);
    // The id is the key's, not the random one: no job-1 was ever made.
    expect(await ledger.getJob('job-1')).toBeUndefined();
    expect(await ledger.getJob(first.body['jobId'])).toMatchObject({ total: 3, state: 'queued' });
    // The repeat found the job still queued and sent its chunks again (the claim keeps
    // them to one result each); a repeat never registers a second job's worth of URLs.
    expect(new Set(chunkQueue.sent.map((m) => m.id)).size).toBe(2);
  });

  it('refuses a key reused for another request with 422, sending nothing for it', async () => {
    const { call, chunkQueue } = setup();
    const first = await submitWithKey(call, 'k1', ['http://127.0.0.1/a']);
    const sent = chunkQueue.sent.length;
    const other = await submitWithKey(call, 'k1', ['http://127.0.0.1/other']);
    expect(other.status).toBe(422);
    expect(other.body['error']).toMatchObject({ code: 'IDEMPOTENCY_MISMATCH' });
    expect(chunkQueue.sent.length).toBe(sent);
    expect(first.status).toBe(202);
  });

  it('lets exactly one of two racing requests with one key and different bodies through', async () => {
    const { call } = setup();
    const answers = await Promise.all([
      submitWithKey(call, 'race', ['http://127.0.0.1/a']),
      submitWithKey(call, 'race', ['http://127.0.0.1/b']),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 422]);
  });

  it('gives different keys different jobs, and keyless submits random ids as before', async () => {
    const { call } = setup();
    const a = await submitWithKey(call, 'a', ['http://127.0.0.1/a']);
    const b = await submitWithKey(call, 'b', ['http://127.0.0.1/a']);
    const plain = await call('POST', '/jobs', { headers: auth, body: JSON.stringify({ urls: ['http://127.0.0.1/a'] }) });
    expect(a.body['jobId']).not.toBe(b.body['jobId']);
    expect(plain.body['jobId']).toBe('job-1');
  });

  it.each([
    ['empty', ''],
    ['with a space', 'has space'],
    ['over 255 characters', 'x'.repeat(256)],
    ['not ASCII', 'naïve'],
  ])('refuses a malformed key (%s) with 400 naming the header', async (_label, key) => {
    const { call, chunkQueue } = setup();
    const res = await submitWithKey(call, key, ['http://127.0.0.1/a']);
    expect(res.status).toBe(400);
    expect(res.body['error']['details']).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
    expect(chunkQueue.sent).toHaveLength(0);
  });
});
