import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { UsageError } from '../errors';
import { createEngine } from '../fetch/engine';
import { JsonlWriter } from '../io/jsonl-writer';
import { readUrlLines } from '../io/read-url-lines';
import { CommandLineError, parseCommandLine, secretSpellings } from './command-line';
import { diagnosticsLogger, logFailure } from './diagnostics';
import { jsonSummary, RunNotes } from './fetch-notes';
import { configFromFlags, FETCH_SPEC } from './fetch-options';
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

/** `fanout fetch`: the engine in one process, results as JSON lines. */
export async function fetchCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(FETCH_SPEC, argv);
  if (positionals.length === 0) throw new CommandLineError('missing the input file (or - for stdin)');
  if (positionals.length > 1) throw new CommandLineError(`expected one input file, got ${positionals.length}: ${positionals.join(' ')}`);
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
  const notes = new RunNotes();
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
        notes.see(result);
        logFailure(log, result);
        progress?.record(result);
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
    if (values['json'] === true) {
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const extra = { bytes: notes.bytes, cpuMs, ...(resume === null ? {} : { skipped }), ...(previous === null ? {} : { changes }) };
      io.stdout.write(`${JSON.stringify(jsonSummary(summary, extra))}\n`);
    }
    const command = { argv, input: inputPath, out: values['out'] as string | undefined, secretOptions: secretSpellings(FETCH_SPEC) };
    for (const hint of notes.hints(summary, stop.signal.aborted, command)) io.stderr.write(hint);
    return stop.signal.aborted ? STOPPED_EXIT_CODE : 0;
  } finally {
    stopListening();
    progress?.stop();
    await engine.close();
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
