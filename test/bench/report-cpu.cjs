'use strict';
// Preloaded (NODE_OPTIONS=--require) into every Node process of a start-up run:
// at exit, appends the process's whole CPU time (user + system, start-up included)
// to the file named by FANOUT_BENCH_CPU_FILE. Node cannot read a child's rusage,
// and `npx` runs two Node processes (npm, then the bin), so each reports its own.
const { appendFileSync } = require('node:fs');

const file = process.env.FANOUT_BENCH_CPU_FILE;
if (file) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    appendFileSync(file, `${(user + system) / 1000}\n`);
  });
}
