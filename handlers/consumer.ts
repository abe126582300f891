import { createConsumerHandler } from '../src/api/lambda-handlers';
import { createPipeline } from '../src/aws/pipeline';
import { loadAppConfig } from '../src/config/app-config';
import { createEngine } from '../src/fetch/engine';
import { createJobConfigs } from '../src/jobs/job-engines';

// Module scope: clients and the engine (with its connection pool) outlive one invocation.
const config = loadAppConfig(process.env);
const pipeline = createPipeline(config);
const engine = createEngine(config.engine);
const configFor = createJobConfigs(config.engine);

/** SQS chunk queue → fetch with the engine → results in S3, counters in DynamoDB. */
export const handler = createConsumerHandler({ ...pipeline, engine, configFor, deadlineMarginMs: config.deadlineMarginMs });
