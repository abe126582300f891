import type { AppConfig } from '../config/app-config';
import { ConfigError } from '../errors';
import type { ChunkLimits } from '../jobs/chunking';
import { JobLedger } from '../jobs/job-ledger';
import type { JobLimits } from '../jobs/job-options';
import type { ManifestReader } from '../jobs/manifest';
import type { EventPublisher, QueuePublisher, ResultStore } from '../jobs/ports';
import { createAwsClients, type AwsClients } from './clients';
import { DynamoLedgerStore } from './dynamo-ledger-store';
import { EventBridgePublisher } from './eventbridge-publisher';
import { S3ManifestReader } from './s3-manifest-reader';
import { S3ResultStore } from './s3-result-store';
import { SqsQueuePublisher } from './sqs-queue-publisher';
import { ssmApiKey } from './ssm-api-key';

/** The AWS-backed parts every pipeline function shares; build once at module scope. */
export interface Pipeline {
  readonly clients: AwsClients;
  readonly ledger: JobLedger;
  readonly results: ResultStore;
  readonly manifests: ManifestReader;
  readonly chunkQueue: QueuePublisher;
  readonly splitQueue: QueuePublisher;
  readonly events: EventPublisher;
  readonly limits: ChunkLimits;
  readonly jobLimits: JobLimits;
  readonly now: () => number;
}

/**
 * Builds the clients and stores from the config.
 *
 * @example
 * const pipeline = createPipeline(loadAppConfig(process.env));
 */
export function createPipeline(config: AppConfig, clients: AwsClients = createAwsClients(config.endpoints)): Pipeline {
  return {
    clients,
    ledger: new JobLedger(new DynamoLedgerStore(clients.dynamodb, config.table)),
    results: new S3ResultStore(clients.s3, config.bucket),
    manifests: new S3ManifestReader(clients.s3),
    chunkQueue: new SqsQueuePublisher(clients.sqs, config.queueUrl),
    splitQueue: new SqsQueuePublisher(clients.sqs, config.splitQueueUrl),
    events: new EventBridgePublisher(clients.eventbridge, config.eventBus),
    limits: { urls: config.chunkUrls, bytes: config.chunkBytes },
    jobLimits: { engine: config.engine, manifestBucket: config.bucket, bodyMemoryBytes: config.bodyMemoryBytes },
    now: Date.now,
  };
}

/** The API key source: `FANOUT_API_KEY` locally, else the SSM parameter `FANOUT_API_KEY_PARAM`. */
export function apiKeySource(config: AppConfig): () => Promise<string> {
  if (config.apiKey !== undefined) {
    const key = config.apiKey;
    return () => Promise.resolve(key);
  }
  if (config.apiKeyParam !== undefined) return ssmApiKey(config.apiKeyParam);
  throw new ConfigError('Expected `FANOUT_API_KEY` or `FANOUT_API_KEY_PARAM` to be set, got neither');
}
