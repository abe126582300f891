#!/usr/bin/env -S node --max-semi-space-size=16
'use strict';
// The package's bin. It runs the compiled CLI, dist/fanout.cjs, rebuilt here first
// when missing or older than a source (scripts/build-cli.cjs says why here and not
// at install): compiling the TypeScript at run time through tsx cost ~1.4 s of CPU
// before the first request. FANOUT_FROM_SOURCE=1 runs the sources through tsx.
// The shebang's `node` is the pinned Node 24 that npm puts first on PATH.
// --max-semi-space-size=16: V8 otherwise grows the young generation to ~150 MB
// over a long run whose live heap is ~25 MB; capped, a 1,000,000-URL run peaks at
// ~140 MiB RSS instead of ~220, at the same speed (measured, see README).
require('./node-floor.cjs').refuseOldNode(require('../../package.json').engines.node);
const { CLI_OUTFILE, buildCli, isCliStale } = require('../../scripts/build-cli.cjs');

function loadCli() {
  if (process.env.FANOUT_FROM_SOURCE !== '1') {
    try {
      if (isCliStale()) buildCli();
      return require(CLI_OUTFILE);
    } catch (err) {
      process.stderr.write(`fanout: cannot build ${CLI_OUTFILE} (${err.message.split('\n')[0]}); running the sources through tsx\n`);
    }
  }
  require('tsx/cjs/api').register();
  return require('./main.ts');
}

loadCli().runCli();
