/**
 * Jest global setup of the `aws` project: starts fauxqs (SQS + S3) and dynalite
 * (DynamoDB) on free loopback ports and exports their endpoints to the test
 * processes. Global setup runs in jest's parent process, and workers inherit its
 * environment, so setting `process.env` here is what reaches the tests:
 *
 * FANOUT_SQS_ENDPOINT, FANOUT_S3_ENDPOINT, FANOUT_DYNAMODB_ENDPOINT, AWS_REGION=us-east-1,
 * AWS_ACCESS_KEY_ID=test, AWS_SECRET_ACCESS_KEY=test.
 *
 * The emulators are shared by every test file of the run: tests create their own
 * uniquely named queues, buckets and tables.
 */
import { startEmulators } from '../../src/local/emulators';
import { setRunning } from './running-stack';

export default async function awsGlobalSetup(): Promise<void> {
  const emulators = await startEmulators();
  setRunning('aws-emulators', () => emulators.stop());
  process.env.FANOUT_SQS_ENDPOINT = emulators.endpoints.sqs;
  process.env.FANOUT_S3_ENDPOINT = emulators.endpoints.s3;
  process.env.FANOUT_DYNAMODB_ENDPOINT = emulators.endpoints.dynamodb;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
}
