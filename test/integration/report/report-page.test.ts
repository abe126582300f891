import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHttpHandler } from '../../../src/api/http-handler';
import { FETCH_ERROR_CODES, type FetchErrorCode } from '../../../src/errors';
import type { FetchResult } from '../../../src/fetch/result';
import { JobLedger } from '../../../src/jobs/ledger/job-ledger';
import { LATENCY_BUCKETS_MS } from '../../../src/report/latency-histogram';
import { CHROMIUM_PATH, runChromium } from '../../support/chromium';
import { EXPECTED_CATEGORY } from '../../unit/report/expected-categories';
import { MemoryEvents, MemoryManifests, MemoryQueue, MemoryResults, TEST_JOB_LIMITS } from '../../unit/jobs/fakes';
import { MemoryLedgerStore } from '../../unit/jobs/ledger/memory-ledger-store';
import { httpEvent, lambdaContext } from '../../unit/api/events';
import { runFanout } from '../helpers/fanout-bin';
import { capturedLogs } from '../../unit/observability/captured-logs';

/** Screenshots are kept here (git-ignored) for a person to look at after the run. */
const ARTIFACTS = join(__dirname, '..', '..', '..', 'test-artifacts', 'report');
const EVIL_URL = 'http://evil.test/<script>document.title="owned"</script>';
const HOSTS = ['api.example.test', 'slow.example.test', 'cdn.example.test:8443', 'flaky.example.test', 'docs.example.test'];
const CODES: FetchErrorCode[] = ['TIMEOUT_HEADERS', 'CONNECT', 'HTTP_STATUS', 'DNS', 'BLOCKED_ADDRESS'];

/** A deterministic mix of records: five hosts, one slow and one flaky, a URL holding a script tag. */
function records(count: number): FetchResult[] {
  let seed = 12_345;
  const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, (_, i) => {
    const host = HOSTS[Math.floor(random() * HOSTS.length)] as string;
    const ttfb = Math.exp(random() * 5 + 1) * (host.startsWith('slow') ? 6 : 1);
    const code =
      i === 6
        ? 'HTTP_STATUS'
        : random() < (host.startsWith('flaky') ? 0.45 : 0.05)
          ? (CODES[Math.floor(random() * CODES.length)] as FetchErrorCode)
          : undefined;
    const url = i === 6 ? EVIL_URL : `https://${host}/page/${i + 1}`;
    const status = code === 'HTTP_STATUS' ? 503 : code === undefined ? 200 : null;
    const attempts = code === 'BLOCKED_ADDRESS' ? 0 : random() < 0.1 ? 3 : 1;
    const headers = code === undefined || code === 'HTTP_STATUS';
    return {
      url,
      line: i + 1,
      ok: code === undefined,
      status,
      finalUrl: code === undefined ? url : null,
      headers: {},
      bytes: code === undefined ? 1_000 + i : 0,
      sha256: null,
      attempts,
      timings: { dns: null, connect: 1, ttfb: headers ? ttfb : null, total: attempts === 0 ? 0 : ttfb * 1.2, queued: 0 },
      error: code === undefined ? null : { code, message: `${code} <i>for</i> ${host}` },
    };
  });
}

/** The text of each element with a `data-metric` attribute in the DOM Chromium built. */
function metrics(dom: string): Map<string, string> {
  return new Map([...dom.matchAll(/data-metric="([^"]+)">([^<]*)</g)].map((m) => [m[1] as string, (m[2] as string).trim()]));
}

/** Bar counts of one histogram as the page shows them (an empty bar shows no number). */
function bars(dom: string, name: string): number[] {
  return [...dom.matchAll(new RegExp(`data-hist="${name}" data-bucket="(\\d+)">([^<]*)<`, 'g'))].map((m) =>
    Number((m[2] as string).replaceAll(',', '') || 0),
  );
}

/** What the page should show, counted here without the report's code. */
function expected(list: readonly FetchResult[]) {
  const codes = new Map<string, number>();
  for (const r of list) if (r.error !== null) codes.set(r.error.code, (codes.get(r.error.code) ?? 0) + 1);
  const histogram = (values: number[]): number[] =>
    Array.from(
      { length: LATENCY_BUCKETS_MS.length + 1 },
      (_, i) =>
        values.filter(
          (v) =>
            v >= (i === 0 ? 0 : (LATENCY_BUCKETS_MS[i - 1] as number)) &&
            (i === LATENCY_BUCKETS_MS.length || v < (LATENCY_BUCKETS_MS[i] as number)),
        ).length,
    );
  return {
    ok: list.filter((r) => r.ok).length,
    failed: list.filter((r) => !r.ok).length,
    retried: list.filter((r) => r.attempts > 1).length,
    codes,
    ttfb: histogram(list.flatMap((r) => (r.timings.ttfb === null ? [] : [r.timings.ttfb]))),
    total: histogram(list.filter((r) => r.attempts > 0).map((r) => r.timings.total)),
  };
}

const count = (text: string | undefined): number => Number((text ?? 'NaN').replaceAll(',', ''));

/** Loads the page in headless Chromium: the DOM it built, and a screenshot kept under test-artifacts/. */
async function load(page: string, shot: string): Promise<string> {
  const url = pathToFileURL(page).href;
  const dom = await runChromium(url, ['--dump-dom']);
  await mkdir(ARTIFACTS, { recursive: true });
  await runChromium(url, ['--window-size=1280,2000', `--screenshot=${join(ARTIFACTS, shot)}`]);
  const png = await readFile(join(ARTIFACTS, shot));
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect(png.readUInt32BE(16)).toBe(1280);
  return dom;
}

/** `GET /jobs/job-report/report` answered by the API's handler over in-memory stores: one of two chunks stored. */
async function jobReportAnswer() {
  const ledger = new JobLedger(new MemoryLedgerStore());
  const results = new MemoryResults();
  const list = records(1_500);
  const now = Date.UTC(2026, 10, 30, 12);
  await ledger.createJob({ jobId: 'job-report', options: {}, source: 'urls', splitsTotal: 1, now });
  await ledger.registerGroup('job-report', { group: 'c', chunks: 2, urls: list.length }, now);
  const objectKey = await results.putDeliveryResults('job-report', 'c-000000', 'd1', list.slice(0, 1_000));
  const first = list.slice(0, 1_000);
  const ok = first.filter((r) => r.ok).length;
  await ledger.claim('job-report', 'c-000000', {
    deliveryId: 'd1',
    objectKey,
    succeeded: ok,
    failed: 1_000 - ok,
    leftovers: '',
    claimedAt: now,
  });
  await ledger.countChunk('job-report', { group: 'c', index: 0, generation: 0 }, { succeeded: ok, failed: 1_000 - ok }, now);
  const handler = createHttpHandler({
    submit: {
      ledger,
      chunkQueue: new MemoryQueue(),
      splitQueue: new MemoryQueue(),
      events: new MemoryEvents(),
      manifests: new MemoryManifests(),
      limits: { urls: 100, bytes: 60_000 },
      jobLimits: TEST_JOB_LIMITS,
      now: () => now,
    },
    ledger,
    results,
    apiKey: async () => 'k',
    log: capturedLogs().log,
  });
  const res = await handler(httpEvent('GET', '/jobs/job-report/report', { headers: { 'x-api-key': 'k' } }), lambdaContext());
  return { res, ledger, first };
}

/** Serves fixed answers on a loopback port, so Chromium sees the API's own headers. */
async function serve(
  answers: Record<string, { headers: Record<string, string>; body: string }>,
): Promise<{ origin: string; server: Server }> {
  const byPath = new Map(Object.entries(answers));
  const server = createServer((req, res) => {
    const answer = byPath.get(req.url ?? '');
    if (answer === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, answer.headers).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) {
  process.stderr.write(`report page test skipped: no headless Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)\n`);
}

(haveChromium ? describe : describe.skip)('the report page in headless Chromium', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fanout-report-page-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("shows a results file's numbers, and the script in a URL as text", async () => {
    const list = records(3_000);
    const input = join(dir, 'results.jsonl');
    await writeFile(input, list.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const page = join(dir, 'report.html');
    expect((await runFanout(['report', input, '--out', page])).code).toBe(0);
    const dom = await load(page, 'report-file.png');
    const want = expected(list);
    const shown = metrics(dom);
    expect(count(shown.get('records'))).toBe(list.length);
    expect(count(shown.get('ok'))).toBe(want.ok);
    expect(count(shown.get('failed'))).toBe(want.failed);
    expect(count(shown.get('retried'))).toBe(want.retried);
    for (const [code, n] of want.codes) expect([code, count(shown.get(`code-${code}`))]).toEqual([code, n]);
    expect(bars(dom, 'ttfb')).toEqual(want.ttfb);
    expect(bars(dom, 'total')).toEqual(want.total);
    // The DOM the browser built holds no script element: the URL's tag is text.
    expect(dom).not.toMatch(/<script/i);
    expect(dom).toContain('http://evil.test/&lt;script&gt;document.title="owned"&lt;/script&gt;');
    expect(dom).toMatch(/<title>fanout report: [^<]*results\.jsonl<\/title>/);
  });

  it("shows a job's progress and state as its status has them (GET /jobs/{jobId}/report)", async () => {
    const { res, ledger, first } = await jobReportAnswer();
    expect(res.statusCode).toBe(200);
    const page = join(dir, 'job-report.html');
    await writeFile(page, res.body ?? '');
    const dom = await load(page, 'report-job.png');
    const status = await ledger.getJob('job-report');
    const shown = metrics(dom);
    expect(shown.get('state')).toBe(status?.state);
    expect(shown.get('state')).toBe('running');
    expect(count(shown.get('progress-done'))).toBe((status?.succeeded ?? NaN) + (status?.failed ?? NaN));
    expect(count(shown.get('progress-total'))).toBe(status?.total);
    expect(count(shown.get('chunks-done'))).toBe(1);
    expect(count(shown.get('chunks-total'))).toBe(2);
    expect(count(shown.get('records'))).toBe(1_000);
    expect(count(shown.get('ok'))).toBe(expected(first).ok);
  });

  it('draws every code of the error table in its category, and counts codes named like Object.prototype members', async () => {
    const codes = [...Object.values(FETCH_ERROR_CODES), 'BAD_REQUEST', '__proto__', 'constructor', 'toString'];
    const list: FetchResult[] = records(codes.length * 3).map((r, i) => {
      const code = codes[i % codes.length] as FetchErrorCode;
      return { ...r, ok: false, status: null, error: { code, message: code }, attempts: 1 };
    });
    const input = join(dir, 'codes.jsonl');
    await writeFile(input, list.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const page = join(dir, 'codes.html');
    expect((await runFanout(['report', input, '--out', page])).code).toBe(0);
    const shown = metrics(await load(page, 'report-codes.png'));
    const categoryOf = new Map<string, string>(Object.entries(EXPECTED_CATEGORY));
    const want = new Map<string, number>();
    for (const r of list) {
      const category = categoryOf.get(r.error?.code as string) ?? 'other';
      want.set(category, (want.get(category) ?? 0) + 1);
    }
    const drawn = new Map(
      [...shown].filter(([key]) => key.startsWith('outcome-') && key !== 'outcome-ok').map(([key, text]) => [key.slice(8), count(text)]),
    );
    expect(drawn).toEqual(want);
    expect([...drawn.values()].reduce((a, b) => a + b, 0)).toBe(list.length);
    for (const code of codes) expect([code, count(shown.get(`code-${code}`))]).toEqual([code, 3]);
  });

  it('shows a bidirectional override in a URL as its code point, not as reordered text', async () => {
    const list = records(40).map((r, i) =>
      i === 0 ? { ...r, ok: false, error: { code: 'CONNECT' as const, message: 'x' }, url: 'http://a.test/\u202egpj.exe' } : r,
    );
    const input = join(dir, 'bidi.jsonl');
    await writeFile(input, list.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const page = join(dir, 'bidi.html');
    expect((await runFanout(['report', input, '--out', page])).code).toBe(0);
    const dom = await load(page, 'report-bidi.png');
    expect(dom).toContain('http://a.test/[U+202E]gpj.exe');
    expect(dom).not.toContain('\u202e');
  });

  it("renders the job report under the API's Content-Security-Policy header exactly as with no policy at all", async () => {
    const { res } = await jobReportAnswer();
    const headers = Object.fromEntries(Object.entries(res.headers ?? {}).map(([k, v]) => [k, String(v)]));
    expect(headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    const body = res.body ?? '';
    const bare = body.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
    expect(bare).not.toBe(body);
    const { origin, server } = await serve({
      '/with-policy': { headers, body },
      '/without-policy': { headers: { 'content-type': 'text/html; charset=utf-8' }, body: bare },
    });
    try {
      const dom = await runChromium(`${origin}/with-policy`, ['--dump-dom']);
      expect(metrics(dom).get('records')).toBe('1,000');
      await mkdir(ARTIFACTS, { recursive: true });
      const shot = async (path: string, name: string): Promise<Buffer> => {
        await runChromium(`${origin}${path}`, ['--window-size=1280,2000', `--screenshot=${join(ARTIFACTS, name)}`]);
        return await readFile(join(ARTIFACTS, name));
      };
      // A blocked style or resource would change the picture; the same pixels mean nothing was blocked.
      const withPolicy = await shot('/with-policy', 'report-csp.png');
      const withoutPolicy = await shot('/without-policy', 'report-no-csp.png');
      expect(withPolicy.equals(withoutPolicy)).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
