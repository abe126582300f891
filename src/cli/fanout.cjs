#!/usr/bin/env node
'use strict';
// The package's bin. The sources are TypeScript run through tsx's CommonJS hook,
// so `npx fanout` needs no build step and runs on the Node that npm puts first on
// PATH (the pinned Node 24 from devDependencies).
require('tsx/cjs/api').register();
require('./main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
