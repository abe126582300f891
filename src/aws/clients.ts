import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsEndpoints } from '../config/app-config';

/** The SDK clients the pipeline uses, built once per process. */
export interface AwsClients {
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly eventbridge: EventBridgeClient;
}

/**
 * Builds the SDK clients with explicit endpoints. Endpoints are given in code, never
 * through `AWS_ENDPOINT_URL`: with the environment variable the SQS client sent to the
 * queue URL's host instead (see TOOLCHAIN.md). S3 uses path-style addressing so a
 * loopback endpoint needs no per-bucket host names.
 *
 * @example
 * const clients = createAwsClients(config.endpoints); // module scope
 */
export function createAwsClients(endpoints: AwsEndpoints, region?: string): AwsClients {
  const common = region === undefined ? {} : { region };
  return {
    sqs: new SQSClient({ ...common, ...(endpoints.sqs === undefined ? {} : { endpoint: endpoints.sqs }) }),
    s3: new S3Client({
      ...common,
      ...(endpoints.s3 === undefined ? {} : { endpoint: endpoints.s3, forcePathStyle: true }),
    }),
    dynamodb: new DynamoDBClient({
      ...common,
      ...(endpoints.dynamodb === undefined ? {} : { endpoint: endpoints.dynamodb }),
    }),
    eventbridge: new EventBridgeClient({
      ...common,
      ...(endpoints.eventbridge === undefined ? {} : { endpoint: endpoints.eventbridge }),
    }),
  };
}
