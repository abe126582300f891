/**
 * `npm run bench:ledger`: what the job ledger costs in DynamoDB per chunk, for a job of
 * 1,000 and one of 10,000 chunks, measured as the capacity units DynamoDB (here the
 * dynalite emulator, which computes them by AWS's item-size rules) reports for every call.
 * Each chunk goes through what a delivery does: read its claim and the job item, claim, count (which
 * closes its bucket, group and job when it is the last), add its usage; one chunk in ten leaves
 * leftovers, so it also registers a child whose delivery does the same. Registration is
 * in groups of 650 chunks (a 4 MiB manifest range of 60-byte URLs). Capacity units are
 * a count, not a time: the figures do not depend on the machine's load.
 */
import { DynamoLedgerStore } from '../../src/aws/dynamo-ledger-store';
import { rangeGroup, type ChunkRef } from '../../src/jobs/ledger/chunk-ref';
import { NO_USAGE } from '../../src/jobs/cost/job-cost';
import { JobLedger } from '../../src/jobs/ledger/job-ledger';
import { startEmulators } from '../../src/local/emulators';
import { createJobTable, localClients } from '../../src/local/local-resources';

const GROUP_CHUNKS = 650;

interface Figures {
  readonly chunks: number;
  readonly register: number;
  readonly perChunk: { readonly read: number; readonly write: number };
  readonly status: number;
}

async function measure(chunks: number, table: string, dynamodb: ReturnType<typeof localClients>['dynamodb']): Promise<Figures> {
  let units = 0;
  const store = new DynamoLedgerStore(dynamodb, table, { onCapacity: (u) => (units += u) });
  const ledger = new JobLedger(store);
  const jobId = `bench-${chunks}-${Date.now()}`;
  const groups = Math.ceil(chunks / GROUP_CHUNKS);
  await ledger.createJob({ jobId, options: {}, source: 's3://b/k', now: 0 });
  await ledger.setSplitsTotal(jobId, groups, 0);
  units = 0;
  for (let g = 0; g < groups; g += 1) {
    const n = Math.min(GROUP_CHUNKS, chunks - g * GROUP_CHUNKS);
    await ledger.registerGroup(jobId, { group: rangeGroup(g), chunks: n, urls: n * 100 }, 0);
  }
  const register = units;
  let reads = 0;
  let writes = 0;
  let delivered = 0;
  const deliver = async (ref: ChunkRef, leftovers: boolean): Promise<void> => {
    const id = `${ref.group}-${ref.index}-${ref.generation}`;
    units = 0;
    await ledger.getClaim(jobId, id);
    // A first delivery also reads the job item (stopped jobs' chunks are not fetched).
    await ledger.completion(jobId);
    reads += units;
    units = 0;
    await ledger.claim(jobId, id, {
      deliveryId: 'd',
      objectKey: `results/${jobId}/${id}/d.jsonl`,
      succeeded: 90,
      failed: 10,
      leftovers: leftovers ? 'AQ' : '',
      claimedAt: 0,
    });
    if (leftovers) await ledger.registerChild(jobId, ref, 0);
    await ledger.countChunk(jobId, ref, { succeeded: 90, failed: 10 }, 0);
    // The delivery's usage, for the job's cost estimate (one unconditional add).
    await ledger.addUsage(jobId, { ...NO_USAGE, lambdaGbSeconds: 0.5, invocations: 0.2, s3Puts: 1, sqsRequests: 0.4 });
    writes += units;
    delivered += 1;
  };
  for (let g = 0; g < groups; g += 1) {
    const n = Math.min(GROUP_CHUNKS, chunks - g * GROUP_CHUNKS);
    for (let i = 0; i < n; i += 1) {
      const withChild = i % 10 === 0;
      await deliver({ group: rangeGroup(g), index: i, generation: 0 }, withChild);
      if (withChild) await deliver({ group: rangeGroup(g), index: i, generation: 1 }, false);
    }
  }
  units = 0;
  const status = await ledger.getJob(jobId);
  if (status?.state !== 'done') throw new Error(`job not done: ${JSON.stringify(status)}`);
  return {
    chunks: delivered,
    register: register / chunks,
    perChunk: { read: reads / delivered, write: writes / delivered },
    status: units,
  };
}

async function main(): Promise<void> {
  const emulators = await startEmulators();
  const clients = localClients(emulators.endpoints);
  try {
    await createJobTable(clients.dynamodb, 'ledger-bench');
    const rows: Figures[] = [];
    for (const chunks of [1_000, 10_000]) rows.push(await measure(chunks, 'ledger-bench', clients.dynamodb));
    const f = (n: number): string => n.toFixed(3);
    process.stdout.write('job ledger: DynamoDB capacity units per chunk (deliveries incl. re-queued children)\n');
    process.stdout.write(
      'root chunks | deliveries | register units/root | claim-read units/delivery | claim+count units/delivery | status units when done\n',
    );
    for (const [i, r] of rows.entries()) {
      process.stdout.write(
        `${[1_000, 10_000][i]} | ${r.chunks} | ${f(r.register)} | ${f(r.perChunk.read)} | ${f(r.perChunk.write)} | ${f(r.status)}\n`,
      );
    }
    const [small, large] = rows as [Figures, Figures];
    process.stdout.write(
      `ratio 10,000 / 1,000: read ${f(large.perChunk.read / small.perChunk.read)}, write ${f(large.perChunk.write / small.perChunk.write)}\n`,
    );
  } finally {
    clients.dynamodb.destroy();
    clients.sqs.destroy();
    clients.s3.destroy();
    await emulators.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
