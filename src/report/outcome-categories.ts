/**
 * What became of a URL, coarser than its error code: the one table the report's
 * outcome bar is drawn from. It is keyed by every code of the error table
 * (src/errors.ts), so a new code does not compile until it is given a category here,
 * and a record's code is looked up as an own key only: a results file is user input,
 * and codes such as `__proto__` or `constructor` must land in "other", not vanish.
 */
import type { FetchErrorCode } from '../errors';

/** The categories, in the order the report shows them. */
export const OUTCOMES = {
  OK: 'ok',
  HTTP: 'http',
  NETWORK: 'network',
  TIMEOUT: 'timeout',
  BODY: 'body',
  BLOCKED: 'blocked',
  BAD_INPUT: 'badInput',
  NOT_FETCHED: 'notFetched',
  OTHER: 'other',
} as const;

/** One of {@link OUTCOMES}. */
export type Outcome = (typeof OUTCOMES)[keyof typeof OUTCOMES];

/** How the report names each category (the legend of the outcome bar). */
export const OUTCOME_LABELS: { readonly [K in Outcome]: string } = {
  ok: 'ok',
  http: 'HTTP error status, redirects',
  network: 'network (DNS, connect, TLS, reset)',
  timeout: 'timeout',
  body: 'response body (too large, malformed)',
  blocked: 'refused by the network guard',
  badInput: 'bad input',
  notFetched: 'not fetched (cancelled, not attempted, host gave up, robots.txt)',
  other: 'internal or unknown code',
};

/**
 * Codes the error table is about to gain, categorised ahead of them so that they
 * cannot fall through when they land (`BAD_REQUEST`: a malformed request line).
 * Once src/errors.ts has them, this union adds nothing.
 */
type ComingCode = 'BAD_REQUEST';

/** The category of every error code: the type makes it exhaustive. */
export const OUTCOME_OF_CODE: { readonly [K in FetchErrorCode | ComingCode]: Exclude<Outcome, 'ok'> } = {
  HTTP_STATUS: 'http',
  TOO_MANY_REDIRECTS: 'http',
  DNS: 'network',
  CONNECT: 'network',
  CONNECTION_RESET: 'network',
  TLS: 'network',
  TIMEOUT_DNS: 'timeout',
  TIMEOUT_CONNECT: 'timeout',
  TIMEOUT_HEADERS: 'timeout',
  TIMEOUT_BODY: 'timeout',
  TIMEOUT_TOTAL: 'timeout',
  // The invocation's time ran out while the URL was under way, more times than it is retried.
  DEADLINE: 'timeout',
  TOO_LARGE: 'body',
  BAD_RESPONSE: 'body',
  BLOCKED_ADDRESS: 'blocked',
  BAD_URL: 'badInput',
  BAD_REQUEST: 'badInput',
  CANCELLED: 'notFetched',
  NOT_ATTEMPTED: 'notFetched',
  DELIVERY_LIMIT: 'notFetched',
  HOST_THROTTLED: 'notFetched',
  HOST_UNAVAILABLE: 'notFetched',
  ROBOTS_DISALLOWED: 'notFetched',
  INTERNAL: 'other',
};

const BY_CODE: ReadonlyMap<string, Outcome> = new Map(Object.entries(OUTCOME_OF_CODE));

/**
 * The category of a record: `ok`, or its error code's; a code the table does not hold
 * (a record written by another version, or a hand-made file) is `other`.
 */
export function outcomeOf(ok: boolean, code: string | undefined): Outcome {
  if (ok) return OUTCOMES.OK;
  return (code === undefined ? undefined : BY_CODE.get(code)) ?? OUTCOMES.OTHER;
}

/** A tally of every category at zero. */
export function noOutcomes(): Record<Outcome, number> {
  return Object.fromEntries(Object.values(OUTCOMES).map((o) => [o, 0])) as Record<Outcome, number>;
}
