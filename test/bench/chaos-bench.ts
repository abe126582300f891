/**
 * `npm run bench:chaos`: jobs through the local stack (stage e2e, the code `npm start`
 * runs) while its SQS event sources inflict random faults of every kind on a share of
 * deliveries: duplicate and concurrent deliveries, kills of the consumer at each step,
 * one failed store call, holds past the visibility timeout, on chunk and split messages.
 * Then reads every job's results and prints, per job: URLs, records, lost (lines with no
 * record), extra (records beyond one per line), miscounted (counters that disagree with
 * the records) and the time from POST to done.
 *
 * Options: --jobs N (6), --urls N (URLs per job, 120), --fault-rate P (0.3, per delivery),
 * --seed N (1), --verbose (stack logs on stderr).
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parseArgs } from 'node:util';
import type { FetchResult } from '../../src/fetch/result';
import { faultsFromEnv, RANDOM_PROFILES } from '../../src/local/fault-injector';
import { startLocalStack, type LocalStack } from '../../src/local/local-stack';
import { startTargetServer } from '../e2e/target-server';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '6' },
    urls: { type: 'string', default: '120' },
    'fault-rate': { type: 'string', default: '0.3' },
    seed: { type: 'string', default: '1' },
    verbose: { type: 'boolean', default: false },
  },
});
const JOBS = Number(values.jobs);
const URLS = Number(values.urls);
const RATE = Number(values['fault-rate']);
if (![JOBS, URLS].every((n) => Number.isInteger(n) && n > 0) || !(RATE >= 0 && RATE <= 1)) {
  process.stderr.write('chaos-bench: expected --jobs and --urls to be positive integers and --fault-rate within [0, 1]\n');
  process.exit(2);
}

interface Status {
  state: string;
  total: number;
  succeeded: number;
  failed: number;
  reason?: string;
}

async function call<T>(stack: LocalStack, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${stack.httpUrl}${path}`, {
    method,
    headers: { 'x-api-key': stack.apiKey, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

async function results(stack: LocalStack, jobId: string): Promise<FetchResult[]> {
  const items: FetchResult[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `?cursor=${encodeURIComponent(cursor)}`;
    const page: { items: FetchResult[]; nextCursor: string | null } = await call(stack, 'GET', `/jobs/${jobId}/results${query}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

async function main(): Promise<void> {
  const target = await startTargetServer();
  const stack = await startLocalStack({
    stage: 'e2e',
    httpPort: 0,
    lambdaPort: 0,
    functionEnv: { FANOUT_ALLOW_NET: '127.0.0.1', FANOUT_CHUNK_URLS: '20' },
    log: (line) => {
      if (values.verbose) process.stderr.write(`${line}\n`);
    },
  });
  try {
    faultsFromEnv(
      `random:${RATE}:${values.seed}`,
      stack.consumerSource.faults,
      RANDOM_PROFILES.consumer,
      stack.settings.chunkQueue.maxReceiveCount,
    );
    faultsFromEnv(
      `random:${RATE}:${Number(values.seed) + 1}`,
      stack.splitterSource.faults,
      RANDOM_PROFILES.splitter,
      stack.settings.splitQueue.maxReceiveCount,
    );
    const started = Date.now();
    const jobs = await Promise.all(
      Array.from({ length: JOBS }, async (_, j) => {
        // A mix: answers that differ per request, slow ones that leave leftovers, plain ones.
        const urls = Array.from({ length: URLS }, (_, i) =>
          i % 3 === 0
            ? `${target.origin}/flip/chaos-${j}/${i}`
            : i % 3 === 1
              ? `${target.origin}/slow/300/chaos-${j}/${i}`
              : `${target.origin}/ok/chaos-${j}/${i}`,
        );
        const options = { concurrency: 4, perHost: 4, retries: 0, timeoutMs: 1500 };
        const t0 = Date.now();
        let jobId: string;
        if (j % 2 === 1) {
          const key = `manifests/chaos-${started}-${j}.txt`;
          await stack.clients.s3.send(new PutObjectCommand({ Bucket: stack.resources.bucket, Key: key, Body: `${urls.join('\n')}\n` }));
          jobId = (await call<{ jobId: string }>(stack, 'POST', '/jobs', { manifest: `s3://${stack.resources.bucket}/${key}`, options }))
            .jobId;
        } else {
          jobId = (await call<{ jobId: string }>(stack, 'POST', '/jobs', { urls, options })).jobId;
        }
        let status: Status;
        for (;;) {
          status = await call<Status>(stack, 'GET', `/jobs/${jobId}`);
          if (status.state === 'done' || status.state === 'failed' || Date.now() - t0 > 600_000) break;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        const items = await results(stack, jobId);
        const perLine = new Map<number, number>();
        for (const item of items) perLine.set(item.line, (perLine.get(item.line) ?? 0) + 1);
        const ok = items.filter((i) => i.ok).length;
        return {
          job: `${j % 2 === 1 ? 'manifest' : 'inline'} ${jobId.slice(0, 8)}`,
          state: status.state,
          total: URLS,
          records: items.length,
          lost: Array.from({ length: URLS }, (_, i) => i + 1).filter((line) => !perLine.has(line)).length,
          extra: [...perLine.values()].reduce((sum, n) => sum + n - 1, 0),
          miscounted: Math.abs(status.succeeded - ok) + Math.abs(status.failed - (items.length - ok)) + Math.abs(status.total - URLS),
          seconds: (Date.now() - t0) / 1000,
        };
      }),
    );
    const fired = {
      consumer: Object.fromEntries(stack.consumerSource.faults.fired),
      splitter: Object.fromEntries(stack.splitterSource.faults.fired),
    };
    process.stdout.write(`chaos: ${JOBS} jobs of ${URLS} URLs, random faults on ${RATE * 100}% of deliveries (seed ${values.seed})\n`);
    process.stdout.write(
      '| job | state | URLs | records | lost | extra | miscounted | time to done |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n',
    );
    for (const r of jobs) {
      process.stdout.write(
        `| ${r.job} | ${r.state} | ${r.total} | ${r.records} | ${r.lost} | ${r.extra} | ${r.miscounted} | ${r.seconds.toFixed(1)} s |\n`,
      );
    }
    process.stdout.write(`faults fired: ${JSON.stringify(fired)}\n`);
    const bad = jobs.filter((r) => r.state !== 'done' || r.lost + r.extra + r.miscounted > 0);
    process.stdout.write(
      bad.length === 0 ? 'every job done, every URL exactly once, counters equal to records\n' : `${bad.length} job(s) broke the promise\n`,
    );
    process.exitCode = bad.length === 0 ? 0 : 1;
  } finally {
    await stack.stop();
    await target.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
