import { createReadStream } from 'node:fs';
import { UsageError } from '../errors';
import type { FanoutClient } from '../client/fanout-client';
import type { JobStatus } from '../jobs/ports';
import { API_OPTIONS, clientFrom } from './api-options';
import { CommandLineError, parseCommandLine, type CommandSpec } from './command-line';
import { readUrlLines } from '../io/read-url-lines';
import { bar } from './progress';
import type { CliIo, Command } from './io';
import { jsonLine } from '../io/json-line';

/** Seams for tests. */
export interface ApiCommandDeps {
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** `fanout submit`: its options and help. */
export const SUBMIT_SPEC: CommandSpec = {
  name: 'submit',
  summary: "post a job to the pipeline's API: the URLs of a file (one per line), of stdin (-),\nor of a manifest already in S3",
  usage: ['<file|-|s3://bucket/key> [options]'],
  options: [
    {
      name: 'options',
      type: 'string',
      value: 'JSON',
      help: 'job options as a JSON object, checked by the API,\ne.g. \'{"hostRate":"5/s","perHost":2,"robots":true}\'',
    },
    { name: 'wait', type: 'boolean', help: 'show progress until the job ends, then print its final status;\nexit 1 if the job failed' },
    { name: 'interval-ms', type: 'string', value: 'MS', help: 'with --wait, how often to ask for the status (default 1000)' },
    ...API_OPTIONS,
  ],
};

/** Reads the URL lines of a file or stdin, with the same rules as `fanout fetch` (blank lines and `#` comments skipped). */
async function readUrls(file: string, io: CliIo): Promise<string[]> {
  const urls: string[] = [];
  try {
    const input = file === '-' ? io.stdin : createReadStream(file);
    for await (const { url } of readUrlLines(input)) urls.push(url);
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (urls.length === 0) throw new UsageError(`${file} holds no URLs`);
  return urls;
}

function progressLine(s: JobStatus): string {
  return `${s.jobId} ${s.state}: ${s.succeeded + s.failed}/${s.total} URLs (${s.succeeded} ok, ${s.failed} failed), chunks ${s.chunks.done}/${s.chunks.total}`;
}

/** Plain progress lines (stderr not a terminal) at most this often, besides state changes. */
const PLAIN_EVERY_MS = 10_000;

/**
 * Polls until the job is done or failed. On a terminal, a bar redrawn in place;
 * elsewhere a line when the state changes and at most one every 10 s otherwise.
 */
async function waitFor(
  client: FanoutClient,
  jobId: string,
  io: CliIo,
  intervalMs: number,
  sleep: (ms: number) => Promise<void>,
): Promise<JobStatus> {
  const tty = io.stderr.isTTY === true;
  let lastState = '';
  let lastLineAt = 0;
  for (;;) {
    const status = await client.getJob(jobId);
    const ended = status.state === 'done' || status.state === 'failed';
    if (tty) {
      io.stderr.write(
        `\r\x1b[2K${bar(status.succeeded + status.failed, status.total > 0 ? status.total : null)}${progressLine(status)}${ended ? '\n' : ''}`,
      );
    } else if (status.state !== lastState || ended || Date.now() - lastLineAt >= PLAIN_EVERY_MS) {
      io.stderr.write(`${progressLine(status)}\n`);
      lastLineAt = Date.now();
    }
    lastState = status.state;
    if (ended) return status;
    await sleep(intervalMs);
  }
}

/** `--options JSON`: a JSON object of job options (the API checks each). */
function jobOptionsFlag(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`Expected --options to be a JSON object such as '{"hostRate":"5/s"}', got \`${text}\``);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`Expected --options to be a JSON object such as '{"hostRate":"5/s"}', got \`${text}\``);
  }
  return value as Record<string, unknown>;
}

/**
 * `fanout submit <file> [--options JSON] [--endpoint URL] [--api-key K] [--wait]`: posts
 * the file's URLs (one per line; `-` reads stdin; an `s3://` argument submits that
 * manifest) with the job options given (`--options '{"hostRate":"5/s","perHost":2}'`,
 * checked by the API) and prints the API's answer as JSON; its warnings also go to stderr. With `--wait`, shows progress until the job ends, then prints
 * the final status and where the results are; exits 1 if the job failed.
 */
export function createSubmitCommand(deps: ApiCommandDeps = {}): Command {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (argv, io) => {
    const { values, positionals } = parseCommandLine(SUBMIT_SPEC, argv);
    const [file, ...extra] = positionals;
    if (file === undefined) throw new CommandLineError('missing the file of URLs (or - for stdin, or s3://bucket/key)');
    if (extra.length > 0) throw new CommandLineError(`expected one file of URLs, got ${positionals.length}: ${positionals.join(' ')}`);
    const intervalMs = Number(values['interval-ms'] ?? 1000);
    if (!Number.isInteger(intervalMs) || intervalMs < 1) {
      throw new UsageError(`Expected --interval-ms to be a positive integer, got \`${String(values['interval-ms'])}\``);
    }
    const client = clientFrom(values, io, deps.fetch);
    const options = jobOptionsFlag(values['options'] as string | undefined);
    const source = file.startsWith('s3://') ? { manifest: file } : { urls: await readUrls(file, io) };
    const reply = await client.submitJob(options === undefined ? source : { ...source, options });
    for (const warning of reply.warnings ?? []) io.stderr.write(`warning: ${warning.code}: ${warning.message}\n`);
    if (values['wait'] !== true) {
      io.stdout.write(jsonLine(reply));
      return 0;
    }
    io.stderr.write(`submitted ${reply.jobId}: ${reply.total ?? '?'} URLs in ${reply.chunks ?? '?'} chunks\n`);
    const status = await waitFor(client, reply.jobId, io, intervalMs, sleep);
    io.stdout.write(jsonLine(status));
    io.stderr.write(
      status.state === 'done'
        ? `results: ${reply.resultsUrl} (fanout results ${reply.jobId} --out results.jsonl)\n`
        : `job failed: ${status.reason ?? 'unknown reason'}\n`,
    );
    return status.state === 'done' ? 0 : 1;
  };
}

/** `fanout submit`, wired for main.ts. */
export const submitCommand: Command = createSubmitCommand();
