import { createSplitterHandler } from '../src/api/lambda-handlers';
import { createPipeline } from '../src/aws/pipeline';
import { loadAppConfig } from '../src/config/app-config';
import { createLogger } from '../src/observability/logger';

const config = loadAppConfig(process.env);
const pipeline = createPipeline(config, undefined, { metered: true });
const logger = createLogger({ level: config.logLevel });
for (const notice of config.ignored) logger.warn(notice);

/** SQS split queue → plan a manifest / cut one of its ranges into chunks. */
export const handler = createSplitterHandler({
  ...pipeline,
  maxReceiveCount: config.splitMaxReceiveCount,
  faultInjection: config.faultInjection,
  functionMemoryMb: config.functionMemoryMb,
  log: logger,
});
