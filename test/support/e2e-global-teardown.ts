/** Jest global teardown of the `e2e` project: stops the local stack and everything it started. */
import { stopRunning } from './running-stack';

export default async function e2eGlobalTeardown(): Promise<void> {
  await stopRunning('e2e-stack');
}
