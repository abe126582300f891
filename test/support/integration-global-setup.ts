/**
 * Jest global setup of the `integration` project: the CLI tests start the bin,
 * which runs the built `dist/fanout.cjs`; build it from the sources under test.
 */
import { buildCli } from './build-cli';

export default function integrationGlobalSetup(): void {
  buildCli();
}
