import { FanoutError, UsageError } from '../errors';
import { FETCH_USAGE, fetchCommand } from './fetch-command';
import type { CliIo, Command } from './io';

const COMMANDS: Readonly<Record<string, Command>> = {
  fetch: fetchCommand,
};

const USAGE = `usage: fanout <command> [options]
commands:
  fetch    fetch every URL of a file in this process (fanout fetch --help)

${FETCH_USAGE}`;

/**
 * The `fanout` command line. Returns the exit code: 0 when the run completed
 * (failed URLs included), 2 on bad usage or config (one line on stderr), 1 on an
 * internal fault.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || rest.includes('--help')) {
    io.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  try {
    if (command === undefined) throw new UsageError(`unknown command '${name}' (try: ${Object.keys(COMMANDS).join(', ')})`);
    return await command(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`fanout: ${err.message}\n`);
      return 2;
    }
    const detail = err instanceof FanoutError ? `${err.code}: ${err.message}` : err instanceof Error ? (err.stack ?? err.message) : String(err);
    io.stderr.write(`fanout: internal error: ${detail}\n`);
    return 1;
  }
}

function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}
