#!/usr/bin/env -S node --max-semi-space-size=16
'use strict';
// The package's bin. It runs the compiled CLI, dist/fanout.cjs, which `npm ci`
// builds (the `prepare` script; `npm run build` after changing src/): compiling the
// TypeScript at run time through tsx cost ~1.4 s of CPU before the first request.
// With FANOUT_FROM_SOURCE=1, or before any build, it runs the sources through tsx.
// The shebang's `node` is the pinned Node 24 that npm puts first on PATH.
// --max-semi-space-size=16: V8 otherwise grows the young generation to ~150 MB
// over a long run whose live heap is ~25 MB; capped, a 1,000,000-URL run peaks at
// ~140 MiB RSS instead of ~220, at the same speed (measured, see README).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const built = join(__dirname, '..', '..', 'dist', 'fanout.cjs');
let cli;
if (process.env.FANOUT_FROM_SOURCE !== '1' && existsSync(built)) {
  cli = require(built);
} else {
  require('tsx/cjs/api').register();
  cli = require('./main.ts');
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
