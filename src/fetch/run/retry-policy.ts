import { FETCH_ERROR_CODES, type FetchErrorCode } from '../../errors';

/** Error codes worth another attempt: the network or the server hiccuped. */
export const RETRYABLE_ERROR_CODES: ReadonlySet<FetchErrorCode> = new Set([
  FETCH_ERROR_CODES.CONNECT,
  FETCH_ERROR_CODES.CONNECTION_RESET,
  FETCH_ERROR_CODES.TIMEOUT_DNS,
  FETCH_ERROR_CODES.TIMEOUT_CONNECT,
  FETCH_ERROR_CODES.TIMEOUT_HEADERS,
  FETCH_ERROR_CODES.TIMEOUT_BODY,
  FETCH_ERROR_CODES.TIMEOUT_TOTAL,
]);

/**
 * Statuses by which a server says it did not act on the request (RFC 9110 §15.5.9,
 * RFC 8470 §5.2, RFC 6585 §4); a 503 says so only with `Retry-After`.
 */
export const NOT_ACTED_STATUSES: ReadonlySet<number> = new Set([408, 425, 429]);

/** What the policy needs to know about the attempt that just ended. */
export interface AttemptOutcome {
  /** Attempts made so far, this one included. */
  readonly attempts: number;
  /** The error code of the attempt, or null when it succeeded. */
  readonly code: FetchErrorCode | null;
  /** The HTTP status, when a response arrived. */
  readonly status: number | null;
  /** The raw `Retry-After` header of that response, if any. */
  readonly retryAfter: string | undefined;
  /**
   * A POST or PATCH went on the wire (and the run does not allow `retryUnsafe`): the
   * server may have acted on it.
   */
  readonly unsafe?: boolean;
}

export interface RetrySettings {
  readonly retries: number;
  readonly retryBaseMs: number;
  readonly retryMaxDelayMs: number;
  readonly retryStatuses: readonly number[];
}

/**
 * Decides whether to try again and after how long: the milliseconds to wait, or
 * null for "this result is final". Pure: time and randomness come in as arguments.
 *
 * - Retries network errors and timeouts (not DNS failures, blocked addresses or
 *   bad URLs) and the configured statuses (408, 425, 429, 5xx by default); never
 *   other 4xx.
 * - The delay is full jitter, `random() * min(max, base * 2^(attempts-1))`, unless
 *   the server sent `Retry-After`, which is honoured as given (seconds or an
 *   HTTP-date). A `Retry-After` longer than `retryMaxDelayMs` ends the retries:
 *   asking sooner than the server said would be impolite.
 * - A request the server may have acted on (`unsafe`: a POST or PATCH that went
 *   on the wire) is retried only when the server said it did not act: 408, 425,
 *   429, or 503 with `Retry-After`. Anything else after its first byte is final.
 * - No retry whose wait would end past `deadline` (epoch ms).
 */
export function nextRetryDelay(
  outcome: AttemptOutcome,
  settings: RetrySettings,
  now: number,
  deadline: number,
  random: () => number,
): number | null {
  if (outcome.code === null || outcome.attempts > settings.retries) return null;
  const retryable =
    outcome.code === FETCH_ERROR_CODES.HTTP_STATUS
      ? outcome.status !== null && settings.retryStatuses.includes(outcome.status)
      : RETRYABLE_ERROR_CODES.has(outcome.code);
  if (!retryable) return null;
  if (outcome.unsafe === true && !serverDidNotAct(outcome)) return null;

  let delay: number;
  const asked = outcome.retryAfter === undefined ? null : parseRetryAfter(outcome.retryAfter, now);
  if (asked !== null) {
    if (asked > settings.retryMaxDelayMs) return null;
    delay = asked;
  } else {
    const ceiling = Math.min(settings.retryMaxDelayMs, settings.retryBaseMs * 2 ** (outcome.attempts - 1));
    delay = Math.floor(random() * ceiling);
  }
  return now + delay < deadline ? delay : null;
}

/**
 * Parses `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
 * Returns milliseconds from `now` (0 for a date in the past), or null when the
 * value is neither.
 */
export function parseRetryAfter(value: string, now: number): number | null {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/[a-z]/i.test(text)) return null;
  return Math.max(0, at - now);
}

/** The answer says the request was not acted on, so sending it again cannot repeat anything. */
function serverDidNotAct(outcome: AttemptOutcome): boolean {
  if (outcome.code !== FETCH_ERROR_CODES.HTTP_STATUS || outcome.status === null) return false;
  return NOT_ACTED_STATUSES.has(outcome.status) || (outcome.status === 503 && outcome.retryAfter !== undefined);
}
