import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OutputError, UsageError } from '../errors';
import { readRecords, RecordsFileError } from '../report/read-records';
import { renderReport } from '../report/render-report';
import { ReportAggregator } from '../report/report-summary';
import { API_OPTIONS, clientFrom } from './api-options';
import { CommandLineError, parseCommandLine, type CommandSpec } from './command-line';
import type { CliIo, Command } from './io';
import type { ApiCommandDeps } from './submit-command';

/** `fanout report`: its options and help. */
export const REPORT_SPEC: CommandSpec = {
  name: 'report',
  summary: 'an HTML report of a `fanout fetch` results file, or of a pipeline job',
  usage: ['<results.jsonl|-> [--out FILE] [--open]', '--job <jobId> [options]'],
  options: [
    { name: 'job', type: 'string', value: 'ID', help: 'the report of this pipeline job, from the API' },
    { name: 'out', type: 'string', value: 'FILE', help: 'write the page here (default stdout)' },
    {
      name: 'open',
      type: 'boolean',
      help: "print the page's file:// URL on stdout, to open in a browser\n(without --out, the page goes to a new private temporary folder)",
    },
    ...API_OPTIONS,
  ],
};

/** What a job id looks like to the hint below: no path separator, no file extension. */
const LOOKS_LIKE_JOB_ID = /^[A-Za-z0-9_-]{8,128}$/;

/**
 * Checks up front that `path` can be written, so a bad `--out` is a one-line usage
 * error before any work; opens for append so an existing file is not emptied yet.
 * Returns whether the check created the file.
 */
async function checkWritable(path: string): Promise<boolean> {
  const existed = await stat(path).then(
    () => true,
    () => false,
  );
  const handle = await open(path, 'a').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot write ${path}: ${error.code ?? error.message}`);
  });
  await handle.close();
  return !existed;
}

/**
 * `--open` without `--out`: the page in a folder of its own under the temporary
 * directory (made by `mkdtemp`: a name nobody can guess, mode 700), created with
 * `wx` so that nothing there beforehand, a symlink least of all, is followed or
 * overwritten. A fixed or guessable name in a shared /tmp lets another user plant
 * a symlink where the page will be written.
 */
async function writePrivately(page: string): Promise<string> {
  try {
    const dir = await mkdtemp(join(tmpdir(), 'fanout-report-'));
    const path = join(dir, 'report.html');
    await writeFile(path, page, { flag: 'wx', mode: 0o600 });
    return path;
  } catch (error) {
    throw new OutputError(`cannot write the report to the temporary folder: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** Summarises a `fanout fetch` output file in one pass; a missing file or a bad line is a usage error (exit 2). */
async function fileReport(file: string, io: CliIo): Promise<string> {
  if (file !== '-') {
    const found = await stat(file).catch((error: NodeJS.ErrnoException) => {
      const hint = error.code === 'ENOENT' && LOOKS_LIKE_JOB_ID.test(file) ? ` (for a job's report: fanout report --job ${file})` : '';
      throw new UsageError(`Cannot read ${file}: ${error.code ?? error.message}${hint}`);
    });
    if (!found.isFile()) throw new UsageError(`Cannot read ${file}: not a file`);
  }
  const aggregator = new ReportAggregator();
  try {
    for await (const record of readRecords(file === '-' ? io.stdin : createReadStream(file))) aggregator.add(record);
  } catch (error) {
    if (error instanceof RecordsFileError) throw new UsageError(`${file}: ${error.message}`);
    throw new UsageError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const summary = aggregator.summary();
  if (summary.records === 0) throw new UsageError(`${file} holds no result records`);
  return renderReport({ summary, source: { kind: 'file', name: file === '-' ? '(stdin)' : file }, generatedAt: new Date() });
}

/**
 * `fanout report <results.jsonl> [--out FILE] [--open]` makes the HTML report of a
 * `fanout fetch` output file; `fanout report --job <jobId>` fetches a pipeline job's
 * report from the API (`GET /jobs/{jobId}/report`). The page goes to FILE, or stdout;
 * `--open` prints its `file://` URL on stdout (writing to a temporary file when no
 * `--out` is given) for the caller to open; no browser is started.
 */
export function createReportCommand(deps: ApiCommandDeps = {}): Command {
  return async (argv, io) => {
    const { values, positionals } = parseCommandLine(REPORT_SPEC, argv);
    const job = values['job'] as string | undefined;
    const wantsOpen = values['open'] === true;
    const [file, ...extra] = positionals;
    if (extra.length > 0) throw new CommandLineError(`expected one results file, got ${positionals.length}: ${positionals.join(' ')}`);
    if (file === undefined && job === undefined) throw new CommandLineError('missing the results file (or --job ID)');
    if (file !== undefined && job !== undefined) throw new CommandLineError('give a results file or --job ID, not both');
    const givenOut = values['out'] as string | undefined;
    const created = givenOut === undefined ? false : await checkWritable(givenOut);
    let page: string;
    try {
      page = job === undefined ? await fileReport(file as string, io) : await clientFrom(values, io, deps.fetch).getReport(job);
    } catch (error) {
      // Leave no empty file behind where there was none.
      if (created) await rm(givenOut as string, { force: true });
      throw error;
    }
    if (givenOut === undefined && !wantsOpen) {
      io.stdout.write(page);
      return 0;
    }
    const outPath = givenOut ?? (await writePrivately(page));
    if (givenOut !== undefined) {
      await writeFile(givenOut, page).catch((error: NodeJS.ErrnoException) => {
        throw new OutputError(`cannot write the report to ${givenOut}: ${error.code ?? error.message}`);
      });
    }
    const url = pathToFileURL(resolve(outPath)).href;
    if (wantsOpen) io.stdout.write(`${url}\n`);
    else io.stderr.write(`report written to ${outPath}\n`);
    return 0;
  };
}

/** `fanout report`, wired for main.ts. */
export const reportCommand: Command = createReportCommand();
