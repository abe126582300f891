import { join } from 'node:path';
import { startProcess, waitForLine, type ManagedProcess } from './processes';

/** Loopback endpoints of the running emulators, for SDK clients' `endpoint`. */
export interface EmulatorEndpoints {
  /** fauxqs: SQS and S3 on one port. */
  readonly sqs: string;
  readonly s3: string;
  /** dynalite. */
  readonly dynamodb: string;
}

/** Running emulators; `stop` ends both processes. */
export interface Emulators {
  readonly endpoints: EmulatorEndpoints;
  readonly processes: readonly ManagedProcess[];
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const EMULATOR_SCRIPT = join(__dirname, 'emulator-process.mjs');

async function startEmulator(kind: 'fauxqs' | 'dynalite', log: (line: string) => void): Promise<{ process: ManagedProcess; url: string }> {
  const managed = startProcess(kind, process.execPath, [EMULATOR_SCRIPT, kind], {
    // stdin is a pipe the emulator watches: when this process dies, the pipe closes
    // and the emulator exits with it.
    stdio: ['pipe', 'pipe', 'pipe'],
    // fauxqs prints an SQLite ExperimentalWarning; it is noise here.
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  try {
    const port = await waitForLine(
      managed,
      (line) => {
        if (!line.startsWith('{')) return undefined;
        const parsed = JSON.parse(line) as { port?: unknown };
        return typeof parsed.port === 'number' ? parsed.port : undefined;
      },
      READY_TIMEOUT_MS,
      (line) => log(`[${kind}] ${line}`),
    );
    return { process: managed, url: `http://127.0.0.1:${port}` };
  } catch (error) {
    await managed.stop();
    throw error;
  }
}

/**
 * Starts fauxqs (SQS + S3) and dynalite (DynamoDB) in child processes on free
 * loopback ports. Each stops when `stop` is called or when this process exits.
 *
 * @example
 * const emulators = await startEmulators();
 * const sqs = new SQSClient({ endpoint: emulators.endpoints.sqs, region: 'us-east-1' });
 */
export async function startEmulators(log: (line: string) => void = () => {}): Promise<Emulators> {
  const [fauxqs, dynalite] = await Promise.allSettled([startEmulator('fauxqs', log), startEmulator('dynalite', log)]);
  const started = [fauxqs, dynalite].flatMap((r) => (r.status === 'fulfilled' ? [r.value.process] : []));
  if (fauxqs.status === 'rejected' || dynalite.status === 'rejected') {
    await Promise.all(started.map((p) => p.stop()));
    throw fauxqs.status === 'rejected' ? fauxqs.reason : (dynalite as PromiseRejectedResult).reason;
  }
  return {
    endpoints: { sqs: fauxqs.value.url, s3: fauxqs.value.url, dynamodb: dynalite.value.url },
    processes: started,
    stop: async () => {
      await Promise.all(started.map((p) => p.stop()));
    },
  };
}
