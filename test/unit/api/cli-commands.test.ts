import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { createHttpHandler } from '../../../src/api/http-handler';
import type { CliIo } from '../../../src/cli/io';
import { createCancelCommand, createRedriveCommand } from '../../../src/cli/job-commands';
import { createReportCommand } from '../../../src/cli/report-command';
import { createResultsCommand } from '../../../src/cli/results-command';
import { createStatusCommand } from '../../../src/cli/status-command';
import { createSubmitCommand } from '../../../src/cli/submit-command';
import { UsageError } from '../../../src/errors';
import { JobLedger } from '../../../src/jobs/ledger/job-ledger';
import { fakeResult, MemoryManifests, MemoryEvents, MemoryQueue, MemoryResults, TEST_JOB_LIMITS } from '../jobs/fakes';
import { MemoryLedgerStore } from '../jobs/ledger/memory-ledger-store';
import { readRecords } from '../../../src/report/read-records';
import { awkwardRecords } from '../../support/awkward-records';
import { httpEvent, lambdaContext } from './events';

const KEY = 'k';
const NOW = Date.UTC(2026, 10, 24);

/**
 * The real API adapter over in-memory stores, reached through a `fetch` that turns the
 * request into an API Gateway event: the commands and the client run unchanged, no socket.
 */
function stack() {
  const jobs = new JobLedger(new MemoryLedgerStore());
  const results = new MemoryResults();
  const handler = createHttpHandler({
    submit: {
      ledger: jobs,
      chunkQueue: new MemoryQueue(),
      splitQueue: new MemoryQueue(),
      events: new MemoryEvents(),
      manifests: new MemoryManifests(),
      limits: { urls: 2, bytes: 60_000 },
      jobLimits: TEST_JOB_LIMITS,
      now: () => NOW,
    },
    ledger: jobs,
    results,
    apiKey: async () => KEY,
    newJobId: () => 'job-1',
  });
  const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    expect(url.hostname).toBe('127.0.0.1');
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const res = await handler(
      httpEvent(init?.method ?? 'GET', url.pathname, {
        headers,
        ...(typeof init?.body === 'string' ? { body: init.body } : {}),
        ...(url.search === '' ? {} : { query: Object.fromEntries(url.searchParams) }),
      }),
      lambdaContext(),
    );
    const body = res.body ?? null;
    if (init?.method === 'POST' && res.statusCode === 202) posted.push(JSON.parse(body ?? '{}') as { jobId: string });
    return new Response(body, { status: res.statusCode ?? 200 });
  }) as typeof fetch;
  const posted: { jobId: string }[] = [];
  /** The id of the job the last accepted POST made (keyed submits have ids of their key's). */
  const lastJobId = (): string => posted.at(-1)?.jobId ?? 'none';
  return { jobs, results, fakeFetch, posted, lastJobId };
}

function io(stdin = ''): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout,
    stderr,
    env: { FANOUT_ENDPOINT: 'http://127.0.0.1:3999', FANOUT_API_KEY: KEY },
    out: () => out,
    err: () => err,
  };
}

describe('fanout submit / status / results', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fanout-cli-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('submits a file and prints the answer', async () => {
    const { fakeFetch, jobs, lastJobId } = stack();
    const file = join(dir, 'urls.txt');
    await writeFile(file, 'http://127.0.0.1/a\n\nhttp://127.0.0.1/b\nhttp://127.0.0.1/c\n');
    const cli = io();
    expect(await createSubmitCommand({ fetch: fakeFetch })([file], cli)).toBe(0);
    expect(JSON.parse(cli.out())).toMatchObject({ jobId: lastJobId(), total: 3, chunks: 2 });
    expect((await jobs.getJob(lastJobId()))?.total).toBe(3);
  });

  it('sends the submit again under the same Idempotency-Key when its answer is lost, making one job', async () => {
    const { fakeFetch, jobs, posted } = stack();
    let lost = 0;
    const losingFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const res = await fakeFetch(input, init);
      // The API made the job, then the connection dropped before the answer arrived.
      if (init?.method === 'POST' && lost < 2) {
        lost += 1;
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
      }
      return res;
    }) as typeof fetch;
    const cli = io('http://127.0.0.1/a\nhttp://127.0.0.1/b\n');
    expect(await createSubmitCommand({ fetch: losingFetch })(['-'], cli)).toBe(0);
    expect(posted).toHaveLength(3);
    expect(new Set(posted.map((p) => p.jobId)).size).toBe(1);
    expect(JSON.parse(cli.out())).toMatchObject({ jobId: posted[0]?.jobId, total: 2 });
    expect(await jobs.getJob('job-1')).toBeUndefined();
  });

  it('passes --options to the API and shows its warnings on stderr', async () => {
    const { fakeFetch } = stack();
    const file = join(dir, 'slow.txt');
    await writeFile(file, 'http://a.test/1\nhttp://a.test/2\n');
    const cli = io();
    expect(await createSubmitCommand({ fetch: fakeFetch })([file, '--options', '{"hostRate":"1/h","perHost":2}'], cli)).toBe(0);
    // Two URLs at 1/h: the API's warning says so, which it can only if the option reached it.
    expect(JSON.parse(cli.out()).warnings[0].code).toBe('SLOW_HOSTS');
    expect(cli.err()).toMatch(/^warning: SLOW_HOSTS: /);
    const bad = await createSubmitCommand({ fetch: fakeFetch })([file, '--options', '[1]'], io()).catch((e: unknown) => e);
    expect((bad as Error).message).toMatch(/^Expected --options to be a JSON object/);
  });

  it('waits for the job with --wait, showing progress, and exits 0 when done', async () => {
    const { fakeFetch, jobs, lastJobId } = stack();
    let polls = 0;
    const sleep = async (): Promise<void> => {
      polls += 1;
      // Stand-in for the consumers: count one chunk per poll.
      await jobs.countChunk(lastJobId(), { group: 'c', index: polls - 1, generation: 0 }, { succeeded: 1, failed: 0 }, NOW);
    };
    const cli = io('http://127.0.0.1/a\nhttp://127.0.0.1/b\nhttp://127.0.0.1/c\n');
    expect(await createSubmitCommand({ fetch: fakeFetch, sleep })(['-', '--wait'], cli)).toBe(0);
    expect(polls).toBe(2);
    const jobId = lastJobId();
    expect(JSON.parse(cli.out())).toMatchObject({ jobId, state: 'done', chunks: { total: 2, done: 2 } });
    expect(cli.err()).toContain(`${jobId} running: 1/3 URLs`);
    expect(cli.err()).toContain(`results: /jobs/${jobId}/results`);
  });

  it('turns a 400 into a one-line usage error naming the problem', async () => {
    const { fakeFetch } = stack();
    const cli = io();
    const error = await createSubmitCommand({ fetch: fakeFetch })(['s3://bucket/manifests/missing.txt'], cli).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/^Manifest s3:\/\/bucket\/manifests\/missing.txt not found.*: manifest /);
    expect((error as Error).message).not.toContain('\n');
  });

  it('refuses bad usage before calling the API', async () => {
    const cli = io();
    const submit = createSubmitCommand({ fetch: (() => Promise.reject(new Error('called'))) as typeof fetch });
    await expect(submit([], cli)).rejects.toBeInstanceOf(UsageError);
    await expect(submit([join(dir, 'nope.txt')], cli)).rejects.toThrow(/Cannot read .*ENOENT/);
    await expect(submit(['x', '--bogus'], cli)).rejects.toBeInstanceOf(UsageError);
  });

  it('says a key is missing only once the API answers without one', async () => {
    const { fakeFetch } = stack();
    const file = join(dir, 'one-url.txt');
    await writeFile(file, 'https://example.com/\n');
    const cli = { ...io(), env: { FANOUT_ENDPOINT: 'http://127.0.0.1:3999' } };
    await expect(createSubmitCommand({ fetch: fakeFetch })([file], cli)).rejects.toThrow(
      new UsageError('No API key: pass --api-key or set FANOUT_API_KEY'),
    );
  });

  it('prints a status, and a wrong key is a usage error', async () => {
    const { fakeFetch, jobs } = stack();
    await jobs.createJob({ jobId: 'job-1', options: {}, source: 'urls', splitsTotal: 1, now: NOW });
    const cli = io();
    expect(await createStatusCommand({ fetch: fakeFetch })(['job-1'], cli)).toBe(0);
    expect(JSON.parse(cli.out())).toMatchObject({ jobId: 'job-1', state: 'queued' });
    await expect(createStatusCommand({ fetch: fakeFetch })(['job-1', '--api-key', 'wrong'], cli)).rejects.toThrow(
      new UsageError('the API refused the key (Missing or invalid x-api-key)'),
    );
  });

  /** A job whose one chunk holds `lines`, claimed; counted (so done) when `finish`. */
  async function jobWithResults(jobs: JobLedger, results: MemoryResults, lines: number[], finish: boolean): Promise<void> {
    await jobs.createJob({ jobId: 'job-1', options: {}, source: 'urls', splitsTotal: 1, now: NOW });
    await jobs.registerGroup('job-1', { group: 'c', chunks: 1, urls: lines.length }, NOW);
    const objectKey = await results.putDeliveryResults(
      'job-1',
      'c-000000',
      'd1',
      lines.map((line) => fakeResult({ url: 'u', line })),
    );
    await jobs.claim('job-1', 'c-000000', {
      deliveryId: 'd1',
      objectKey,
      succeeded: lines.length,
      failed: 0,
      leftovers: '',
      claimedAt: NOW,
    });
    if (finish) await jobs.countChunk('job-1', { group: 'c', index: 0, generation: 0 }, { succeeded: lines.length, failed: 0 }, NOW);
  }

  it('writes every result page to --out', async () => {
    const { fakeFetch, jobs, results } = stack();
    const lines = Array.from({ length: 2500 }, (_, i) => i + 1);
    await jobWithResults(jobs, results, lines, true);
    const file = join(dir, 'results.jsonl');
    const cli = io();
    expect(await createResultsCommand({ fetch: fakeFetch })(['job-1', '--out', file], cli)).toBe(0);
    const written = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { line: number }).line);
    expect(written).toEqual(lines);
    expect(cli.err()).toBe(`2500 results written to ${file}\n`);
  });

  it('writes results holding every control and separator character one line each, for `fanout report` to read', async () => {
    const { fakeFetch, jobs, results } = stack();
    const records = awkwardRecords();
    await jobs.createJob({ jobId: 'job-1', options: {}, source: 'urls', splitsTotal: 1, now: NOW });
    await jobs.registerGroup('job-1', { group: 'c', chunks: 1, urls: records.length }, NOW);
    const objectKey = await results.putDeliveryResults('job-1', 'c-000000', 'd1', records);
    await jobs.claim('job-1', 'c-000000', { deliveryId: 'd1', objectKey, succeeded: 2, failed: 2, leftovers: '', claimedAt: NOW });
    await jobs.countChunk('job-1', { group: 'c', index: 0, generation: 0 }, { succeeded: 2, failed: 2 }, NOW);
    const file = join(dir, 'awkward.jsonl');
    expect(await createResultsCommand({ fetch: fakeFetch })(['job-1', '--out', file], io())).toBe(0);
    const read = [];
    for await (const r of readRecords(createReadStream(file))) read.push(r);
    expect(read).toEqual(records);
  });

  it('cancels a job and redrives the failures of one, printing what the API answered', async () => {
    const { fakeFetch, jobs, results } = stack();
    await jobWithResults(jobs, results, [1, 2], false);
    const cli = io();
    expect(await createCancelCommand({ fetch: fakeFetch })(['job-1'], cli)).toBe(0);
    expect(JSON.parse(cli.out())).toMatchObject({ jobId: 'job-1', state: 'cancelling' });
    // Running: a redrive is refused with the API's reason, as a one-line usage error.
    await expect(createRedriveCommand({ fetch: fakeFetch })(['job-1', '--codes', 'HTTP_STATUS'], io())).rejects.toThrow(
      /cancelling; redrive it once it has ended/,
    );
    await expect(createCancelCommand({ fetch: fakeFetch })([], io())).rejects.toBeInstanceOf(UsageError);
  });

  it('writes only what changed with --changed', async () => {
    const { fakeFetch, jobs, results } = stack();
    await jobs.createJob({ jobId: 'job-1', options: {}, source: 'urls', splitsTotal: 1, now: NOW });
    await jobs.registerGroup('job-1', { group: 'c', chunks: 1, urls: 4 }, NOW);
    const kinds = ['new', 'unchanged', 'changed', 'gone'] as const;
    const records = kinds.map((change, i) => ({ ...fakeResult({ url: 'u', line: i + 1 }), change }));
    const objectKey = await results.putDeliveryResults('job-1', 'c-000000', 'd1', records);
    await jobs.claim('job-1', 'c-000000', { deliveryId: 'd1', objectKey, succeeded: 4, failed: 0, leftovers: '', claimedAt: NOW });
    await jobs.countChunk('job-1', { group: 'c', index: 0, generation: 0 }, { succeeded: 4, failed: 0 }, NOW);
    const cli = io();
    expect(await createResultsCommand({ fetch: fakeFetch })(['job-1', '--changed'], cli)).toBe(0);
    expect(
      cli
        .out()
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { change: string }).change),
    ).toEqual(['new', 'changed', 'gone']);
  });

  it('says when the job is not complete: exit 1, unless --partial', async () => {
    const { fakeFetch, jobs, results } = stack();
    await jobWithResults(jobs, results, [1, 2], false);
    const cli = io();
    expect(await createResultsCommand({ fetch: fakeFetch })(['job-1'], cli)).toBe(1);
    expect(cli.out().trim().split('\n')).toHaveLength(2);
    expect(cli.err()).toContain('job-1 is not complete yet (state queued)');
    const partial = io();
    expect(await createResultsCommand({ fetch: fakeFetch })(['job-1', '--partial'], partial)).toBe(0);
    expect(partial.err()).toContain('2 results (partial: job-1 is queued)');
  });
  it("fetches a job's report with report --job and writes the page to --out", async () => {
    const { fakeFetch, jobs, results } = stack();
    await jobWithResults(jobs, results, [1, 2, 3], true);
    const file = join(dir, 'report.html');
    const cli = io();
    expect(await createReportCommand({ fetch: fakeFetch })(['--job', 'job-1', '--out', file], cli)).toBe(0);
    const page = await readFile(file, 'utf8');
    expect(page).toContain('job <code>job-1</code>');
    expect(page).toMatch(/data-metric="state">done</);
    expect(page).toMatch(/data-metric="records">3</);
    expect(cli.err()).toBe(`report written to ${file}\n`);
  });
});
