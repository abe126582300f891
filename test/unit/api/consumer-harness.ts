import { createConsumerHandler } from '../../../src/api/lambda-handlers';
import { resolveEngineConfig } from '../../../src/config/engine-config';
import { JobLedger } from '../../../src/jobs/ledger/job-ledger';
import type { UsageMeter } from '../../../src/jobs/cost/usage-meter';
import type { Metrics } from '../../../src/observability/metrics';
import { type FakeEngine, MemoryEvents, MemoryQueue, MemoryResults } from '../jobs/fakes';
import { MemoryLedgerStore } from '../jobs/ledger/memory-ledger-store';
import { capturedLogs } from '../observability/captured-logs';
import type { WebhookDelivery } from '../../../src/webhook/webhook';

/** The engine config the harness's consumer runs every chunk with. */
export const HARNESS_ENGINE_CONFIG = resolveEngineConfig({});

/**
 * The consumer handler over in-memory stores, with the given inline jobs registered
 * (`chunks` chunks and `urls` URLs each) and its log lines captured.
 */
export async function memoryConsumer(
  engine: FakeEngine,
  jobs: Readonly<Record<string, { chunks: number; urls: number; webhook?: string }>>,
  options: {
    readonly now: number;
    readonly faultInjection?: boolean;
    readonly metrics?: (log: ReturnType<typeof capturedLogs>['log']) => Metrics;
    readonly meter?: UsageMeter;
    readonly webhooks?: WebhookDelivery;
  } = { now: 0 },
) {
  const ledger = new JobLedger(new MemoryLedgerStore());
  for (const [jobId, { chunks, urls, webhook }] of Object.entries(jobs)) {
    await ledger.createJob({
      jobId,
      options: {},
      source: 'urls',
      splitsTotal: 1,
      now: options.now,
      ...(webhook === undefined ? {} : { webhook }),
    });
    await ledger.registerGroup(jobId, { group: 'c', chunks, urls }, options.now);
  }
  const results = new MemoryResults();
  const { log, lines } = capturedLogs();
  const handler = createConsumerHandler({
    engine,
    configFor: () => HARNESS_ENGINE_CONFIG,
    results,
    ledger,
    chunkQueue: new MemoryQueue(),
    events: new MemoryEvents(),
    now: () => options.now,
    deadlineMarginMs: 10_000,
    maxReceiveCount: 3,
    faultInjection: options.faultInjection ?? false,
    log,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics(log) }),
    ...(options.meter === undefined ? {} : { meter: options.meter, functionMemoryMb: 2048 }),
    ...(options.webhooks === undefined ? {} : { webhooks: options.webhooks }),
  });
  return { handler, ledger, results, logs: lines, engine };
}
