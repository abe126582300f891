/**
 * Builds the CLI into one CommonJS file, `dist/fanout.cjs`, that the bin
 * (`src/cli/fanout.cjs`) runs. `npm ci` runs it (the `prepare` script), and so do the
 * integration tests and the benchmark before they start the bin, so neither runs a
 * stale build.
 *
 * Why a bundle, undici included: running the TypeScript through tsx cost ~1.4 s of
 * CPU before the first request; the bundle starts in ~0.1 s, less than a plain
 * script that loads undici from node_modules file by file (measured, see README).
 * The Lambda bundles are serverless-esbuild's, not this.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the built CLI lands; the bin requires this path. */
export const CLI_OUTFILE = `${ROOT}dist/fanout.cjs`;

/** Bundles `src/cli/main.ts` and what it imports into {@link CLI_OUTFILE}. */
export async function buildCli() {
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/cli/main.ts'],
    outfile: CLI_OUTFILE,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
