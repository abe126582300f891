/**
 * `npm run bench:ledger`: what the job ledger costs in DynamoDB per chunk, for a job of
 * 1,000 and one of 10,000 chunks, measured as the capacity units DynamoDB (here the
 * dynalite emulator, which computes them by AWS's item-size rules) reports for every call.
 * Each chunk goes through what a delivery does: read its claim and the job item, claim, count (which
 * closes its bucket, group and job when it is the last), add its usage; one chunk in ten leaves
 * leftovers, so it also registers a child whose delivery does the same. Registration is
 * in groups of 650 chunks (a 4 MiB manifest range of 60-byte URLs). Capacity units are
 * a count, not a time: the figures do not depend on the machine's load.
 *
 * Then a long lineage (`--lineage-roots N`, 64: one full bucket; `--generations N`, 500:
 * the cap): every root handed back each generation, as a slow host's chunks are, with
 * the write units of a delivery and the bucket item's size at generations 1 to 500.
 */
import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { parseArgs } from 'node:util';
import { DynamoLedgerStore } from '../../src/aws/dynamo-ledger-store';
import { rangeGroup, type ChunkRef } from '../../src/jobs/ledger/chunk-ref';
import { NO_USAGE } from '../../src/jobs/cost/job-cost';
import { JobLedger, type ChunkClaim } from '../../src/jobs/ledger/job-ledger';
import { startEmulators } from '../../src/local/emulators';
import { createJobTable, localClients } from '../../src/local/local-resources';

const GROUP_CHUNKS = 650;

const { values } = parseArgs({
  options: {
    'lineage-roots': { type: 'string', default: '64' },
    generations: { type: 'string', default: '500' },
    'lineage-only': { type: 'boolean', default: false },
  },
});
const LINEAGE_ROOTS = Number(values['lineage-roots']);
const MAX_GENERATIONS = Number(values.generations);
if (
  !Number.isInteger(LINEAGE_ROOTS) ||
  LINEAGE_ROOTS < 1 ||
  LINEAGE_ROOTS > 64 ||
  !Number.isInteger(MAX_GENERATIONS) ||
  MAX_GENERATIONS < 1
) {
  process.stderr.write('ledger-bench: expected --lineage-roots within [1, 64] and --generations a positive integer\n');
  process.exit(2);
}

/** A delivery's claim of chunk `id`, with one leftover position when `leftovers`. */
function benchClaim(jobId: string, id: string, counts: { succeeded: number; failed: number }, leftovers: boolean): ChunkClaim {
  return { deliveryId: 'd', objectKey: `results/${jobId}/${id}/d.jsonl`, ...counts, leftovers: leftovers ? 'AQ' : '', claimedAt: 0 };
}

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
    await ledger.claim(jobId, id, benchClaim(jobId, id, { succeeded: 90, failed: 10 }, leftovers));
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

/** Generations at which the long-lineage run reports the write units of a delivery. */
const SAMPLED_GENERATIONS = [1, 10, 100, 250, 499];

interface LineageFigures {
  /** Mean write units of the deliveries of each sampled generation. */
  readonly writesAt: ReadonlyMap<number, number>;
  /** The bucket item's size in bytes after each sampled generation (DynamoDB's item-size rules). */
  readonly bucketBytesAt: ReadonlyMap<number, number>;
}

/**
 * A long lineage: `roots` root chunks in one bucket, each handed back (leftovers, one
 * child) for `generations` generations, as a host held to a slow rate does. Each
 * generation is delivered in full before the next, as the queue would.
 */
async function measureLineage(
  roots: number,
  generations: number,
  table: string,
  dynamodb: ReturnType<typeof localClients>['dynamodb'],
): Promise<LineageFigures> {
  let units = 0;
  const store = new DynamoLedgerStore(dynamodb, table, { onCapacity: (u, _job, kind) => (units += kind === 'write' ? u : 0) });
  const ledger = new JobLedger(store);
  const jobId = `lineage-${roots}-${generations}-${Date.now()}`;
  await ledger.createJob({ jobId, options: {}, source: 'urls', splitsTotal: 1, now: 0 });
  await ledger.registerGroup(jobId, { group: 'c', chunks: roots, urls: roots * 100 }, 0);
  const writesAt = new Map<number, number>();
  const bucketBytesAt = new Map<number, number>();
  for (let generation = 0; generation < generations; generation += 1) {
    const last = generation === generations - 1;
    units = 0;
    for (let index = 0; index < roots; index += 1) {
      const ref: ChunkRef = { group: 'c', index, generation };
      const id = `c-${index}-${generation}`;
      await ledger.claim(jobId, id, benchClaim(jobId, id, { succeeded: 1, failed: 0 }, !last));
      if (!last) await ledger.registerChild(jobId, ref, 0);
      await ledger.countChunk(jobId, ref, { succeeded: 1, failed: 0 }, 0);
    }
    // Sampled while the lineage still re-queues (the last generation registers no child).
    const g = generation + 1;
    if (!last && SAMPLED_GENERATIONS.includes(g)) {
      writesAt.set(g, units / roots);
      bucketBytesAt.set(g, itemBytes(await rawItem(dynamodb, table, jobId, 'BUCKET#c#0000')));
    }
  }
  if ((await ledger.getJob(jobId))?.state !== 'done') throw new Error(`lineage job ${jobId} did not end done`);
  return { writesAt, bucketBytesAt };
}

async function rawItem(
  dynamodb: ReturnType<typeof localClients>['dynamodb'],
  table: string,
  jobId: string,
  sk: string,
): Promise<Record<string, AttributeValue>> {
  const out = await dynamodb.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: `JOB#${jobId}` }, sk: { S: sk } }, ConsistentRead: true }),
  );
  return out.Item ?? {};
}

/** An item's size by DynamoDB's rules: names plus values (strings in UTF-8, numbers about 1 byte per 2 digits + 1, sets summed). */
function itemBytes(item: Record<string, AttributeValue>): number {
  const numberBytes = (n: string): number => Math.ceil(n.replace(/^-|\./g, '').length / 2) + 1;
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (value.S !== undefined) bytes += Buffer.byteLength(value.S);
    else if (value.N !== undefined) bytes += numberBytes(value.N);
    else if (value.SS !== undefined) bytes += value.SS.reduce((sum, m) => sum + Buffer.byteLength(m), 0);
    else if (value.NS !== undefined) bytes += value.NS.reduce((sum, m) => sum + numberBytes(m), 0);
  }
  return bytes;
}

/** The per-chunk figures of a job of 1,000 and one of 10,000 chunks. */
async function reportJobSizes(dynamodb: ReturnType<typeof localClients>['dynamodb']): Promise<void> {
  const f = (n: number): string => n.toFixed(3);
  const rows: Figures[] = [];
  for (const chunks of [1_000, 10_000]) rows.push(await measure(chunks, 'ledger-bench', dynamodb));
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
}

async function main(): Promise<void> {
  const emulators = await startEmulators();
  const clients = localClients(emulators.endpoints);
  try {
    await createJobTable(clients.dynamodb, 'ledger-bench');
    if (!values['lineage-only']) await reportJobSizes(clients.dynamodb);
    const f = (n: number): string => n.toFixed(3);
    const lineage = await measureLineage(LINEAGE_ROOTS, MAX_GENERATIONS, 'ledger-bench', clients.dynamodb);
    process.stdout.write(`\nlong lineages: ${LINEAGE_ROOTS} roots in one bucket, each re-queued to ${MAX_GENERATIONS} generations\n`);
    process.stdout.write('generation | write units/delivery | bucket item bytes\n');
    for (const g of SAMPLED_GENERATIONS) {
      process.stdout.write(`${g} | ${f(lineage.writesAt.get(g) ?? NaN)} | ${lineage.bucketBytesAt.get(g) ?? NaN}\n`);
    }
    const deepest = Math.max(...lineage.writesAt.keys());
    const ratio = (lineage.writesAt.get(deepest) ?? NaN) / (lineage.writesAt.get(1) ?? NaN);
    process.stdout.write(`ratio write units generation ${deepest} / generation 1: ${f(ratio)}\n`);
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
