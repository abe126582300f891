'use strict';
/**
 * Builds the CLI into one CommonJS file, `dist/fanout.cjs` (git-ignored), that the
 * bin (`src/cli/fanout.cjs`) runs: a bundle of `src/cli/main.ts` with undici inside.
 * Compiling the TypeScript at run time through tsx cost ~1.4 s of CPU before the
 * first request; the bundle starts in ~0.1 s, less than a plain script loading
 * undici from node_modules file by file (`npm run bench -- --only S`).
 *
 * Built on demand, not at `npm ci`: the bin rebuilds when the bundle is missing or
 * older than a source (a check of ~4 ms, a build of ~0.2 s). An install script
 * (`prepare`) cannot do it here: with `strict-allow-scripts` (.npmrc), `npx fanout`
 * installs this package into npx's cache, ignores package.json `allowScripts`
 * there, and refuses any package with an install script (ESTRICTALLOWSCRIPTS).
 * The Lambda bundles are serverless-esbuild's, not this.
 *
 * The bundle refuses a Node older than package.json's `engines` in its first lines
 * (before undici loads), and runs the CLI when it is the entry point
 * (`node dist/fanout.cjs fetch ...`); required by the bin, it only exports.
 *
 * Run directly (`npm run build`), it builds unconditionally.
 */
const { readdirSync, renameSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');

/** Where the built CLI lands; the bin requires this path. */
const CLI_OUTFILE = join(ROOT, 'dist', 'fanout.cjs');

/** What the bundle is made of, besides every file under src/. */
const OTHER_INPUTS = [__filename, join(ROOT, 'package.json'), join(ROOT, 'node_modules', 'undici', 'package.json')];

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** True when the bundle is missing or older than one of its sources. */
function isCliStale() {
  const built = mtime(CLI_OUTFILE);
  if (built === Number.POSITIVE_INFINITY) return true;
  for (const entry of readdirSync(join(ROOT, 'src'), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && mtime(join(entry.parentPath, entry.name)) > built) return true;
  }
  return OTHER_INPUTS.some((path) => mtime(path) > built);
}

/**
 * Bundles `src/cli/main.ts` into {@link CLI_OUTFILE}. Written beside it, then
 * renamed into place, so a bin starting meanwhile never loads half a file.
 */
function buildCli() {
  const temp = `${CLI_OUTFILE}.${process.pid}.tmp`;
  const { refuseOldNode } = require('../src/cli/node-floor.cjs');
  const engines = require('../package.json').engines.node;
  require('esbuild').buildSync({
    absWorkingDir: ROOT,
    entryPoints: ['src/cli/main.ts'],
    outfile: temp,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    banner: { js: `(${refuseOldNode.toString()})(${JSON.stringify(engines)});` },
    footer: { js: 'if (require.main === module) module.exports.runCli();' },
    logLevel: 'warning',
  });
  renameSync(temp, CLI_OUTFILE);
}

module.exports = { CLI_OUTFILE, isCliStale, buildCli };

if (require.main === module) buildCli();
