/**
 * Runs one client (the engine CLI or the baseline) over a URL file and reads the
 * one-line JSON summary both print.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runChild } from './bench-processes';
import { benchHostName, CLIENT_KINDS, type ClientKind, type Scenario } from './scenarios';

/** The summary line of `fanout fetch --json` and of the baseline. */
export interface ClientSummary {
  readonly total: number;
  readonly ok: number;
  readonly failed: number;
  readonly elapsed_s: number;
  readonly requests_per_s: number;
  readonly cpu_ms: number;
  readonly cpu_us_per_request: number;
  readonly max_rss_mib: number;
  readonly bytes: number;
}

const REQUIRED_FIELDS: readonly (keyof ClientSummary)[] = [
  'total',
  'ok',
  'failed',
  'elapsed_s',
  'requests_per_s',
  'cpu_ms',
  'cpu_us_per_request',
  'max_rss_mib',
  'bytes',
];

/** One client run: its summary, or why there is none. */
export type ClientRun = { readonly ok: true; readonly summary: ClientSummary } | { readonly ok: false; readonly reason: string };

/** Where the repository's pieces are, relative to the checkout. */
export interface ClientPaths {
  readonly root: string;
  readonly cli: string;
  readonly baseline: string;
}

/** Paths in the checkout `root`. */
export function clientPaths(root: string): ClientPaths {
  return {
    root,
    cli: join(root, 'src', 'cli', 'fanout.cjs'),
    baseline: join(root, 'test', 'bench', 'baseline-client.mts'),
  };
}

/** True when the engine CLI's entry point exists yet (the lead is still building it). */
export function engineCliExists(paths: ClientPaths): boolean {
  return existsSync(paths.cli) && existsSync(join(paths.root, 'src', 'cli', 'main.ts'));
}

/** Where a many-hosts run gets its names: the bench's DNS server and how many names the file uses. */
export interface BenchDns {
  /** `127.0.0.1:<port>` */
  readonly server: string;
  readonly names: number;
}

function argsFor(
  kind: ClientKind,
  scenario: Scenario,
  run: { port: number; urlFile: string; outFile: string; paths: ClientPaths; dns?: BenchDns; hostBurst?: number | null },
): string[] {
  const { port, urlFile, paths, dns } = run;
  if (kind === CLIENT_KINDS.BASELINE) {
    return [
      '--import',
      'tsx',
      paths.baseline,
      '--concurrency',
      String(scenario.concurrency),
      '--timeout-ms',
      String(scenario.timeoutMs),
      ...(dns === undefined ? [] : ['--dns-server', dns.server]),
      urlFile,
    ];
  }
  // The guard refuses loopback: each bench name is let through on the target's port.
  const allowNames = Array.from({ length: dns?.names ?? 0 }, (_, i) => ['--allow-net', `${benchHostName(i)}:${port}`]);
  return [
    paths.cli,
    'fetch',
    '--concurrency',
    String(scenario.concurrency),
    '--per-host',
    String(scenario.manyHosts?.perHost ?? scenario.concurrency),
    '--timeout-ms',
    String(scenario.timeoutMs),
    '--retries',
    String(scenario.unhealthy?.retries ?? 0),
    '--allow-net',
    `127.0.0.1:${port}`,
    ...allowNames.flat(),
    ...(dns === undefined ? [] : ['--dns-server', dns.server]),
    '--out',
    run.outFile,
    '--json',
    '--no-progress',
    ...(kind === CLIENT_KINDS.ENGINE_NO_HASH ? ['--no-hash'] : []),
    ...(kind === CLIENT_KINDS.ENGINE_RATE_LIMITED ? rateFlags(scenario, run.hostBurst ?? null) : []),
    urlFile,
  ];
}

/** The rate-limited engine's flags: the scenario's one `--host-rate`, `--robots` for the hosts' `Crawl-delay`, any `--host-burst`. */
function rateFlags(scenario: Scenario, hostBurst: number | null): string[] {
  const rateLimited = scenario.rateLimited;
  if (rateLimited === undefined) throw new Error(`scenario ${scenario.id} has no rates for ${CLIENT_KINDS.ENGINE_RATE_LIMITED}`);
  return ['--host-rate', `${rateLimited.hostRate}/s`, '--robots', ...(hostBurst === null ? [] : ['--host-burst', String(hostBurst)])];
}

/** Finds the summary: the last stdout line that is a JSON object with every field. */
export function parseSummary(stdout: string): ClientSummary | string {
  const lines = stdout.split('\n').filter((line) => line.trim().startsWith('{'));
  const last = lines.at(-1);
  if (last === undefined) return 'no JSON summary line on stdout';
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(last) as Record<string, unknown>;
  } catch {
    return `summary line is not JSON: ${last.slice(0, 200)}`;
  }
  const missing = REQUIRED_FIELDS.filter((field) => typeof value[field] !== 'number');
  if (missing.length > 0) return `summary lacks numeric field(s) ${missing.join(', ')}: ${last.slice(0, 300)}`;
  return value as unknown as ClientSummary;
}

/**
 * Runs `kind` once over `run.urlFile`, pinned by `prefix`, and returns its summary.
 * A crash, a timeout or a bad summary comes back as `{ ok: false, reason }`.
 */
export async function runClient(
  kind: ClientKind,
  scenario: Scenario,
  run: {
    port: number;
    urlFile: string;
    /** Where the engine writes its records: /dev/null unless they are to be diagnosed. */
    outFile: string;
    prefix: readonly string[];
    limitMs: number;
    paths: ClientPaths;
    dns?: BenchDns;
    /** R's `--host-burst`, when the command line gives one. */
    hostBurst?: number | null;
  },
): Promise<ClientRun> {
  const args = argsFor(kind, scenario, run);
  const fdLimit = scenario.manyHosts?.fdLimit;
  // Under the scenario's `ulimit -n` (bash execs the client, so the limit is the client's own).
  const prefix = fdLimit === undefined ? run.prefix : [...run.prefix, 'bash', '-c', `ulimit -n ${fdLimit} && exec "$0" "$@"`];
  // The engine runs as users run it: the bin itself, whose shebang carries its V8
  // flags (`node` on PATH is the pinned Node 24 under `npm run`).
  const [command, commandArgs] = kind === CLIENT_KINDS.BASELINE ? [process.execPath, args] : [args[0] as string, args.slice(1)];
  const outcome = await runChild(prefix, command, commandArgs, run.limitMs, run.paths.root);
  const tail = outcome.stderr.trim().split('\n').slice(-5).join('\n    ');
  if (outcome.timedOut) {
    return { ok: false, reason: `killed after ${Math.round(run.limitMs / 1000)} s without finishing` };
  }
  if (outcome.code !== 0) {
    return {
      ok: false,
      reason: `exited with ${outcome.code ?? outcome.signal}${tail === '' ? '' : `:\n    ${tail}`}`,
    };
  }
  const summary = parseSummary(outcome.stdout);
  if (typeof summary === 'string') return { ok: false, reason: summary };
  return { ok: true, summary };
}
