/** Jest global teardown of the `aws` project: stops the emulators global setup started. */
import { stopRunning } from './running-stack';

export default async function awsGlobalTeardown(): Promise<void> {
  await stopRunning('aws-emulators');
}
