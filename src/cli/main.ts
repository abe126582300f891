import { FanoutError, OutputError, UsageError } from '../errors';
import { readLocalStackFile } from '../local/stack-file';
import { FETCH_USAGE, fetchCommand } from './fetch-command';
import type { CliIo, Command } from './io';
import { cancelCommand, redriveCommand } from './job-commands';
import { reportCommand } from './report-command';
import { resultsCommand } from './results-command';
import { statusCommand } from './status-command';
import { submitCommand } from './submit-command';

/** A Map, not an object literal: `fanout constructor` must not find Object's prototype. */
const COMMANDS: ReadonlyMap<string, Command> = new Map([
  ['fetch', fetchCommand],
  ['submit', submitCommand],
  ['status', statusCommand],
  ['results', resultsCommand],
  ['cancel', cancelCommand],
  ['redrive', redriveCommand],
  ['report', reportCommand],
]);

const USAGE = `usage: fanout <command> [options]
commands:
  fetch    fetch every URL of a file in this process
  submit   post a job to the pipeline's API: fanout submit <file|-|s3://bucket/key> [--endpoint URL] [--api-key K] [--wait]
  status   show a job: fanout status <jobId> [--endpoint URL] [--api-key K]
  results  download a job's results: fanout results <jobId> [--out FILE] [--partial] [--endpoint URL] [--api-key K]
  cancel   stop a job (its unfetched URLs get CANCELLED records): fanout cancel <jobId>
  redrive  re-run a job's failed URLs as a new job: fanout redrive <jobId> [--codes CODE,CODE]
  report   an HTML report: fanout report <results.jsonl|-> [--out FILE] [--open]
           or of a job: fanout report --job <jobId> [--out FILE] [--open] [--endpoint URL] [--api-key K]

${FETCH_USAGE}`;

/**
 * The `fanout` command line. Returns the exit code: 0 when the run completed
 * (failed URLs included), 2 on bad usage or config (one line on stderr), 1 when
 * the results could not be written (one line) or on an internal fault, 130 when a
 * signal stopped the run.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || rest.includes('--help')) {
    io.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.get(name);
  try {
    if (command === undefined) throw new UsageError(`unknown command '${name}' (try: ${[...COMMANDS.keys()].join(', ')})`);
    return await command(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`fanout: ${err.message}\n`);
      return 2;
    }
    if (err instanceof OutputError) {
      io.stderr.write(`fanout: ${err.message}\n`);
      return 1;
    }
    const detail =
      err instanceof FanoutError ? `${err.code}: ${err.message}` : err instanceof Error ? (err.stack ?? err.message) : String(err);
    io.stderr.write(`fanout: internal error: ${detail}\n`);
    return 1;
  }
}

function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: withLocalStack(process.env) };
}

/**
 * When `npm start` runs in this directory and no endpoint is set, the API commands
 * talk to that local stack with its key, so the quick start needs no flags.
 */
function withLocalStack(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env['FANOUT_ENDPOINT'] !== undefined) return env;
  const local = readLocalStackFile();
  if (local.endpoint === undefined) return env;
  return { ...env, FANOUT_ENDPOINT: local.endpoint, FANOUT_API_KEY: env['FANOUT_API_KEY'] ?? local.apiKey };
}
