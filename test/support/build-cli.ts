import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The package's bin, as `npx fanout` runs it. */
export const FANOUT_BIN = join(ROOT, 'src', 'cli', 'fanout.cjs');

/**
 * Builds `dist/fanout.cjs` from the current sources (`npm run build`, about 0.2 s)
 * before tests or benchmarks start the bin, so that parallel bins do not each find
 * the bundle stale and build it (harmless, but wasted work).
 */
export function buildCli(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-cli.cjs')], { stdio: 'inherit' });
}
