import { createHttpHandler } from '../../../src/api/http-handler';
import { MemoryResults, fakeResult, memoryJobDeps } from '../jobs/fakes';
import { httpEvent, lambdaContext } from './events';
import { capturedLogs } from '../observability/captured-logs';

const KEY = 'secret-key';
const NOW = Date.UTC(2026, 10, 30);
const auth = { 'x-api-key': KEY };
const EVIL_URL = 'http://127.0.0.1/<script>alert(1)</script>';

/** The API over in-memory stores, with job `job-9` holding one claimed chunk of three results. */
async function setup() {
  const submit = memoryJobDeps({ urls: 10, bytes: 60_000 }, NOW);
  const { ledger } = submit;
  const results = new MemoryResults();
  const handler = createHttpHandler({
    submit,
    ledger,
    results,
    apiKey: async () => KEY,
    log: capturedLogs().log,
  });
  await ledger.createJob({ jobId: 'job-9', options: {}, source: 'urls', now: NOW });
  await ledger.registerGroup('job-9', { group: 'inline', chunks: 1, urls: 3 }, NOW);
  const records = [
    fakeResult({ url: 'http://127.0.0.1/a', line: 1 }),
    fakeResult({ url: EVIL_URL, line: 2 }, 'HTTP_STATUS'),
    fakeResult({ url: 'http://127.0.0.1/c', line: 3 }, 'TIMEOUT_TOTAL'),
  ];
  const objectKey = await results.putDeliveryResults('job-9', 'c-000000', 'd1', records);
  await ledger.claim('job-9', 'c-000000', { deliveryId: 'd1', objectKey, succeeded: 1, failed: 2, leftovers: '', claimedAt: NOW });
  const call = (method: string, path: string, headers: Record<string, string> = auth, remainingMs = 60_000) =>
    handler(httpEvent(method, path, { headers }), lambdaContext(remainingMs));
  return { call };
}

describe('GET /jobs/{jobId}/report', () => {
  it("answers the job's report as HTML, built from its status and its stored results", async () => {
    const { call } = await setup();
    const res = await call('GET', '/jobs/job-9/report');
    expect(res.statusCode).toBe(200);
    expect(res.headers).toEqual({
      'content-type': 'text/html; charset=utf-8',
      'x-content-type-options': 'nosniff',
      // Nothing the page does not need may load, it may not be framed, and no cache keeps it.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      'cache-control': 'no-store',
    });
    const page = res.body ?? '';
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('job <code>job-9</code>');
    expect(page).toMatch(/data-metric="records">3</);
    expect(page).toMatch(/data-metric="progress-total">3</);
    expect(page).toMatch(/data-metric="code-TIMEOUT_TOTAL">1</);
    expect(page).toContain('http://127.0.0.1/&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toContain('data-metric="truncated"');
  });

  it('stops reading results when the invocation has no time left, and says so on the page', async () => {
    const { call } = await setup();
    const res = await call('GET', '/jobs/job-9/report', auth, 1_000);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/data-metric="records">0</);
    expect(res.body).toContain('the time to answer ran out');
  });

  it('answers JSON errors as every route does: 404 for an unknown job, 401 without the key', async () => {
    const { call } = await setup();
    const missing = await call('GET', '/jobs/job-404/report');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(missing.body ?? '')).toEqual({ error: { code: 'NOT_FOUND', message: 'No job job-404' } });
    expect((await call('GET', '/jobs/job-9/report', {})).statusCode).toBe(401);
  });
});

describe('GET /openapi.json', () => {
  it('answers the OpenAPI document without an API key, while other routes still need one', async () => {
    const { call } = await setup();
    for (const path of ['/openapi.json', '/openapi.json/']) {
      const res = await call('GET', path, {});
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body ?? '')).toMatchObject({ openapi: '3.1.0', info: { title: 'fanout' } });
    }
    expect((await call('POST', '/openapi.json', {})).statusCode).toBe(401);
    expect((await call('GET', '/jobs/job-9', {})).statusCode).toBe(401);
  });
});
