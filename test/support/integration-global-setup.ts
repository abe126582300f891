/**
 * Jest global setup of the `integration` project: the CLI tests start the bin,
 * which runs the built `dist/fanout.cjs`; build it from the sources under test.
 * The report page test needs headless Chromium: installed here when missing (Debian's
 * package, where apt-get can run); where it cannot be, that test is skipped, saying why.
 */
import { buildCli } from './build-cli';
import { ensureChromium } from './chromium';

export default function integrationGlobalSetup(): void {
  buildCli();
  const missing = ensureChromium();
  if (missing !== undefined) process.stderr.write(`integration setup: the report page test will be skipped: ${missing}\n`);
}
