import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SERVERLESS_BIN } from './pipeline-settings';
import { startProcess, waitForLine, type ManagedProcess } from './processes';

/** How to run `serverless offline`. */
export interface OfflineOptions {
  readonly stage: string;
  /** The directory holding serverless.yml. */
  readonly serviceDir: string;
  readonly httpPort: number;
  readonly lambdaPort: number;
  /** Environment for the functions (resource names, emulator endpoints, API key...). */
  readonly env: Readonly<Record<string, string>>;
  /** Rebuild and reload functions when source files change (npm start); off in tests. */
  readonly watch: boolean;
  readonly log: (line: string) => void;
}

/** A running `serverless offline`. */
export interface OfflineProcess {
  readonly process: ManagedProcess;
  readonly httpUrl: string;
  readonly lambdaEndpoint: string;
  stop(): Promise<void>;
}

/** First start bundles every function with esbuild; allow for a slow, shared machine. */
const READY_TIMEOUT_MS = 90_000;

/**
 * Starts `serverless offline` (osls + serverless-offline, functions bundled by
 * serverless-esbuild exactly as for deployment) as a child process run by the
 * current Node binary, listening on 127.0.0.1 on the given ports. Resolves when it
 * prints "Server ready". Each instance bundles into its own folder under
 * `.esbuild-local/`, removed on stop.
 */
export async function startOffline(options: OfflineOptions): Promise<OfflineProcess> {
  const workFolder = join('.esbuild-local', `${options.stage}-${process.pid}-${options.httpPort}`);
  const managed = startProcess(
    'serverless-offline',
    process.execPath,
    [
      SERVERLESS_BIN,
      'offline',
      'start',
      '--stage',
      options.stage,
      '--host',
      '127.0.0.1',
      '--httpPort',
      String(options.httpPort),
      '--lambdaPort',
      String(options.lambdaPort),
      // Handlers get this process's environment (the FANOUT_* variables below).
      '--localEnvironment',
    ],
    {
      cwd: options.serviceDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...options.env,
        FANOUT_ESBUILD_WORK_FOLDER: workFolder,
        ...(options.watch ? {} : { FANOUT_ESBUILD_WATCH: '.esbuild-local/no-watch' }),
        // osls must never try to reach AWS; nothing here needs real credentials.
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'us-east-1',
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
      },
    },
  );
  const stop = async (): Promise<void> => {
    await managed.stop();
    await rm(join(options.serviceDir, workFolder), { recursive: true, force: true });
  };
  try {
    await waitForLine(managed, (line) => (line.includes('Server ready') ? true : undefined), READY_TIMEOUT_MS, options.log);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    process: managed,
    httpUrl: `http://127.0.0.1:${options.httpPort}`,
    lambdaEndpoint: `http://127.0.0.1:${options.lambdaPort}`,
    stop,
  };
}
