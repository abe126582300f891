import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { FleetGates } from '../jobs/fleet/fleet-gates';
import type { FleetLimitStore } from '../jobs/fleet/fleet-limits';
import { consumeChunk, newDeliveryId, type ConsumeDeps, type Delivery } from '../jobs/chunks/consume-chunk';
import {
  checkpointFor,
  FAULT_ATTRIBUTE,
  failingOnce,
  failsACall,
  isInjectedKill,
  parseFaultPlan,
  type FaultPlan,
} from '../jobs/chunks/faults';
import { chunkMessageId, parseChunkMessage, parseSplitMessage } from '../jobs/chunks/messages';
import { handleSplitMessage, type SplitDeps } from '../jobs/chunks/split-manifest';
import { ConsumerMetrics } from '../observability/consumer-metrics';
import { createLogger, invocationLogger, type Logger } from '../observability/logger';
import { createMetrics, type Metrics } from '../observability/metrics';
import type { JobUsage } from '../jobs/cost/job-cost';
import type { UsageMeter } from '../jobs/cost/usage-meter';
import { processSqsBatch } from './sqs-batch';
import { webhooksWithin } from '../webhook/webhook';

/** An SQS-triggered Lambda with partial batch responses. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** How a function learns about the deliveries of its queue. */
export interface DeliverySettings {
  /** The queue's redrive `maxReceiveCount`: a receive at or past it is the last. */
  readonly maxReceiveCount: number;
  /** Follow fault plans attached to messages (local stack only; see src/jobs/chunks/faults.ts). */
  readonly faultInjection?: boolean;
  /** Root logger (default: Powertools to stdout); see src/observability/logger.ts. */
  readonly log?: Logger;
  /** Counts each job's usage for its cost estimate (src/jobs/cost/usage-meter.ts); none when absent. */
  readonly meter?: UsageMeter;
  /** The function's memory, for the Lambda GB-seconds a job's deliveries used. */
  readonly functionMemoryMb?: number;
}

/** True when SQS will not deliver this record again but move it to the DLQ. */
export function isLastReceive(record: SQSRecord, maxReceiveCount: number): boolean {
  return Number(record.attributes?.ApproximateReceiveCount ?? '1') >= maxReceiveCount;
}

function faultPlanOf(record: SQSRecord, settings: DeliverySettings): FaultPlan | undefined {
  if (settings.faultInjection !== true) return undefined;
  return parseFaultPlan(record.messageAttributes?.[FAULT_ATTRIBUTE]?.stringValue);
}

/**
 * The consumer: every chunk in the batch runs under one deadline, the Lambda's end
 * minus `deadlineMarginMs`, leaving time to store, re-queue and count before it is cut.
 * The batch's chunks run side by side through the process's one engine, whose one
 * scheduler holds the engine's concurrency for all of them; the chunks of one job
 * share that job's limits (the job is their limit group), and with a
 * {@link FleetLimitStore} those limits (`perHost`, `hostRate`, `rate`) hold for the
 * job across every consumer (src/jobs/fleet/fleet-gates.ts). A host's slots go back
 * as soon as the batch's runs have nothing more for it; any still leased go back
 * before the invocation returns.
 * An unparseable message throws, so it is reported failed on every delivery and ends
 * in the DLQ after maxReceiveCount.
 * Metrics (src/observability/consumer-metrics.ts) are printed once per invocation,
 * also when it fails as a whole.
 */
export function createConsumerHandler(
  deps: ConsumeDeps &
    DeliverySettings & { readonly deadlineMarginMs: number; readonly metrics?: Metrics; readonly fleetLimits?: FleetLimitStore },
): SqsHandler {
  const logger = deps.log ?? createLogger();
  const metrics = deps.metrics ?? createMetrics(logger);
  return async (event, context) => {
    metrics.captureColdStartMetric(context.functionName);
    const tally = new ConsumerMetrics();
    const invocationEnd = Date.now() + context.getRemainingTimeInMillis();
    const deadline = invocationEnd - deps.deadlineMarginMs;
    const share = Math.max(1, event.Records.length);
    const log = invocationLogger(logger, context);
    const fleets = new Map<string, FleetGates>();
    const fleetOf = (jobId: string, store: FleetLimitStore): FleetGates => {
      let fleet = fleets.get(jobId);
      if (fleet === undefined) {
        const onError = (error: unknown): void => log.warn('fleet limit store call failed', { jobId, error: String(error) });
        fleet = new FleetGates({ store, jobId, deadline, leaseUntil: invocationEnd, onError });
        fleets.set(jobId, fleet);
      }
      return fleet;
    };
    const store = deps.fleetLimits;
    const shared: ConsumeDeps = {
      ...deps,
      ...webhooksWithin(deps.webhooks, invocationEnd),
      runLimits: (chunk) => {
        if (store === undefined) return { limitGroup: chunk.jobId };
        const fleet = fleetOf(chunk.jobId, store);
        fleet.admit(chunk);
        return { limitGroup: chunk.jobId, gates: fleet.factories };
      },
    };
    try {
      return await processSqsBatch(event, consumeRecord, log, { fatal: isInjectedKill });
    } finally {
      await Promise.all([...fleets.values()].map((fleet) => fleet.settle()));
      tally.publish(metrics, context.functionName);
    }

    async function consumeRecord(record: SQSRecord, log: Logger): Promise<void> {
      const lastReceive = isLastReceive(record, deps.maxReceiveCount);
      await tally.chunk(lastReceive, async () => {
        const msg = parseChunkMessage(record.body);
        // This record's own logger: chunks of one batch run at once, so the keys go on
        // the child, never on a logger the other chunks share.
        log.appendPersistentKeys({ jobId: msg.jobId, chunkId: chunkMessageId(msg) });
        const plan = faultPlanOf(record, deps);
        const checkpoint = checkpointFor(plan);
        const delivery: Delivery = { id: newDeliveryId(), lastReceive, ...(checkpoint === undefined ? {} : { checkpoint }) };
        const started = Date.now();
        try {
          const outcome = await consumeChunk(metered(withFaults(shared, plan), deps.meter, msg.jobId), msg, delivery, deadline);
          log.info('chunk consumed', { deliveryId: delivery.id, lastReceive, ...outcome });
          return outcome;
        } finally {
          await recordUsage(deps, msg.jobId, Date.now() - started, share, log);
        }
      });
    }
  };
}

const PORTS = ['ledger', 'results', 'chunkQueue', 'splitQueue', 'manifests', 'events'] as const;

/** The deps with each port present wrapped by `wrap`. */
function wrapPorts<T extends Partial<ConsumeDeps & SplitDeps>>(deps: T, wrap: <P extends object>(port: P, name: string) => P): T {
  const wrapped: Record<string, unknown> = { ...deps };
  for (const name of PORTS) {
    const port = deps[name];
    if (port !== undefined) wrapped[name] = wrap(port, name);
  }
  return wrapped as T;
}

/** The ports of a delivery with its fault plan's failing call, if any. */
function withFaults<T extends Partial<ConsumeDeps & SplitDeps>>(deps: T, plan: FaultPlan | undefined): T {
  return !failsACall(plan) ? deps : wrapPorts(deps, (port, name) => failingOnce(port, name, plan));
}

/** The ports of a delivery of `jobId`'s message, counting their calls as the job's usage. */
function metered<T extends Partial<ConsumeDeps & SplitDeps>>(deps: T, meter: UsageMeter | undefined, jobId: string): T {
  return meter === undefined ? deps : wrapPorts(deps, (port, name) => meter.metered(port, name, jobId));
}

/**
 * Adds a delivery's usage to its job: the calls the meter counted, plus its share of
 * the invocation (one of `share` records: that share of the invocation, of its GB-seconds,
 * and of the batch's receive and delete). Best effort: metering never fails a delivery.
 */
async function recordUsage(
  deps: DeliverySettings & { readonly ledger: ConsumeDeps['ledger'] },
  jobId: string,
  elapsedMs: number,
  share: number,
  log: Logger,
): Promise<void> {
  if (deps.meter === undefined) return;
  const usage = deps.meter.take(jobId);
  const gb = (deps.functionMemoryMb ?? 1024) / 1024;
  const total: JobUsage = {
    ...usage,
    lambdaGbSeconds: usage.lambdaGbSeconds + ((elapsedMs / 1000) * gb) / share,
    invocations: usage.invocations + 1 / share,
    sqsRequests: usage.sqsRequests + 2 / share,
  };
  await deps.ledger.addUsage(jobId, total).catch((error: unknown) => log.warn('usage not recorded', { error: String(error) }));
}

/** The splitter: plan and range messages of manifest jobs. */
export function createSplitterHandler(deps: SplitDeps & DeliverySettings): SqsHandler {
  const logger = deps.log ?? createLogger();
  return (event, context) =>
    processSqsBatch(
      event,
      async (record, log) => {
        const plan = faultPlanOf(record, deps);
        const msg = parseSplitMessage(record.body);
        log.appendPersistentKeys({ jobId: msg.jobId });
        const started = Date.now();
        try {
          const invocation = { ...deps, ...webhooksWithin(deps.webhooks, Date.now() + context.getRemainingTimeInMillis()) };
          await handleSplitMessage(metered(withFaults(invocation, plan), deps.meter, msg.jobId), msg, {
            lastReceive: isLastReceive(record, deps.maxReceiveCount),
          });
        } finally {
          await recordUsage(deps, msg.jobId, Date.now() - started, Math.max(1, event.Records.length), log);
        }
      },
      invocationLogger(logger, context),
      { fatal: isInjectedKill },
    );
}
