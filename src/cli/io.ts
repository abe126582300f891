import type { Readable, Writable } from 'node:stream';

/** The process streams a command uses; tests pass their own. */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable & { isTTY?: boolean; columns?: number };
  readonly stderr: Writable & { isTTY?: boolean; columns?: number };
  readonly env: NodeJS.ProcessEnv;
  /** The endpoint and key of the local stack `npm start` runs in this project, if it does. */
  readonly localStack?: { readonly endpoint?: string; readonly apiKey?: string };
}

/**
 * A subcommand: parses its own arguments and returns the exit code.
 * Throws {@link UsageError} (exit 2) for bad usage or config.
 */
export type Command = (argv: readonly string[], io: CliIo) => Promise<number>;
