import { createLogger, type Logger, type LogLevelName } from '../../../src/observability/logger';

/** A logger whose JSON lines land, parsed, in `lines` (in the order they were written). */
export function capturedLogs(level: LogLevelName = 'debug'): { readonly log: Logger; readonly lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { log: createLogger({ level, write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }), lines };
}
