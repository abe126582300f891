import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors';
import { bodyProblem, headerProblem, isToken, MAX_REQUEST_BODY_BYTES, methodProblem } from '../fetch/request/request-rules';
import type { RunOptions } from '../fetch/types';
import { ContentStore } from '../io/content-store';
import type { RequestDefaults } from '../io/request-lines';
import type { CommandLine, OptionSpec } from './command-line';

/**
 * `fanout fetch`'s request and response flags: what each request sends (`-H`, `-X`,
 * `--data`), how unsafe methods are retried, and what the records and the disk keep
 * of each response. Everything is checked before the first request: a bad flag is a
 * one-line usage error (exit 2) that never quotes a header's value.
 */

/** The flags, as rows of `fanout fetch`'s option table (src/cli/fetch-options.ts). */
export const REQUEST_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'header',
    short: 'H',
    type: 'string',
    value: "'NAME: VALUE'",
    multiple: true,
    secret: true,
    help: 'send this header with every request (repeatable); -H @FILE reads\none header per line, keeping tokens out of the process list',
  },
  { name: 'method', short: 'X', type: 'string', value: 'METHOD', help: 'GET (default), HEAD, POST, PUT, PATCH, DELETE or OPTIONS' },
  {
    name: 'data',
    type: 'string',
    value: 'STRING|@FILE',
    secret: true,
    help: `send this body, byte for byte (makes a POST unless -X says otherwise;\nContent-Type application/x-www-form-urlencoded unless -H sets one);\nat most ${MAX_REQUEST_BODY_BYTES} bytes`,
  },
  {
    name: 'retry-unsafe',
    type: 'boolean',
    help: 'retry POST and PATCH like GET (default: only when the server cannot\nhave acted on them: connection failed, 408, 425, 429, 503 with Retry-After)',
  },
  { name: 'include-body', type: 'boolean', help: 'put each body in its record: "body" (UTF-8 text) or "bodyBase64"' },
  {
    name: 'include-body-max',
    type: 'string',
    value: 'BYTES',
    help: 'longest body put in a record (default 262144); longer ones get\n"bodyOmitted"',
  },
  { name: 'bodies', type: 'string', value: 'DIR', help: 'write every fully read body to DIR/<sha256[0:2]>/<sha256>' },
  {
    name: 'keep-headers',
    type: 'string',
    value: 'all|NAME,NAME',
    help: 'response headers each record keeps (default: content-type,\ncontent-length, etag, last-modified)',
  },
];

/** What `fanout fetch --help` says of JSON request lines. */
export const REQUEST_LINES_NOTE = [
  'input lines starting with { are JSON requests: {"url", "method", "headers", "body" or',
  '"bodyBase64", "meta"}; their fields win over the flags, "meta" is copied to the record.',
].join('\n');

/** `--include-body-max` when not given. */
export const DEFAULT_INCLUDE_BODY_MAX = 256 * 1024;

/** What the flags ask for. */
export interface RequestOptions {
  /** What every input line's request starts from. */
  readonly defaults: RequestDefaults;
  /** The run options they set. */
  readonly run: Pick<RunOptions, 'includeBody' | 'keepHeaders' | 'bodyStore' | 'retryUnsafe'>;
  /** `--bodies`' store, to check for failures as the run goes. */
  readonly store: ContentStore | null;
}

/**
 * Reads and checks the request flags; `-H @FILE`, `--data @FILE` and `--bodies DIR`
 * are read or made here, before any request.
 *
 * @param values parsed flags ({@link REQUEST_OPTIONS} among the command's options)
 * @throws UsageError with one line saying which flag is wrong and why
 */
export async function requestOptionsFromFlags(values: CommandLine['values']): Promise<RequestOptions> {
  const method = values.method as string | undefined;
  if (method !== undefined) {
    const problem = methodProblem(method);
    if (problem !== null) throw new UsageError(`-X/--method: ${problem}`);
  }
  const headers = await headersFromFlags((values.header as string[] | undefined) ?? []);
  let body: Buffer | undefined;
  if (values.data !== undefined) {
    body = await dataFromFlag(values.data as string);
    const problem = bodyProblem(method ?? 'POST', body.length);
    if (problem !== null) throw new UsageError(`--data: ${problem}`);
  }
  if (values.since !== undefined && method !== undefined && method !== 'GET') {
    throw new UsageError(`--since re-fetches by URL with GET: it cannot be used with -X ${method}`);
  }
  if (values.since !== undefined && body !== undefined) throw new UsageError('--since re-fetches with GET: it cannot be used with --data');
  if (values.bodies !== undefined && values.hash === false) {
    throw new UsageError('--bodies names each file by its sha256: it cannot be used with --no-hash');
  }
  const includeMax = values['include-body-max'] === undefined ? DEFAULT_INCLUDE_BODY_MAX : byteCount(values['include-body-max'] as string);
  if (values['include-body-max'] !== undefined && values['include-body'] !== true) {
    throw new UsageError('--include-body-max needs --include-body');
  }
  const store = values.bodies === undefined ? null : await openStore(values.bodies as string);
  const defaults: RequestDefaults = {
    ...(method !== undefined && { method }),
    ...(Object.keys(headers).length > 0 && { headers }),
    ...(body !== undefined && { body }),
  };
  return {
    defaults,
    store,
    run: {
      ...(values['include-body'] === true && { includeBody: { maxBytes: includeMax } }),
      ...(values['keep-headers'] !== undefined && { keepHeaders: keepHeadersFlag(values['keep-headers'] as string) }),
      ...(store !== null && { bodyStore: store }),
      ...(values['retry-unsafe'] === true && { retryUnsafe: true }),
    },
  };
}

async function headersFromFlags(flags: readonly string[]): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  for (const [i, flag] of flags.entries()) {
    if (flag.startsWith('@')) {
      const path = flag.slice(1);
      const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read -H file ${path}: ${err.code ?? String(err)}`);
      });
      const lines = text.split(/\r?\n/);
      lines.forEach((line, i) => {
        if (line.trim() !== '') addHeader(headers, line, `-H ${path} line ${i + 1}`);
      });
    } else {
      addHeader(headers, flag, `-H #${i + 1}`);
    }
  }
  return headers;
}

/** Adds `Name: value` to `headers` (lower-case name); `where` names the flag for the message, which never shows the value. */
function addHeader(headers: Record<string, string>, text: string, where: string): void {
  const colon = text.indexOf(':');
  if (colon === -1) throw new UsageError(`${where}: a header is "Name: value", and this one has no colon`);
  const name = text.slice(0, colon);
  const value = text.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
  const problem = headerProblem(name, value);
  if (problem !== null) throw new UsageError(`${where}: ${problem}`);
  headers[name.toLowerCase()] = value;
}

async function dataFromFlag(data: string): Promise<Buffer> {
  if (!data.startsWith('@')) return Buffer.from(data, 'utf8');
  const path = data.slice(1);
  return readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read --data file ${path}: ${err.code ?? String(err)}`);
  });
}

function byteCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`Expected \`--include-body-max\` to be a positive whole number of bytes, got \`${text}\``);
  }
  return n;
}

function keepHeadersFlag(text: string): 'all' | string[] {
  if (text.trim() === 'all') return 'all';
  const names = text.split(',').map((name) => name.trim().toLowerCase());
  const bad = names.find((name) => !isToken(name));
  if (bad !== undefined) throw new UsageError(`--keep-headers: ${JSON.stringify(bad)} is not a header name (all, or NAME,NAME)`);
  return names;
}

async function openStore(dir: string): Promise<ContentStore> {
  try {
    return await ContentStore.open(dir);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
