import { createReadStream } from 'node:fs';
import { open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { OutputError, UsageError } from '../errors';
import { readRecords, RecordsFileError } from '../report/read-records';
import { renderReport } from '../report/render-report';
import { ReportAggregator } from '../report/report-summary';
import { API_FLAGS, clientFrom, parseOrUsage, usageOnClientError } from './api-options';
import type { CliIo, Command } from './io';
import type { ApiCommandDeps } from './submit-command';

const USAGE =
  'Usage: fanout report <results.jsonl|-> [--out FILE] [--open] | fanout report --job <jobId> [--out FILE] [--open] [--endpoint URL] [--api-key K]';

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
    const { values, positionals } = parseOrUsage(() =>
      parseArgs({
        args: [...argv],
        allowPositionals: true,
        options: { ...API_FLAGS, job: { type: 'string' }, out: { type: 'string' }, open: { type: 'boolean' } },
      }),
    );
    const [file, ...extra] = positionals;
    if (extra.length > 0 || (file === undefined) === (values.job === undefined)) throw new UsageError(USAGE);
    const outPath = values.out ?? (values.open === true ? join(tmpdir(), `fanout-report-${Date.now()}.html`) : undefined);
    const created = outPath === undefined ? false : await checkWritable(outPath);
    let page: string;
    try {
      page =
        values.job === undefined
          ? await fileReport(file as string, io)
          : await clientFrom(values, io, deps.fetch).getReport(values.job).catch(usageOnClientError);
    } catch (error) {
      // Leave no empty file behind where there was none.
      if (created) await rm(outPath as string, { force: true });
      throw error;
    }
    if (outPath === undefined) {
      io.stdout.write(page);
      return 0;
    }
    await writeFile(outPath, page).catch((error: NodeJS.ErrnoException) => {
      throw new OutputError(`cannot write the report to ${outPath}: ${error.code ?? error.message}`);
    });
    const url = pathToFileURL(resolve(outPath as string)).href;
    if (values.open === true) io.stdout.write(`${url}\n`);
    else io.stderr.write(`report written to ${outPath}\n`);
    return 0;
  };
}

/** `fanout report`, wired for main.ts. */
export const reportCommand: Command = createReportCommand();
