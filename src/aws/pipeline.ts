import type { AppConfig } from '../config/app-config';
import { ConfigError } from '../errors';
import type { ChunkLimits } from '../jobs/chunks/chunking';
import { jobOfLimitKey, type FleetLimitStore } from '../jobs/fleet/fleet-limits';
import { JobLedger } from '../jobs/ledger/job-ledger';
import { UsageMeter } from '../jobs/cost/usage-meter';
import type { JobLimits } from '../jobs/job-options';
import type { ManifestReader } from '../jobs/chunks/manifest';
import type { EventPublisher, QueuePublisher, ResultStore } from '../jobs/ports';
import type { WebhookDelivery } from '../webhook/webhook';
import { createWebhookSender } from '../webhook/webhook-sender';
import { createAwsClients, type AwsClients } from './clients';
import { DynamoFleetLimits } from './dynamo-fleet-limits';
import { DynamoLedgerStore } from './dynamo-ledger-store';
import { EventBridgePublisher } from './eventbridge-publisher';
import { S3ManifestReader } from './s3-manifest-reader';
import { S3ResultStore } from './s3-result-store';
import { SqsQueuePublisher } from './sqs-queue-publisher';
import { ssmSecret } from './ssm-secret';

/** The AWS-backed parts every pipeline function shares; build once at module scope. */
export interface Pipeline {
  readonly clients: AwsClients;
  /** Counts each job's usage in this process (see src/jobs/cost/usage-meter.ts); only where deliveries record it. */
  readonly meter?: UsageMeter;
  readonly ledger: JobLedger;
  /** Slots and start times that hold a job's limits across consumers (src/jobs/fleet/fleet-gates.ts). */
  readonly fleetLimits: FleetLimitStore;
  readonly results: ResultStore;
  readonly manifests: ManifestReader;
  readonly chunkQueue: QueuePublisher;
  readonly splitQueue: QueuePublisher;
  readonly events: EventPublisher;
  /** Absent when the deployment has no webhook signing secret. */
  readonly webhooks?: WebhookDelivery;
  readonly limits: ChunkLimits;
  readonly jobLimits: JobLimits;
  readonly now: () => number;
}

/**
 * Builds the clients and stores from the config. `metered`: count each job's usage for
 * its cost (the consumer and splitter, whose deliveries record it; the API's reads are
 * not a job's cost, and asking DynamoDB for capacity there would only add bytes).
 *
 * @example
 * const pipeline = createPipeline(loadAppConfig(process.env), undefined, { metered: true });
 */
export function createPipeline(
  config: AppConfig,
  clients: AwsClients = createAwsClients(config.endpoints),
  options: { readonly metered?: boolean } = {},
): Pipeline {
  const webhookSecret = secretSource(config.webhookSecret, config.webhookSecretParam);
  const meter = options.metered === true ? new UsageMeter() : undefined;
  return {
    ...(webhookSecret === undefined ? {} : { webhooks: { sender: createWebhookSender(config.engine), secret: webhookSecret } }),
    clients,
    ...(meter === undefined ? {} : { meter }),
    ledger: new JobLedger(
      new DynamoLedgerStore(
        clients.dynamodb,
        config.table,
        meter === undefined
          ? {}
          : { onCapacity: (units, jobId, kind) => meter.add(jobId, kind === 'read' ? 'dynamoReadUnits' : 'dynamoWriteUnits', units) },
      ),
    ),
    fleetLimits: new DynamoFleetLimits(
      clients.dynamodb,
      config.table,
      meter === undefined
        ? {}
        : {
            onCapacity: (units, key, kind) =>
              meter.add(jobOfLimitKey(key), kind === 'read' ? 'dynamoReadUnits' : 'dynamoWriteUnits', units),
          },
    ),
    results: new S3ResultStore(clients.s3, config.bucket),
    manifests: new S3ManifestReader(clients.s3),
    chunkQueue: new SqsQueuePublisher(clients.sqs, config.queueUrl),
    splitQueue: new SqsQueuePublisher(clients.sqs, config.splitQueueUrl),
    events: new EventBridgePublisher(clients.eventbridge, config.eventBus),
    limits: { urls: config.chunkUrls, bytes: config.chunkBytes },
    jobLimits: {
      engine: config.engine,
      manifestBucket: config.bucket,
      bodyMemoryBytes: config.bodyMemoryBytes,
      webhooks: webhookSecret !== undefined,
    },
    now: Date.now,
  };
}

/** A secret given literally (locally) or by SSM parameter name (deployed); undefined when neither. */
function secretSource(literal: string | undefined, param: string | undefined): (() => Promise<string>) | undefined {
  if (literal !== undefined) return () => Promise.resolve(literal);
  return param === undefined ? undefined : ssmSecret(param);
}

/** The API key source: `FANOUT_API_KEY` locally, else the SSM parameter `FANOUT_API_KEY_PARAM`. */
export function apiKeySource(config: AppConfig): () => Promise<string> {
  const source = secretSource(config.apiKey, config.apiKeyParam);
  if (source === undefined) throw new ConfigError('Expected `FANOUT_API_KEY` or `FANOUT_API_KEY_PARAM` to be set, got neither');
  return source;
}
