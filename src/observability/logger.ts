/**
 * The one place fanout's loggers are made: Powertools Logger, structured JSON, service
 * `fanout`. Everything else receives a {@link Logger} and narrows it with
 * `createChild({ persistentKeys })` per scope (an invocation, an SQS record, a chunk),
 * so keys of concurrent chunks never meet in one instance.
 *
 * Lines go to stdout/stderr as Powertools writes them (CloudWatch in Lambda), or, when a
 * `write` sink is given, to that function one JSON line at a time: the local stack
 * routes them to its own output (a file in the e2e tests) and unit tests capture them.
 */
import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import { escapeLineSeparators } from '../io/json-line';

export type { Logger };

/** The `service` key of every line and the metrics' `service` dimension. */
export const SERVICE_NAME = 'fanout';

/** Levels Powertools accepts (case-insensitive), least severe first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'critical', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Lowest level printed; unset: `POWERTOOLS_LOG_LEVEL`, then `LOG_LEVEL`, then `info` (Powertools' order). */
  readonly level?: LogLevelName;
  /** Where each JSON line goes instead of stdout/stderr (no trailing newline). */
  readonly write?: (line: string) => void;
  /** Keys on every line of this logger and its children. */
  readonly keys?: Readonly<Record<string, unknown>>;
}

/**
 * A Powertools Logger printing to a function instead of the process's streams. Powertools
 * has no stream option, so this overrides its documented extension points: `printLog`
 * (the last step, after level checks and formatting) and `createLogger` (so children
 * created by `createChild` write to the same sink).
 */
class SinkLogger extends Logger {
  readonly #write: (line: string) => void;

  constructor(write: (line: string) => void, options: ConstructorParameters<typeof Logger>[0]) {
    super(options);
    this.#write = write;
  }

  protected override printLog(_logLevel: number, log: LogItem): void {
    log.prepareForPrint();
    this.#write(escapeLineSeparators(JSON.stringify(log.getAttributes(), this.getJsonReplacer())));
  }

  protected override createLogger(options?: ConstructorParameters<typeof Logger>[0]): Logger {
    return new SinkLogger(this.#write, options);
  }
}

/**
 * Makes a root logger; build it once at module scope and derive children per scope.
 *
 * @example
 * const logger = createLogger({ level: config.logLevel });        // handlers/consumer.ts
 * const chunkLog = logger.createChild({ persistentKeys: { jobId, chunkId } });
 * chunkLog.info('chunk consumed', { succeeded: 98, failed: 2 });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const constructorOptions = {
    serviceName: SERVICE_NAME,
    ...(options.level === undefined ? {} : { logLevel: options.level.toUpperCase() as Uppercase<LogLevelName> }),
    ...(options.keys === undefined ? {} : { persistentKeys: { ...options.keys } }),
  };
  return options.write === undefined ? new Logger(constructorOptions) : new SinkLogger(options.write, constructorOptions);
}

/**
 * A child of `parent` for one Lambda invocation: every line carries the request id
 * (`function_request_id`) and the function's name, memory and cold start. A child per
 * invocation keeps the context off the shared root, should invocations ever overlap.
 */
export function invocationLogger(parent: Logger, context: Parameters<Logger['addContext']>[0]): Logger {
  const child = parent.createChild();
  child.addContext(context);
  return child;
}
