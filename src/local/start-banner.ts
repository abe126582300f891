/**
 * The banner `npm start` prints once the stack is up: where each part listens, the
 * API key, and the API's routes, each once (serverless-offline's own box lists its
 * Lambda invocation path beside every route).
 */
import { ROUTES } from '../api/routes';

/** What the banner shows. */
export interface StartBannerInput {
  readonly stage: string;
  readonly httpUrl: string;
  readonly apiKey: string;
  readonly lambdaEndpoint: string;
  readonly sqsAndS3: string;
  readonly queueUrl: string;
  readonly bucket: string;
  readonly dynamodb: string;
  readonly table: string;
  /** The demo site's origin, when one runs. */
  readonly demoOrigin?: string | undefined;
  /** What the network guard lets through (`FANOUT_ALLOW_NET`), when anything. */
  readonly guardAllows?: string | undefined;
  /** Where the CLI finds the endpoint and key. */
  readonly stackFile: string;
}

/** The banner's text, ending in a newline. */
export function startBanner(input: StartBannerInput): string {
  const width = Math.max(...ROUTES.map((r) => r.method.length));
  const routes = ROUTES.map((r) => `    ${r.method.padEnd(width)}  ${r.path}${r.public === true ? '   (no API key needed)' : ''}`);
  return [
    '',
    `fanout local stack (stage ${input.stage}) is up`,
    `  HTTP API     ${input.httpUrl}   (send the key as header x-api-key)`,
    ...routes,
    `  API key      ${input.apiKey}`,
    `  Lambda       ${input.lambdaEndpoint}`,
    `  SQS + S3     ${input.sqsAndS3}   (queue ${input.queueUrl}, bucket ${input.bucket})`,
    `  DynamoDB     ${input.dynamodb}   (table ${input.table})`,
    '',
    ...(input.demoOrigin === undefined ? [] : [`  Demo site    ${input.demoOrigin}   (allowed through the network guard)`]),
    `  Guard allows ${input.guardAllows ?? '(nothing)'}`,
    '',
    `  try: npx fanout submit test/fixtures/example-urls.txt --wait`,
    `  (the CLI finds this endpoint and key in ${input.stackFile}; elsewhere pass --endpoint and --api-key)`,
    '  Ctrl-C stops everything.',
    '',
  ].join('\n');
}
