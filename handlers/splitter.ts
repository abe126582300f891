import { createSplitterHandler } from '../src/api/lambda-handlers';
import { createPipeline } from '../src/aws/pipeline';
import { loadAppConfig } from '../src/config/app-config';

const config = loadAppConfig(process.env);
const pipeline = createPipeline(config);

/** SQS split queue → plan a manifest / cut one of its ranges into chunks. */
export const handler = createSplitterHandler({
  ...pipeline,
  maxReceiveCount: config.splitMaxReceiveCount,
  faultInjection: config.faultInjection,
});
