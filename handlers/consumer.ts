import { createConsumerHandler } from '../src/api/lambda-handlers';
import { createPipeline } from '../src/aws/pipeline';
import { loadAppConfig } from '../src/config/app-config';
import { createEngine } from '../src/fetch/engine';
import { createJobConfigs } from '../src/jobs/job-options';
import { createLogger } from '../src/observability/logger';
import { createMetrics } from '../src/observability/metrics';

// Module scope: clients and the engine (with its connection pool) outlive one invocation.
const config = loadAppConfig(process.env);
const pipeline = createPipeline(config, undefined, { metered: true });
const logger = createLogger({ level: config.logLevel });
for (const notice of config.ignored) logger.warn(notice);
const metrics = createMetrics(logger);
const engine = createEngine(config.engine);
const configFor = createJobConfigs(config.engine, config.bodyMemoryBytes);

/** SQS chunk queue → fetch with the engine → results in S3, the ledger in DynamoDB. */
export const handler = createConsumerHandler({
  ...pipeline,
  engine,
  configFor,
  fleetLimits: pipeline.fleetLimits,
  deadlineMarginMs: config.deadlineMarginMs,
  maxReceiveCount: config.chunkMaxReceiveCount,
  faultInjection: config.faultInjection,
  functionMemoryMb: config.functionMemoryMb,
  log: logger,
  metrics,
});
