/**
 * Stable error codes. Callers match on `code`, never on message text; the codes
 * are part of the result schema and of the HTTP API, so they never change meaning.
 */
export const FETCH_ERROR_CODES = {
  BAD_URL: 'BAD_URL',
  BLOCKED_ADDRESS: 'BLOCKED_ADDRESS',
  DNS: 'DNS',
  TIMEOUT_DNS: 'TIMEOUT_DNS',
  CONNECT: 'CONNECT',
  CONNECTION_RESET: 'CONNECTION_RESET',
  TLS: 'TLS',
  TIMEOUT_CONNECT: 'TIMEOUT_CONNECT',
  TIMEOUT_HEADERS: 'TIMEOUT_HEADERS',
  TIMEOUT_BODY: 'TIMEOUT_BODY',
  TIMEOUT_TOTAL: 'TIMEOUT_TOTAL',
  TOO_LARGE: 'TOO_LARGE',
  TOO_MANY_REDIRECTS: 'TOO_MANY_REDIRECTS',
  HTTP_STATUS: 'HTTP_STATUS',
  BAD_RESPONSE: 'BAD_RESPONSE',
  DEADLINE: 'DEADLINE',
  NOT_ATTEMPTED: 'NOT_ATTEMPTED',
  DELIVERY_LIMIT: 'DELIVERY_LIMIT',
  CANCELLED: 'CANCELLED',
  /** The host kept throttling us (429, 503, Retry-After) for longer than `maxHostWaitMs` in total. */
  HOST_THROTTLED: 'HOST_THROTTLED',
  /** Not tried: the host failed `maxHostErrors` times in a row at the connection level (circuit breaker). */
  HOST_UNAVAILABLE: 'HOST_UNAVAILABLE',
  /** Not fetched: the host's robots.txt disallows it (`--robots`). */
  ROBOTS_DISALLOWED: 'ROBOTS_DISALLOWED',
  INTERNAL: 'INTERNAL',
} as const;

/** One of {@link FETCH_ERROR_CODES}: the `error.code` of a result record. */
export type FetchErrorCode = (typeof FETCH_ERROR_CODES)[keyof typeof FETCH_ERROR_CODES];

/** Codes of errors raised by the program itself rather than recorded per URL. */
export const APP_ERROR_CODES = {
  CONFIG: 'CONFIG',
  USAGE: 'USAGE',
  VALIDATION: 'VALIDATION',
  OUTPUT: 'OUTPUT',
} as const;

export type AppErrorCode = (typeof APP_ERROR_CODES)[keyof typeof APP_ERROR_CODES];

/**
 * Base of every error fanout raises: a stable `code`, a human message and an
 * optional `cause`, in the manner of undici's `UndiciError`.
 */
export class FanoutError<C extends string = string> extends Error {
  override readonly name: string = 'FanoutError';
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A failure of one fetch; its code lands in the result record's `error.code`. */
export class FetchError extends FanoutError<FetchErrorCode> {
  override readonly name = 'FetchError';
}

/** The URL cannot be fetched at all: unparseable, wrong scheme, too long. */
export class BadUrlError extends FetchError {
  constructor(message: string) {
    super(FETCH_ERROR_CODES.BAD_URL, message);
  }
}

/** The network guard refused the destination (SSRF protection). */
export class BlockedAddressError extends FetchError {
  constructor(message: string) {
    super(FETCH_ERROR_CODES.BLOCKED_ADDRESS, message);
  }
}

/** A configuration value is invalid; the message names the key and the value. */
export class ConfigError extends FanoutError<'CONFIG'> {
  override readonly name = 'ConfigError';

  constructor(message: string) {
    super(APP_ERROR_CODES.CONFIG, message);
  }
}

/** The command line is wrong; the CLI prints the message and exits 2. */
export class UsageError extends FanoutError<'USAGE'> {
  override readonly name = 'UsageError';

  constructor(message: string) {
    super(APP_ERROR_CODES.USAGE, message);
  }
}

/**
 * Results could not be written (a full disk, a closed pipe): the run stops and the
 * CLI prints the message and exits 1.
 */
export class OutputError extends FanoutError<'OUTPUT'> {
  override readonly name = 'OutputError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(APP_ERROR_CODES.OUTPUT, message, options);
  }
}

/** Structured input was invalid; `details` names each bad field or index. */
export class ValidationError extends FanoutError<'VALIDATION'> {
  override readonly name = 'ValidationError';
  readonly details: readonly ValidationDetail[];

  constructor(message: string, details: readonly ValidationDetail[]) {
    super(APP_ERROR_CODES.VALIDATION, message);
    this.details = details;
  }
}

/** One problem in a validated input: where it is and what is wrong. */
export interface ValidationDetail {
  /** A dotted path such as `options.concurrency` or `urls[3]`. */
  readonly field: string;
  readonly reason: string;
}

/** Details a {@link ValidationError} lists at most, so a million bad entries do not make a huge answer (or a huge heap). */
export const MAX_VALIDATION_DETAILS = 20;

/**
 * Collects the problems of one validation: keeps the first
 * {@link MAX_VALIDATION_DETAILS} and counts the rest, so a body with millions of bad
 * entries costs a counter, not millions of detail objects.
 */
export class ValidationDetails {
  readonly #kept: ValidationDetail[] = [];
  #count = 0;

  /** Records a problem; its detail is built only while fewer than the maximum are kept. */
  add(field: string | (() => string), reason: string): void {
    this.#count++;
    if (this.#kept.length < MAX_VALIDATION_DETAILS) {
      this.#kept.push({ field: typeof field === 'function' ? field() : field, reason });
    }
  }

  /** Problems recorded, all of them. */
  get count(): number {
    return this.#count;
  }

  /** Throws a {@link ValidationError} when any problem was recorded: `<what>: N problem(s)`, naming how many are shown. */
  throwIfAny(what: string): void {
    if (this.#count === 0) return;
    const more = this.#count > this.#kept.length ? ` (first ${this.#kept.length} of ${this.#count} shown)` : '';
    throw new ValidationError(`${what}: ${this.#count} problem(s)${more}`, [...this.#kept]);
  }
}
