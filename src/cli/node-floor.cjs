'use strict';
/**
 * The oldest Node.js the CLI runs on is package.json's `engines.node` (undici 8
 * needs 22.19: on Node 20 it dies at import with a stack trace inside its zstd
 * code). Checked before anything else loads, by the bin and by the bundle's first
 * lines (scripts/build-cli.cjs puts this function's source there), so an older Node
 * gets one line and exit 1.
 *
 * Written without anything from outside (no closure, no require) so that its
 * source text can be copied into the bundle.
 *
 * @param {string} engines the `engines.node` range, `>=22.19.0`
 */
function refuseOldNode(engines) {
  const need = (/(\d+)\.(\d+)\.(\d+)/.exec(engines) || []).slice(1).map(Number);
  const have = process.versions.node.split('.').map(Number);
  for (let i = 0; i < need.length; i++) {
    if (have[i] > need[i]) return;
    if (have[i] < need[i]) {
      process.stderr.write(`fanout: needs Node.js ${need.join('.')} or later, this is ${process.versions.node}\n`);
      process.exit(1);
    }
  }
}

module.exports = { refuseOldNode };
