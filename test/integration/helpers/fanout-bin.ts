import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { FANOUT_BIN } from '../../support/build-cli';

/** How a run of the bin ended. */
export interface BinRun {
  /** The exit code, or null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the `fanout` bin (the build the integration setup made) to the end; `options`
 * sets its environment (default: this process's) and current folder.
 */
export function runFanout(
  args: readonly string[],
  stdin?: string,
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<BinRun> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [FANOUT_BIN, ...args], { timeout: 20_000, ...options }, (err, stdout, stderr) => {
      const failure = err as { code?: number | string; signal?: NodeJS.Signals } | null;
      resolve({
        code: failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null,
        signal: failure?.signal ?? null,
        stdout,
        stderr,
      });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** Starts the bin and leaves it running: for tests that signal it. `ended` settles when it exits. */
export function startFanout(args: readonly string[]): { child: ChildProcess; ended: Promise<BinRun> } {
  const child = spawn(process.execPath, [FANOUT_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const ended = new Promise<BinRun>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, ended };
}
