/**
 * `fanout fetch --log-level`: diagnostics on stderr, as the same Powertools JSON lines
 * the functions write (src/observability/logger.ts). The progress display and the
 * `--json` summary stay the CLI's own; these lines are for finding out why.
 */
import type { Writable } from 'node:stream';
import { UsageError } from '../errors';
import type { FetchResult } from '../fetch/result';
import { createLogger, type Logger } from '../observability/logger';

/** The levels `--log-level` takes. */
export const CLI_LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/**
 * The logger for `--log-level raw` (undefined: the flag was not given, nothing is
 * logged), writing to `stderr`. A bad level is a usage error (exit 2).
 */
export function diagnosticsLogger(raw: unknown, stderr: Writable): Logger {
  if (raw === undefined) return createLogger({ level: 'silent' });
  const level = CLI_LOG_LEVELS.find((name) => name === raw);
  if (level === undefined) {
    throw new UsageError(`Expected \`--log-level\` to be one of ${CLI_LOG_LEVELS.join(', ')}, got \`${String(raw)}\``);
  }
  return createLogger({ level, write: (line) => stderr.write(`${line}\n`) });
}

/** At debug, one line per failed URL with what explains it. */
export function logFailure(log: Logger, result: FetchResult): void {
  if (result.ok) return;
  log.debug('url failed', {
    url: result.url,
    line: result.line,
    code: result.error?.code,
    reason: result.error?.message,
    status: result.status,
    attempts: result.attempts,
    totalMs: result.timings.total,
  });
}
