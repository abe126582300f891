import { createHttpHandler } from '../src/api/http-handler';
import { apiKeySource, createPipeline } from '../src/aws/pipeline';
import { loadAppConfig } from '../src/config/app-config';

// Module scope: built once per container, reused by warm invocations.
const config = loadAppConfig(process.env);
const pipeline = createPipeline(config);

/** API Gateway HTTP API: POST /jobs, GET /jobs/{jobId}, GET /jobs/{jobId}/results. */
export const handler = createHttpHandler({
  submit: pipeline,
  ledger: pipeline.ledger,
  results: pipeline.results,
  apiKey: apiKeySource(config),
  ...(config.publicUrl === undefined ? {} : { publicUrl: config.publicUrl }),
});
