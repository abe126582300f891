import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The package's bin, as `npx fanout` runs it. */
export const FANOUT_BIN = join(ROOT, 'src', 'cli', 'fanout.cjs');

/**
 * Builds `dist/fanout.cjs` from the current sources (`npm run build`, about 0.1 s),
 * so whatever starts the bin runs the code under test, never a stale build.
 */
export function buildCli(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
