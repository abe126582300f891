import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** How long a child gets between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 5_000;

/**
 * Finds a free TCP port on 127.0.0.1 by listening on port 0 and closing again. Used
 * only for programs that cannot report the port they bound (serverless-offline
 * prints `:0`); the small window before the program binds it is accepted.
 */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Children still running; killed synchronously if this process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Children run in their own process groups (so a stop reaches their workers), which
  // also means a terminal's Ctrl-C does not reach them: an exit without `stop()`
  // (an uncaught error, process.exit) must not leave them behind.
  process.once('exit', () => {
    for (const running of live) signalGroup(running, 'SIGKILL');
  });
}

/** A started child process and how to stop it. */
export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the child has exited (after SIGTERM, SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** Resolves with the exit code (or signal name) when the child exits for any reason. */
  readonly exited: Promise<number | string | null>;
}

/**
 * Spawns `command` and returns it as a {@link ManagedProcess}. The child gets its
 * own process group so that stopping it also stops anything it started (npx, the
 * handler workers of serverless-offline).
 */
export function startProcess(name: string, command: string, args: readonly string[], options: SpawnOptions): ManagedProcess {
  const child = spawn(command, args, { ...options, detached: true });
  track(child);
  const exited = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal));
    child.once('error', () => resolve(null));
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    // Workers left behind in the group must not outlive the stack either.
    signalGroup(child, 'SIGKILL');
  };
  return { name, child, stop, exited };
}

/** Sends `signal` to the child's whole process group; ignores a group already gone. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: nothing left to signal.
  }
}

/**
 * Resolves with the first output line (stdout or stderr) of `child` that `accept` maps to a value;
 * rejects when the child exits first or after `timeoutMs`. `log` receives every
 * output line (stdout and stderr), for diagnostics.
 */
export async function waitForLine<T>(
  managed: ManagedProcess,
  accept: (line: string) => T | undefined,
  timeoutMs: number,
  log: (line: string) => void = () => {},
): Promise<T> {
  const { child } = managed;
  return await new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`${managed.name} did not become ready within ${timeoutMs} ms`))),
      timeoutMs,
    );
    const onLine = (line: string): void => {
      log(line);
      const value = accept(line);
      if (value !== undefined) finish(() => resolve(value));
    };
    if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
    if (child.stderr) createInterface({ input: child.stderr }).on('line', onLine);
    void managed.exited.then((code) => finish(() => reject(new Error(`${managed.name} exited (${String(code)}) before it was ready`))));
  });
}
