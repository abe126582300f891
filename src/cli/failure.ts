import { FanoutError, OutputError, UsageError } from '../errors';
import { ApiRefusedError } from './api-options';
import { CommandLineError, usageLines, type CommandSpec } from './command-line';
import type { CliIo } from './io';

/**
 * Tells on stderr why a command failed, in one line, and returns the exit code:
 * 2 for a usage error (a command-line error adds the command's usage line), 1 for
 * what could not be carried out (the API refused or did not answer, output not
 * written) and for an internal error: our own fault, the only kind called so, with
 * its stack only when `FANOUT_DEBUG=1`.
 */
export function reportFailure(err: unknown, spec: CommandSpec, io: CliIo): number {
  if (err instanceof UsageError) {
    io.stderr.write(
      `fanout: ${err.message}\n${err instanceof CommandLineError ? `${usageLines(spec)}   (fanout ${spec.name} --help for more)\n` : ''}`,
    );
    return 2;
  }
  if (err instanceof OutputError || err instanceof ApiRefusedError) {
    io.stderr.write(`fanout: ${err.message}\n`);
    return 1;
  }
  // Our own fault: say so, in one line; the stack only when asked for.
  const detail = err instanceof FanoutError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  const stack = io.env['FANOUT_DEBUG'] === '1' && err instanceof Error ? `\n${err.stack}` : ' (FANOUT_DEBUG=1 shows where)';
  io.stderr.write(`fanout: internal error: ${detail.split('\n')[0]}${stack}\n`);
  return 1;
}
