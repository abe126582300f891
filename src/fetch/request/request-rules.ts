/**
 * What a request may be: its method, header names and values, and body size. One
 * place for the rules, asked by the CLI's flags (exit 2) and by JSON request lines
 * (a BAD_REQUEST record). Messages name the header, never its value: a value may be
 * a credential.
 */

/** Methods a request may use. CONNECT and TRACE are refused: one opens a tunnel, the other echoes credentials back. */
export const REQUEST_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export type RequestMethod = (typeof REQUEST_METHODS)[number];

/** Methods whose request must not be sent twice unless the server cannot have acted on it (RFC 9110 §9.2.2). */
export const NON_IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['POST', 'PATCH']);

/** Methods that carry no body. */
export const BODYLESS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/**
 * Headers whose values are credentials: never written anywhere, and dropped on a
 * redirect to another origin, as browsers and curl do. A request may name more
 * (`RequestSpec.secretHeaders`).
 */
export const CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie'];

/**
 * Headers the engine owns: framing and connection management that undici sets (or
 * refuses) itself. A request naming one is refused rather than sent wrong.
 */
export const ENGINE_OWNED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
  'expect',
]);

/** The largest request body, in bytes: what the CLI sends and a JSON request line may carry. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/** RFC 9110 §5.6.2 token characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** CR, LF and NUL split or truncate a request on the wire. */
const SPLITTING = /[\r\n\0]/;
/** What a field value may hold on the wire (RFC 9110 §5.5, as undici checks it): tab, visible ASCII, Latin-1. */
const NOT_FIELD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Whether `text` is an HTTP token (RFC 9110 §5.6.2): what a method or a header name must be. */
export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/** Null when `method` may be used, else why not. Case matters, as in HTTP: `post` is not `POST`. */
export function methodProblem(method: string): string | null {
  if (!isToken(method)) return `method ${JSON.stringify(method)} is not an HTTP token`;
  if (!(REQUEST_METHODS as readonly string[]).includes(method)) {
    return `method ${JSON.stringify(method)} is not one of ${REQUEST_METHODS.join(', ')}`;
  }
  return null;
}

/** Null when the header may be sent; else why not, naming the header (when it is a token) and never showing its value. */
export function headerProblem(name: string, value: string): string | null {
  // Not quoted: a name that is no token may be a whole `Name: value` pasted as one.
  if (!isToken(name)) return 'a header name is not an HTTP token';
  if (ENGINE_OWNED_HEADERS.has(name.toLowerCase())) return `header ${name} is set by the engine and cannot be given`;
  if (SPLITTING.test(value)) return `header ${name} has a CR, LF or NUL in its value`;
  if (NOT_FIELD_VALUE.test(value)) return `header ${name} has a control character or a character beyond Latin-1 in its value`;
  return null;
}

/** Null when a body of `bytes` may go with `method`, else why not. */
export function bodyProblem(method: string, bytes: number): string | null {
  if (BODYLESS_METHODS.has(method)) return `a ${method} request cannot have a body`;
  if (bytes > MAX_REQUEST_BODY_BYTES) return `the body is ${bytes} bytes, over the limit of ${MAX_REQUEST_BODY_BYTES}`;
  return null;
}
