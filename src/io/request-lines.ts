import { BadRequestError } from '../errors';
import type { RequestSpec } from '../fetch/request/hop-request';
import { bodyProblem, headerProblem, MAX_REQUEST_BODY_BYTES, methodProblem } from '../fetch/request/request-rules';
import type { UrlInput } from '../fetch/types';
import type { Readable } from 'node:stream';
import { readUrlLines } from './read-url-lines';

/**
 * Input lines that start with `{` are JSON requests:
 *
 * ```json
 * {"url": "https://api.example.com/items/7", "method": "POST", "headers": {"Authorization": "Bearer …"},
 *  "body": "{\"q\":1}", "meta": {"id": 7}}
 * ```
 *
 * (`bodyBase64` instead of `body` for bytes that are not text). Other lines stay
 * plain URLs. A line's own fields win over the command line's ({@link RequestDefaults}):
 * headers merge by case-insensitive name, the line's winning. A line that is not a
 * valid request becomes an input the engine reports as BAD_REQUEST, naming what is
 * wrong and never quoting a header's value.
 */

/** What every request gets unless its line says otherwise (the CLI's `-X`, `-H`, `--data`). */
export interface RequestDefaults {
  readonly method?: string;
  /** Lower-case names. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
}

/**
 * The longest JSON request line, in characters: a body at the cap in base64 (4/3 of
 * its bytes) plus 8 KiB for the URL, headers and meta. Plain URL lines keep their
 * own, shorter cut.
 */
export const MAX_REQUEST_LINE_CHARS = Math.ceil((MAX_REQUEST_BODY_BYTES * 4) / 3) + 8 * 1024;

/** The content type a body goes with when no header names one, as curl's `--data` does. */
export const DEFAULT_BODY_CONTENT_TYPE = 'application/x-www-form-urlencoded';

const FIELDS = new Set(['url', 'method', 'headers', 'body', 'bodyBase64', 'meta']);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Whether an input line is a JSON request rather than a URL. */
export function isRequestLine(text: string): boolean {
  return text.startsWith('{');
}

/**
 * Reads an input of URL and JSON request lines into engine input: URLs cut at
 * `maxUrlLength`, request lines at {@link MAX_REQUEST_LINE_CHARS}, each given
 * `defaults` under its own fields.
 */
export function readRequests(stream: Readable, maxUrlLength: number, defaults: RequestDefaults = {}): AsyncGenerator<UrlInput> {
  return withRequests(readUrlLines(stream, maxUrlLength, MAX_REQUEST_LINE_CHARS), defaults);
}

/**
 * The inputs with their requests: JSON lines parsed, every input given the
 * defaults. Plain URL lines with no defaults pass through unchanged.
 */
export async function* withRequests(lines: AsyncIterable<UrlInput>, defaults: RequestDefaults = {}): AsyncGenerator<UrlInput> {
  const plain = requestOf(defaults, undefined, undefined, undefined);
  for await (const input of lines) {
    if (isRequestLine(input.url)) yield parseRequestLine(input.url, input.line, defaults);
    else yield plain === null ? input : { ...input, request: plain };
  }
}

/** One JSON request line as engine input; a bad one carries its BAD_REQUEST in `rejected`. */
export function parseRequestLine(text: string, line: number, defaults: RequestDefaults = {}): UrlInput {
  if (text.length > MAX_REQUEST_LINE_CHARS) {
    return rejected(line, '', undefined, `request line is longer than ${MAX_REQUEST_LINE_CHARS} characters`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // JSON.parse's message quotes the text, which may hold a credential: only the position is kept.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    return rejected(line, '', undefined, `line is not valid JSON${at === undefined ? '' : ` (at character ${Number(at) + 1})`}`);
  }
  return requestInput(value, line, defaults);
}

/**
 * One request object (a parsed JSON line, or an item of a list) as engine input; a
 * bad one carries its BAD_REQUEST in `rejected`, naming the field and never quoting
 * a header's value.
 */
export function requestInput(value: unknown, line: number, defaults: RequestDefaults = {}): UrlInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return rejected(line, '', undefined, 'a request must be a JSON object');
  }
  const fields = value as Record<string, unknown>;
  const url = typeof fields.url === 'string' ? fields.url.trim() : '';
  const meta = fields.meta;
  const fail = (reason: string): UrlInput => rejected(line, url, meta, reason);
  const unknown = Object.keys(fields).find((key) => !FIELDS.has(key));
  if (unknown !== undefined) return fail(`unknown field ${JSON.stringify(unknown)}`);
  if (typeof fields.url !== 'string') return fail('"url" must be a string');
  if (fields.method !== undefined) {
    if (typeof fields.method !== 'string') return fail('"method" must be a string');
    const problem = methodProblem(fields.method);
    if (problem !== null) return fail(problem);
  }
  let headers: Record<string, string> | undefined;
  if (fields.headers !== undefined) {
    if (typeof fields.headers !== 'object' || fields.headers === null || Array.isArray(fields.headers)) {
      return fail('"headers" must be an object of strings');
    }
    headers = {};
    for (const [i, [name, headerValue]] of Object.entries(fields.headers).entries()) {
      const problem = typeof headerValue === 'string' ? headerProblem(name, headerValue) : 'a header value is not a string';
      if (problem !== null) return fail(`"headers" entry ${i + 1}: ${problem}`);
      headers[name.toLowerCase()] = headerValue;
    }
  }
  if (fields.body !== undefined && fields.bodyBase64 !== undefined) return fail('give "body" or "bodyBase64", not both');
  let body: Uint8Array | undefined;
  if (fields.body !== undefined) {
    if (typeof fields.body !== 'string') return fail('"body" must be a string (bodyBase64 for bytes)');
    body = Buffer.from(fields.body, 'utf8');
  } else if (fields.bodyBase64 !== undefined) {
    if (typeof fields.bodyBase64 !== 'string' || !BASE64.test(fields.bodyBase64)) return fail('"bodyBase64" must be base64 text');
    body = Buffer.from(fields.bodyBase64, 'base64');
  }
  const request = requestOf(defaults, fields.method as string | undefined, headers, body);
  const problem = request?.body === undefined ? null : bodyProblem(request.method ?? 'GET', request.body.length);
  if (problem !== null) return fail(problem);
  return {
    url,
    line,
    ...(request !== null && { request }),
    ...(meta !== undefined && { meta }),
  };
}

/**
 * The request of a line's own `method`, `headers` and `body` over the defaults; null
 * when it is a bare GET. A body with no method makes a POST; a body with no
 * `Content-Type` goes as {@link DEFAULT_BODY_CONTENT_TYPE}.
 */
export function requestOf(
  defaults: RequestDefaults,
  method: string | undefined,
  headers: Readonly<Record<string, string>> | undefined,
  body: Uint8Array | undefined,
): RequestSpec | null {
  const sentBody = body ?? defaults.body;
  const sentMethod = method ?? defaults.method ?? (sentBody === undefined ? 'GET' : 'POST');
  let sentHeaders = headers === undefined ? defaults.headers : { ...defaults.headers, ...headers };
  if (sentBody !== undefined && sentHeaders?.['content-type'] === undefined) {
    sentHeaders = { ...sentHeaders, 'content-type': DEFAULT_BODY_CONTENT_TYPE };
  }
  if (sentMethod === 'GET' && sentHeaders === undefined && sentBody === undefined) return null;
  return {
    method: sentMethod,
    ...(sentHeaders !== undefined && { headers: sentHeaders }),
    ...(sentBody !== undefined && { body: sentBody }),
  };
}

function rejected(line: number, url: string, meta: unknown, reason: string): UrlInput {
  return { url, line, rejected: new BadRequestError(reason), ...(meta !== undefined && { meta }) };
}
