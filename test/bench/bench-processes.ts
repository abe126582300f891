/**
 * Child processes of the harness: every one is registered here so that the end of
 * the run, an error or a signal kills them all (by pid, each one we started).
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const live = new Set<ChildProcess>();

/** Kills every child still running. Synchronous, so it also works in an `exit` handler. */
export function killAllChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

function spawnTracked(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options);
  live.add(child);
  child.on('exit', () => live.delete(child));
  return child;
}

/** Which core a process is pinned to, or how it runs when pinning is impossible. */
export interface Pinning {
  /** Prefix for a command pinned to the client's core (`taskset -c 0`), or empty. */
  readonly client: readonly string[];
  /** Prefix for the target server's core (`taskset -c 1`), or empty. */
  readonly server: readonly string[];
  /** A line for the report. */
  readonly description: string;
}

/** Pins the client to core 0 and the server to core 1 when taskset and two cores are there. */
export function choosePinning(): Pinning {
  const cores = availableParallelism();
  const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  if (!hasTaskset) {
    return { client: [], server: [], description: 'not pinned (taskset unavailable): figures are noisier' };
  }
  if (cores < 2) {
    return {
      client: ['taskset', '-c', '0'],
      server: ['taskset', '-c', '0'],
      description: 'client and server share core 0 (one core): the server competes with the client',
    };
  }
  return {
    client: ['taskset', '-c', '0'],
    server: ['taskset', '-c', '1'],
    description: 'client on core 0, target server on core 1 (taskset)',
  };
}

function withPrefix(prefix: readonly string[], command: string, args: readonly string[]): [string, string[]] {
  const [head, ...rest] = prefix;
  return head === undefined ? [command, [...args]] : [head, [...rest, command, ...args]];
}

/** How a child ended and what it printed. */
export interface ChildOutcome {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/**
 * Runs `command args` under the pinning prefix, collecting its output, and kills it
 * after `limitMs` (a client stuck forever must not stall the whole benchmark).
 */
export function runChild(
  prefix: readonly string[],
  command: string,
  args: readonly string[],
  limitMs: number,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChildOutcome> {
  const [file, argv] = withPrefix(prefix, command, args);
  return new Promise((resolve, reject) => {
    const child = spawnTracked(file, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      // Keep the tail only: a crash's last lines are what the report shows.
      stderr = (stderr + chunk).slice(-20_000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Counters since the server started. */
export interface ServerStats {
  readonly requests: number;
  /** Requests left hanging on purpose. */
  readonly hung: number;
  /** 503s answered on purpose (`/b...` and `/s...` paths). */
  readonly unavailable: number;
  /** Connections accepted. */
  readonly connections: number;
  /** The server's CPU time (user + system). */
  readonly cpuMs: number;
}

/** When each request arrived at the target server (`--record-arrivals`), since the last ask. */
export interface ServerArrivals {
  /** The earliest request of any kind (robots.txt included), server ms; null when none came. */
  readonly first: number | null;
  /** Arrival times (server ms, in order) of every request but robots.txt, by `Host` name. */
  readonly hosts: Readonly<Record<string, readonly number[]>>;
  /** robots.txt requests. */
  readonly robots: number;
}

/** What the target server does besides answering after the latency. */
export interface TargetOptions {
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly bodyBytes: number;
  /** Answer `/robots.txt`, with these `Crawl-delay` seconds by host name. */
  readonly robots?: ReadonlyMap<string, number>;
  /** Note each request's arrival for {@link TargetServer.arrivals}. */
  readonly recordArrivals?: boolean;
  /** Percent of `/s...` requests answered 503 (see target-server.ts). */
  readonly sporadic503Pct?: number;
}

/** The running target server. */
export interface TargetServer {
  readonly port: number;
  stats(): Promise<ServerStats>;
  /** The arrivals since the last call, which starts the record afresh (needs `recordArrivals`). */
  arrivals(): Promise<ServerArrivals>;
  stop(): Promise<void>;
}

/** Starts `target-server.ts` under the server's pinning and waits for its port. */
export function startTargetServer(prefix: readonly string[], options: TargetOptions, cwd: string): Promise<TargetServer> {
  const script = join(__dirname, 'target-server.ts');
  const [file, argv] = withPrefix(prefix, process.execPath, [
    '--import',
    'tsx',
    script,
    '--latency-ms',
    String(options.latencyMs),
    '--body-bytes',
    String(options.bodyBytes),
    '--jitter-ms',
    String(options.jitterMs),
    ...(options.robots === undefined ? [] : ['--robots']),
    ...[...(options.robots ?? [])].flatMap(([name, seconds]) => ['--crawl-delay', `${name}=${seconds}`]),
    ...(options.recordArrivals === true ? ['--record-arrivals'] : []),
    ...(options.sporadic503Pct === undefined ? [] : ['--sporadic-503-pct', String(options.sporadic503Pct)]),
  ]);
  // stdin is a pipe on purpose: its end (our exit, even a crash) stops the server.
  const child = spawnTracked(file, argv, { cwd, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = (what: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`target server: no ${what} within 30 s`)), 30_000);
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });

  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`target server exited early with code ${code}`)));
    nextLine('port').then((line) => {
      const { port } = JSON.parse(line) as { port: number };
      const ask = async <T>(command: string): Promise<T> => {
        const reply = nextLine(command);
        child.stdin!.write(`${command}\n`);
        return JSON.parse(await reply) as T;
      };
      resolve({
        port,
        stats: () => ask<ServerStats>('stats'),
        arrivals: () => ask<ServerArrivals>('arrivals'),
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            child.stdin!.end();
          }),
      });
    }, reject);
  });
}
