import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { resolveEngineConfig, type EngineConfig, type EngineConfigInput } from '../config/engine-config';
import { readCaFile } from '../config/ca-file';
import { ConfigError, UsageError } from '../errors';
import { createEngine } from '../fetch/engine';
import { JsonlWriter } from '../io/jsonl-writer';
import { readUrlLines } from '../io/read-url-lines';
import { diagnosticsLogger, logFailure } from './diagnostics';
import type { CliIo } from './io';
import { Progress } from './progress';
import { prepareResumeFile, readResumeFile, type ResumeState } from './resume-file';
import { checkResumeInput, skipDone } from './resume-input';
import { readPrevious, withChangeSince, withConditions } from './since';
import { abortOnStopSignals, STOPPED_EXIT_CODE } from './stop-signals';

/**
 * After Ctrl-C, how long requests already in flight may finish before they are
 * cut: long enough for answers on their way, short enough that nobody waits.
 */
const STOP_GRACE_MS = 2000;

/** Flags of `fanout fetch` that map one to one onto engine config keys. */
const NUMBER_FLAGS = {
  concurrency: 'concurrency',
  'per-host': 'perHost',
  'timeout-ms': 'timeoutMs',
  'connect-timeout-ms': 'connectTimeoutMs',
  'dns-timeout-ms': 'dnsTimeoutMs',
  'max-sockets': 'maxSockets',
  'headers-timeout-ms': 'headersTimeoutMs',
  'body-timeout-ms': 'bodyTimeoutMs',
  retries: 'retries',
  'max-bytes': 'maxBytes',
  'max-redirects': 'maxRedirects',
  'host-burst': 'hostBurst',
  'max-host-errors': 'maxHostErrors',
} as const satisfies Record<string, keyof EngineConfig>;

/** Flags that take a rate (`50/s`, `30/m`, `0.5/s`). */
const RATE_FLAGS = { 'host-rate': 'hostRate', rate: 'rate' } as const satisfies Record<string, keyof EngineConfig>;

const FLAG_OF: Partial<Record<keyof EngineConfig, string>> = {
  ...Object.fromEntries(Object.entries(NUMBER_FLAGS).map(([flag, key]) => [key, `--${flag}`])),
  ...Object.fromEntries(Object.entries(RATE_FLAGS).map(([flag, key]) => [key, `--${flag}`])),
  maxHostWaitMs: '--max-host-wait',
  allowNet: '--allow-net',
  dnsServers: '--dns-server',
  hash: '--no-hash',
  userAgent: '--user-agent',
  ca: '--ca',
};

export const FETCH_USAGE = `usage: fanout fetch [options] <file|->
  --concurrency N          requests in flight at most (default 64)
  --per-host N             requests in flight per host at most (default 8)
  --timeout-ms MS          total time per attempt (default 30000)
  --connect-timeout-ms MS  time to connect, once the name has resolved (default 10000)
  --dns-timeout-ms MS      time for one DNS lookup (default 5000)
  --dns-server IP[:PORT]   name server to ask (repeatable; default: the system's)
  --max-sockets N          sockets open at once at most (default: 3/4 of ulimit -n)
  --headers-timeout-ms MS  time from request to response headers (default 30000)
  --body-timeout-ms MS     longest gap between body chunks (default 30000)
  --retries N              retries after the first attempt (default 2)
  --max-bytes N            decoded body bytes at most (default 10485760)
  --max-redirects N        redirect hops at most (default 5)
  --host-rate RATE         requests started per second per host at most: N/s, N/m or N/h,
                           fractions allowed (0.5/s); default: no limit
  --host-burst N           requests a host may get back to back after a quiet spell (default 1)
  --rate RATE              requests started per second in the whole run at most (default: no limit)
  --max-host-wait TIME     total time a host may keep us waiting by throttling (429, 503,
                           Retry-After) before its remaining URLs get HOST_THROTTLED: 90s, 15m, 1h
                           (default 15m)
  --max-host-errors N      connection failures in a row after which a host's remaining URLs get
                           HOST_UNAVAILABLE untried; 0: never (default 30)
  --robots                 obey robots.txt: disallowed URLs get ROBOTS_DISALLOWED, Crawl-delay
                           caps the host's rate
  --allow-net HOST[:PORT]  let the network guard through to this host (repeatable)
  --ca FILE                also trust the CA certificates in this PEM file (added to the
                           default roots, not replacing them)
  --user-agent UA          User-Agent header
  --out FILE               write JSONL results here (default stdout)
  --resume                 with --out: keep the answered records of an earlier, stopped
                           run in that file, fetch the other lines and append them
  --since FILE             conditional re-fetch against an earlier run's records: send
                           If-None-Match/If-Modified-Since, add "change" to each record
  --no-hash                skip sha256 of bodies
  --json                   print a JSON summary line to stdout at the end
  --no-progress            no progress on stderr
  --log-level LEVEL        diagnostics on stderr as JSON lines: error, warn, info, debug
                           (info: run start and end; debug: also one line per failed URL)`;

/** `fanout fetch`: the engine in one process, results as JSON lines. */
export async function fetchCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFetchArgs(argv);
  if (positionals.length !== 1) {
    throw new UsageError(`expected one input file (or - for stdin), got ${positionals.length}`);
  }
  const inputPath = positionals[0] as string;
  const config = configFromFlags(values);
  const log = diagnosticsLogger(values['log-level'], io.stderr);

  if (values.since !== undefined && values.hash === false) {
    throw new UsageError('--since compares bodies by sha256: it cannot be used with --no-hash');
  }
  const previous = values.since === undefined ? null : await readPrevious(values.since as string);
  const resume = values.resume === true ? await resumeFrom(values.out as string | undefined, inputPath, config.maxUrlLength) : null;
  const input = inputPath === '-' ? io.stdin : await openInput(inputPath);
  const out = values.out === undefined ? io.stdout : await openOutput(values.out as string, resume === null ? 'w' : 'a');
  const writer = new JsonlWriter(out, values.out === undefined ? 'stdout' : (values.out as string));
  const progress = values.progress === false ? null : new Progress(io.stderr);
  const skipped = resume?.done.size ?? 0;
  if (progress !== null && inputPath !== '-') void countLines(inputPath).then((n) => (progress.total = n - skipped));
  const lines = readUrlLines(input, config.maxUrlLength);
  const pending = resume === null ? lines : skipDone(lines, resume.done);
  const changes = { new: 0, changed: 0, unchanged: 0, gone: 0 };

  const engine = createEngine(config);
  const stop = new AbortController();
  const stopListening = abortOnStopSignals(stop);
  const cpuBefore = process.cpuUsage();
  let bytes = 0;
  log.info('run started', {
    input: inputPath,
    concurrency: config.concurrency,
    perHost: config.perHost,
    retries: config.retries,
    timeoutMs: config.timeoutMs,
  });
  try {
    const summary = await engine.run(previous === null ? pending : withConditions(pending, previous), {
      signal: stop.signal,
      stopGraceMs: STOP_GRACE_MS,
      onStart: (view) => progress?.watch(view),
      onResult(result) {
        bytes += result.bytes;
        logFailure(log, result);
        progress?.record(result.ok);
        if (previous === null) return writer.write(result);
        const record = withChangeSince(result, previous);
        if (record.change) changes[record.change]++;
        return writer.write(record);
      },
    });
    const cpu = process.cpuUsage(cpuBefore);
    progress?.stop();
    if (stop.signal.aborted) log.warn('stopped by a signal: URLs not started are recorded as NOT_ATTEMPTED');
    const { total, ok, failed, notAttempted, errors, elapsedMs } = summary;
    log.info('run finished', { total, ok, failed, notAttempted, errors, elapsedMs });
    await writer.close();
    if (values.json === true) {
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const seconds = summary.elapsedMs / 1000;
      io.stdout.write(
        JSON.stringify({
          total: summary.total,
          ok: summary.ok,
          failed: summary.failed,
          not_attempted: summary.notAttempted,
          ...(resume === null ? {} : { skipped }),
          ...(previous === null ? {} : { changes }),
          errors: summary.errors,
          hosts: {
            throttled: summary.hosts.throttled,
            paused_s: round(summary.hosts.pausedMs / 1000, 1),
            unavailable: summary.hosts.unavailable,
            gave_up: summary.hosts.gaveUp,
          },
          elapsed_s: round(seconds, 3),
          requests_per_s: round(seconds > 0 ? summary.total / seconds : 0, 1),
          bytes,
          mib_per_s: round(seconds > 0 ? bytes / 1048576 / seconds : 0, 1),
          cpu_ms: round(cpuMs, 1),
          cpu_us_per_request: round(summary.total > 0 ? (cpuMs * 1000) / summary.total : 0, 2),
          max_rss_mib: round(process.resourceUsage().maxRSS / 1024, 1),
        }) + '\n',
      );
    }
    return stop.signal.aborted ? STOPPED_EXIT_CODE : 0;
  } finally {
    stopListening();
    progress?.stop();
    await engine.close();
  }
}

function parseFetchArgs(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      allowNegative: true,
      strict: true,
      options: {
        ...Object.fromEntries(
          [...Object.keys(NUMBER_FLAGS), ...Object.keys(RATE_FLAGS)].map((flag) => [flag, { type: 'string' as const }]),
        ),
        'max-host-wait': { type: 'string' },
        robots: { type: 'boolean' },
        'allow-net': { type: 'string', multiple: true },
        'dns-server': { type: 'string', multiple: true },
        'user-agent': { type: 'string' },
        ca: { type: 'string' },
        out: { type: 'string' },
        resume: { type: 'boolean' },
        since: { type: 'string' },
        hash: { type: 'boolean' },
        json: { type: 'boolean' },
        progress: { type: 'boolean' },
        'log-level': { type: 'string' },
      },
    });
  } catch (err) {
    // node:util's messages may run over several lines (a value starting with a dash); a usage error is one.
    throw new UsageError((err as Error).message.replace(/\s*\n\s*/g, ' '));
  }
}

function configFromFlags(values: Record<string, unknown>): EngineConfig {
  const input: EngineConfigInput = {};
  for (const [flag, key] of [...Object.entries(NUMBER_FLAGS), ...Object.entries(RATE_FLAGS)]) {
    if (values[flag] !== undefined) input[key] = values[flag];
  }
  if (values['max-host-wait'] !== undefined) input.maxHostWaitMs = parseDurationFlag(values['max-host-wait'] as string, '--max-host-wait');
  if (values.robots === true) input.robots = true;
  if (values['allow-net'] !== undefined) input.allowNet = values['allow-net'];
  if (values['dns-server'] !== undefined) input.dnsServers = values['dns-server'];
  if (values['user-agent'] !== undefined) input.userAgent = values['user-agent'];
  if (values.hash === false) input.hash = false;
  try {
    if (values.ca !== undefined) input.ca = readCaFile(values.ca as string, '--ca');
    return resolveEngineConfig(input, (key) => FLAG_OF[key] ?? key);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

async function openInput(path: string): Promise<Readable> {
  const info = await stat(path).catch(() => null);
  if (info === null || !info.isFile()) throw new UsageError(`cannot read input file ${path}`);
  return createReadStream(path, { highWaterMark: 256 * 1024 });
}

/**
 * `--resume`: reads the earlier run's `--out` file, checks it against the input
 * (a second read of the input file, before any request) and leaves only its kept
 * records in it. Stdin cannot be read twice, so it is refused.
 */
async function resumeFrom(out: string | undefined, inputPath: string, maxUrlLength: number): Promise<ResumeState> {
  if (out === undefined) throw new UsageError('--resume needs --out FILE, the results file of the run to resume');
  if (inputPath === '-') throw new UsageError('--resume needs an input file, not - (the input is read twice)');
  const state = await readResumeFile(out);
  await checkResumeInput(state, readUrlLines(await openInput(inputPath), maxUrlLength), inputPath);
  await prepareResumeFile(state).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot write output file ${out}: ${err.code ?? String(err)}`);
  });
  return state;
}

/**
 * Opens the results file before any request, so that a path that cannot be written
 * is refused up front rather than after the work is done: truncated (`w`), or
 * appended to (`a`) when resuming.
 */
async function openOutput(path: string, flags: 'w' | 'a'): Promise<Writable> {
  try {
    return (await open(path, flags)).createWriteStream();
  } catch (err) {
    throw new UsageError(`cannot write output file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Counts the URL lines of a file for the progress total (a quick second read). */
async function countLines(path: string): Promise<number> {
  let count = 0;
  for await (const _ of readUrlLines(createReadStream(path, { highWaterMark: 1024 * 1024 }))) count++;
  return count;
}

/** `90s`, `15m`, `1h`, `500ms` as milliseconds; a usage error names the flag otherwise. */
function parseDurationFlag(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (match === null) throw new UsageError(`Expected \`${flag}\` to be a duration such as 90s, 15m or 1h, got \`${value}\``);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * unit);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
