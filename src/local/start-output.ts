/**
 * What `npm start` prints while it works. Starting the stack makes every process
 * talk (the emulators, serverless-offline's own route box, a line per warm-up
 * invocation): that is held back, shown only if the start fails or at
 * `FANOUT_LOG_LEVEL=debug`, so the banner is the first thing a user reads. Once the
 * stack is up, what the functions print is shown as it comes.
 */
import { logLevel } from '../config/app-config';
import type { LogLevelName } from '../observability/logger';

/** Lines held back at most while starting: the latest ones, enough to see why a start failed. */
const MAX_HELD = 500;

/** The emulators' own request lines: noise once the stack is up, unless at debug. */
const EMULATOR_CHATTER = '[fauxqs]';

/** Options of {@link StartOutput}. */
export interface StartOutputOptions {
  /** `debug` or `trace` show every line as it comes; other levels hold the start's lines back. */
  readonly level: LogLevelName;
  readonly write: (line: string) => void;
  readonly maxHeld?: number;
}

/**
 * The local stack's output sink: holds lines back until {@link up}, then passes them
 * through.
 *
 * @example
 * const output = new StartOutput({ level: 'info', write: (line) => process.stdout.write(`${line}\n`) });
 * const stack = await startLocalStack({ log: (line) => output.line(line) });
 * output.up();
 */
export class StartOutput {
  #held: string[] | undefined = [];
  readonly #debug: boolean;

  constructor(private readonly options: StartOutputOptions) {
    this.#debug = options.level === 'debug' || options.level === 'trace';
  }

  /** One line of some process's output. */
  line(text: string): void {
    if (this.#debug) {
      this.options.write(text);
    } else if (this.#held !== undefined) {
      this.#held.push(text);
      if (this.#held.length > (this.options.maxHeld ?? MAX_HELD)) this.#held.shift();
    } else if (!text.startsWith(EMULATOR_CHATTER)) {
      this.options.write(text);
    }
  }

  /** The stack is up: what was held back is dropped, later lines are shown. */
  up(): void {
    this.#held = undefined;
  }

  /** The lines held back so far (the latest ones), to show when the start fails. */
  held(): readonly string[] {
    return this.#held ?? [];
  }
}

/**
 * `FANOUT_LOG_LEVEL` (one of Powertools' levels, any case; default `info`): the local
 * stack's level, and the functions' unless `POWERTOOLS_LOG_LEVEL` is set.
 */
export function startLogLevel(env: Readonly<Record<string, string | undefined>>): LogLevelName {
  return logLevel(env, ['FANOUT_LOG_LEVEL']);
}
