import { version } from '../../package.json';
import { readLocalStackFile } from '../local/stack-file';
import { asksForHelp, commandHelp, type CommandSpec } from './command-line';
import { reportFailure } from './failure';
import { fetchCommand } from './fetch-command';
import { FETCH_SPEC } from './fetch-options';
import type { CliIo, Command } from './io';
import { CANCEL_SPEC, cancelCommand, REDRIVE_SPEC, redriveCommand } from './job-commands';
import { REPORT_SPEC, reportCommand } from './report-command';
import { RESULTS_SPEC, resultsCommand } from './results-command';
import { STATUS_SPEC, statusCommand } from './status-command';
import { SUBMIT_SPEC, submitCommand } from './submit-command';

/** A Map, not an object literal: `fanout constructor` must not find Object's prototype. */
const COMMANDS: ReadonlyMap<string, { readonly spec: CommandSpec; readonly run: Command }> = new Map(
  (
    [
      [FETCH_SPEC, fetchCommand],
      [SUBMIT_SPEC, submitCommand],
      [STATUS_SPEC, statusCommand],
      [RESULTS_SPEC, resultsCommand],
      [CANCEL_SPEC, cancelCommand],
      [REDRIVE_SPEC, redriveCommand],
      [REPORT_SPEC, reportCommand],
    ] as const
  ).map(([spec, run]) => [spec.name, { spec, run }]),
);

const NAMES = [...COMMANDS.keys()].join(', ');

/** What bare `fanout` or a wrong command prints on stderr. */
const SHORT_USAGE = `usage: fanout <command> [options]   (commands: ${NAMES})
fanout --help describes them; fanout <command> --help lists a command's options`;

/**
 * How `fanout` ends, by exit code:
 * - 0: done (a fetch run that completed, failed URLs included);
 * - 1: the command was right but could not be carried out: the API refused it
 *   (no such job, a job in the wrong state) or did not answer, results could not
 *   be written, a job failed, or an internal error;
 * - 2: the command line or its input is wrong (a usage error, also what the API
 *   refused as invalid input or a missing key): fix the command and run it again;
 * - 130: stopped by a signal.
 */
const EXIT_CODES = `exit codes: 0 done; 1 could not be carried out (the API refused or did not answer,
  results not written, the job failed); 2 wrong command line or input; 130 stopped by a signal`;

function fullHelp(): string {
  const width = Math.max(...NAMES.split(', ').map((name) => name.length)) + 2;
  const rows = [...COMMANDS.values()].map(({ spec }) => {
    const [first, ...more] = spec.summary.split('\n');
    return [`  ${spec.name.padEnd(width)}${first}`, ...more.map((line) => `  ${' '.repeat(width)}${line}`)].join('\n');
  });
  return [
    'usage: fanout <command> [options]',
    '',
    'commands:',
    ...rows,
    '',
    'fanout <command> --help   that command: its arguments and every option',
    'fanout --version          the version',
    '',
    EXIT_CODES,
  ].join('\n');
}

/**
 * The `fanout` command line. Returns the exit code: 0 done, 1 could not be carried
 * out, 2 bad usage, 130 stopped by a signal (see {@link EXIT_CODES}). Messages go
 * to stderr, one line (a command-line error adds the command's usage line); help
 * and the version go to stdout.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(`${SHORT_USAGE}\n`);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${fullHelp()}\n`);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`fanout ${version}\n`);
    return 0;
  }
  const command = COMMANDS.get(name);
  if (command === undefined) {
    const what = name.startsWith('-') ? `unknown option ${name}` : `unknown command '${name}'`;
    io.stderr.write(`fanout: ${what}\n${SHORT_USAGE}\n`);
    return 2;
  }
  if (asksForHelp(command.spec, rest)) {
    io.stdout.write(`${commandHelp(command.spec)}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    return reportFailure(err, command.spec, io);
  }
}

/**
 * Runs the command line of this process and sets its exit code: what the bin
 * (src/cli/fanout.cjs) and the bundle, run directly, both call.
 */
export function runCli(): void {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, localStack: readLocalStackFile() };
}
