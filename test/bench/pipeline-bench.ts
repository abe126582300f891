/**
 * `npm run bench:pipeline`: the whole local pipeline end to end. Starts the local
 * stack (the code `npm start` runs) with timing proxies in front of S3 and DynamoDB,
 * a loopback target server in its own process, uploads a manifest of N URLs, POSTs
 * it, and polls the job until it is done. Prints the time from POST to `done`, URLs/s,
 * and where the time went: splitting/queueing, consumer invocations (as the event
 * source saw them), store writes (as the proxies saw them).
 *
 * Options: --urls N (20000), --latency-ms N (20, the target's answer delay),
 * --stage S (dev: the settings `npm start` uses), --concurrency N (engine concurrency
 * per consumer invocation; default: the job default), --verbose (stack logs on stderr).
 */
import { PutObjectCommand, CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand } from '@aws-sdk/client-s3';
import { parseArgs } from 'node:util';
import { APP_DEFAULTS } from '../../src/config/app-config';
import { startLocalStack, REPO_ROOT, type LocalStack } from '../../src/local/local-stack';
import type { SqsEventSourceStats } from '../../src/local/sqs-event-source';
import { startTimingProxy, type TimingProxy } from '../support/timing-proxy';
import { startTargetServer } from './bench-processes';

const { values } = parseArgs({
  options: {
    urls: { type: 'string', default: '20000' },
    'latency-ms': { type: 'string', default: '20' },
    stage: { type: 'string', default: 'dev' },
    concurrency: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    // `queued`: stop once every chunk is on the queue (for the 1,000,000-URL manifest
    // figure, where fetching them all locally would take many minutes).
    until: { type: 'string', default: 'done' },
  },
});
if (values.until !== 'done' && values.until !== 'queued') {
  process.stderr.write(`pipeline-bench: expected --until to be done or queued, got ${values.until}\n`);
  process.exit(2);
}
const UNTIL_QUEUED = values.until === 'queued';

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`pipeline-bench: expected --${name} to be an integer >= 0, got ${raw}\n`);
    process.exit(2);
  }
  return n;
}

const URL_COUNT = positive('urls', values.urls);
const LATENCY_MS = positive('latency-ms', values['latency-ms']);
const CONCURRENCY = values.concurrency === undefined ? undefined : positive('concurrency', values.concurrency);

interface Status {
  state: string;
  total: number;
  succeeded: number;
  failed: number;
  chunks: { total: number; done: number };
  cost?: { total: number; basis: string; items: { label: string; amount: number; detail: string }[] };
}

/** The job's own cost estimate (src/jobs/cost/job-cost.ts), as its status reports it. */
function costLines(status: Status): string[] {
  if (status.cost === undefined) return ['cost: not recorded'];
  const usd = (n: number): string => `$${n.toFixed(6)}`;
  return [
    `cost estimate (${status.cost.basis}): ${usd(status.cost.total)} for the job, ${usd((status.cost.total * 1_000_000) / URL_COUNT)} per 1,000,000 URLs`,
    ...status.cost.items.map((item) => `  ${item.label.padEnd(20)} ${usd(item.amount).padStart(12)}   (${item.detail})`),
  ];
}

const ms = (n: number): string => `${Math.round(n).toLocaleString('en-US')} ms`;

async function getStatus(stack: LocalStack, jobId: string): Promise<Status> {
  const response = await fetch(`${stack.httpUrl}/jobs/${jobId}`, { headers: { 'x-api-key': stack.apiKey } });
  if (response.status !== 200) throw new Error(`GET /jobs/${jobId} answered ${response.status}`);
  return (await response.json()) as Status;
}

function sourceLines(name: string, s: SqsEventSourceStats, maxConcurrency: number, wallMs: number): string[] {
  const mean = s.invocations === 0 ? 0 : s.invokeMs / s.invocations;
  return [
    `  ${name}: ${s.invocations} invocations (${s.failedInvocations} failed), ${s.messagesReceived} messages received, ` +
      `${s.itemFailures} item failures, ${s.receives} receives`,
    `    invocation time: total ${ms(s.invokeMs)}, mean ${ms(mean)}; busy ${((100 * s.invokeMs) / (maxConcurrency * wallMs)).toFixed(0)}% ` +
      `of ${maxConcurrency} slots over the run; batching wait total ${ms(s.batchingMs)}`,
  ];
}

function proxyLines(proxies: readonly TimingProxy[]): string[] {
  const rows = proxies.flatMap((p) => [...p.ops.entries()]).sort((a, b) => b[1].totalMs - a[1].totalMs);
  return rows.map(
    ([op, t]) =>
      `  ${op.padEnd(28)} ${String(t.count).padStart(7)} calls  mean ${ms(t.totalMs / t.count).padStart(8)}  ` +
      `max ${ms(t.maxMs).padStart(9)}  total ${ms(t.totalMs).padStart(10)}${t.errors > 0 ? `  errors ${t.errors}` : ''}`,
  );
}

async function main(): Promise<void> {
  const target = await startTargetServer([], { latencyMs: LATENCY_MS, jitterMs: 0, bodyBytes: 64 }, REPO_ROOT);
  const proxies: TimingProxy[] = [];
  let stack: LocalStack | undefined;
  try {
    const startAt = performance.now();
    stack = await startLocalStack({
      stage: values.stage,
      httpPort: 0,
      lambdaPort: 0,
      functionEnv: { FANOUT_ALLOW_NET: '127.0.0.1' },
      wrapEndpoint: async (service, endpoint) => {
        const proxy = await startTimingProxy(service === 's3' ? 'S3' : 'DynamoDB', endpoint);
        proxies.push(proxy);
        return proxy.endpoint;
      },
      log: (line) => {
        if (values.verbose) process.stderr.write(`${line}\n`);
      },
    });
    process.stdout.write(`local stack (stage ${stack.settings.stage}) up in ${ms(performance.now() - startAt)}\n`);

    const key = `manifests/bench-${Date.now()}.txt`;
    const lines: string[] = [];
    for (let i = 0; i < URL_COUNT; i += 1) lines.push(`http://127.0.0.1:${target.port}/p/${i}`);
    await putManifest(stack, key, Buffer.from(`${lines.join('\n')}\n`));

    const t0 = performance.now();
    const response = await fetch(`${stack.httpUrl}/jobs`, {
      method: 'POST',
      headers: { 'x-api-key': stack.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        manifest: `s3://${stack.resources.bucket}/${key}`,
        ...(CONCURRENCY === undefined ? {} : { options: { concurrency: CONCURRENCY, perHost: CONCURRENCY } }),
      }),
    });
    const accepted = performance.now() - t0;
    const body = (await response.json()) as { jobId?: string };
    if (response.status !== 202 || body.jobId === undefined)
      throw new Error(`POST /jobs answered ${response.status}: ${JSON.stringify(body)}`);

    let status = await getStatus(stack, body.jobId);
    let firstChunkDone: number | undefined;
    let lastChunksTotalChange = performance.now() - t0;
    let chunksTotal = status.chunks.total;
    // Every chunk is queued when chunks.total reaches the manifest's chunk count (the
    // splitter registers a range's chunks before it sends them).
    const expectedChunks = Math.ceil(URL_COUNT / Number(process.env.FANOUT_CHUNK_URLS ?? APP_DEFAULTS.chunkUrls));
    while (status.state !== 'done' && status.state !== 'failed' && !(UNTIL_QUEUED && status.chunks.total >= expectedChunks)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await getStatus(stack, body.jobId);
      const now = performance.now() - t0;
      if (firstChunkDone === undefined && status.chunks.done > 0) firstChunkDone = now;
      if (status.chunks.total !== chunksTotal) {
        chunksTotal = status.chunks.total;
        lastChunksTotalChange = now;
      }
      if (now > 30 * 60_000) throw new Error(`job not done after 30 min: ${JSON.stringify(status)}`);
    }
    const wall = performance.now() - t0;
    const served = await target.stats();
    const { consumer, splitter } = stack.settings;
    process.stdout.write(
      [
        '',
        `pipeline: ${URL_COUNT.toLocaleString('en-US')} URLs via manifest, target latency ${LATENCY_MS} ms, stage ${stack.settings.stage}`,
        `  consumer: batch ${consumer.batchSize}, window ${consumer.maximumBatchingWindowS} s, max concurrency ${consumer.maximumConcurrency}, timeout ${consumer.functionTimeoutS} s`,
        '',
        `job ${UNTIL_QUEUED ? 'queued (stopped there: --until queued)' : status.state}: ${status.succeeded} succeeded, ${status.failed} failed of ${status.total}; chunks ${status.chunks.done}/${status.chunks.total}`,
        `  POST → 202                ${ms(accepted)}`,
        `  POST → first chunk done   ${firstChunkDone === undefined ? '-' : ms(firstChunkDone)}`,
        `  POST → last chunk queued  ${ms(lastChunksTotalChange)}   (last change of chunks.total seen by polling)`,
        `  POST → ${UNTIL_QUEUED ? 'all queued        ' : 'done              '} ${ms(wall)}`,
        `  ${UNTIL_QUEUED ? 'queued at  ' : 'end to end '}              ${Math.round((URL_COUNT * 1000) / wall).toLocaleString('en-US')} URLs/s`,
        `  target served ${served.requests} requests on ${served.connections} connections`,
        '',
        'event sources (measured by the local SQS event source, outside the functions):',
        ...sourceLines('splitter', stack.splitterSource.stats(), splitter.maximumConcurrency, wall),
        ...sourceLines('consumer', stack.consumerSource.stats(), consumer.maximumConcurrency, wall),
        '',
        'store calls by all functions (measured by proxies in front of the emulators):',
        ...proxyLines(proxies),
        '',
        ...(UNTIL_QUEUED ? [] : costLines(await getStatus(stack, body.jobId))),
        '',
      ].join('\n'),
    );
    if (!UNTIL_QUEUED && (status.state !== 'done' || status.succeeded + status.failed !== URL_COUNT)) process.exitCode = 1;
  } finally {
    await stack?.stop();
    await Promise.all(proxies.map((p) => p.close()));
    await target.stop();
  }
}

/** Part size for large manifests: S3 wants ≥ 5 MiB parts, fauxqs takes bodies up to 11 MiB. */
const PART_BYTES = 8 * 1024 * 1024;

/** Uploads the manifest, in parts when it is larger than one request may carry. */
async function putManifest(stack: LocalStack, key: string, body: Buffer): Promise<void> {
  const { s3 } = stack.clients;
  const Bucket = stack.resources.bucket;
  if (body.length <= PART_BYTES) {
    await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: body }));
    return;
  }
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: key }));
  const parts: { ETag: string | undefined; PartNumber: number }[] = [];
  for (let offset = 0, n = 1; offset < body.length; offset += PART_BYTES, n += 1) {
    const part = await s3.send(
      new UploadPartCommand({ Bucket, Key: key, UploadId, PartNumber: n, Body: body.subarray(offset, offset + PART_BYTES) }),
    );
    parts.push({ ETag: part.ETag, PartNumber: n });
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
}

main().catch((error: unknown) => {
  process.stderr.write(`pipeline-bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
