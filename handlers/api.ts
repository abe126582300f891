import { createHttpHandler } from '../src/api/http-handler';
import { apiKeySource, createPipeline } from '../src/aws/pipeline';
import { loadAppConfig } from '../src/config/app-config';
import { createLogger } from '../src/observability/logger';

// Module scope: built once per container, reused by warm invocations.
const config = loadAppConfig(process.env);
const pipeline = createPipeline(config);
const logger = createLogger({ level: config.logLevel });

/** API Gateway HTTP API: POST /jobs, GET /jobs/{jobId}, GET /jobs/{jobId}/results. */
export const handler = createHttpHandler({
  submit: pipeline,
  ledger: pipeline.ledger,
  results: pipeline.results,
  apiKey: apiKeySource(config),
  log: logger,
  ...(config.publicUrl === undefined ? {} : { publicUrl: config.publicUrl }),
});
