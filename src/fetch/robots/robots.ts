import { MIN_RATE_PER_S } from '../../config/rate';
import { FETCH_ERROR_CODES, FetchError } from '../../errors';
import { compileRobotsRules } from './robots-rules';

/**
 * What `--robots` decides for one origin, from the answer to its `/robots.txt`
 * (RFC 9309). Pure: the fetching (through the guard, within the host's limits)
 * is the scheduler's; this module turns what came back into a policy.
 *
 * The parsing and matching follow robots-parser (samclarke) and Google's reference
 * parser: groups by product token with `*` as the fallback, `*` and `$` patterns,
 * the longest match wins and Allow wins a tie; they are done in bounded work
 * (src/fetch/robots/robots-rules.ts says why they are not the library's). Here is
 * what the RFC leaves to the crawler: what each status means, the size limit, the
 * product token, and how much of a `Crawl-delay` to honour.
 */

/**
 * Bytes of a robots.txt body that are parsed; the rest is ignored. RFC 9309 §2.5:
 * a crawler may limit what it parses, but the limit MUST be at least 500 KiB.
 * The fetcher may stop reading here too.
 */
export const ROBOTS_MAX_BYTES = 500 * 1024;

/** Redirects to follow for robots.txt; RFC 9309 §2.3.1.2 asks for at least five. */
export const ROBOTS_MAX_REDIRECTS = 5;

/**
 * The longest `Crawl-delay` honoured: one request a day, the slowest rate the
 * engine models ({@link MIN_RATE_PER_S}). Not lower: any smaller cap would send a
 * host more traffic than it asked for. A long delay cannot stall a run, since
 * `maxHostWaitMs` bounds how long a URL waits for its host.
 */
export const ROBOTS_MAX_CRAWL_DELAY_MS = 1000 / MIN_RATE_PER_S;

/** What fetching an origin's robots.txt gave. */
export interface RobotsAnswer {
  /** The robots.txt URL asked for ({@link robotsUrlOf}), before any redirect: the policy is that origin's. */
  readonly url: string;
  /** The final status after redirects, or null when no response came (a network error after retries). */
  readonly status: number | null;
  /** The body decoded as UTF-8 (RFC 9309 §2.3), or null when there was none. */
  readonly body: string | null;
}

/**
 * Where a policy came from: parsed `rules` (2xx); robots.txt `unavailable` (4xx, a
 * final 3xx: everything allowed); or `unreachable` (5xx, 429, no response:
 * everything disallowed).
 */
export type RobotsBasis = 'rules' | 'unavailable' | 'unreachable';

/** One origin's robots.txt verdicts for our user agent. */
export interface RobotsPolicy {
  /** The robots.txt this policy comes from, e.g. `https://example.com/robots.txt`. */
  readonly robotsUrl: string;
  readonly basis: RobotsBasis;
  /** The host's `Crawl-delay` for our group (else `*`'s) in ms, a floor for the gap between requests; null when none. */
  readonly crawlDelayMs: number | null;
  /** Whether `url` may be fetched. Throws when `url` is of another origin than the policy. */
  allows(url: URL): boolean;
  /**
   * Null when `url` may be fetched; otherwise the message of its ROBOTS_DISALLOWED
   * record, e.g. `disallowed by https://example.com/robots.txt (line 3)`.
   * Throws when `url` is of another origin than the policy.
   */
  denial(url: URL): string | null;
}

/**
 * The robots.txt URL that governs `url`: same scheme, host and port (RFC 9309 §2.3).
 *
 * @example
 * robotsUrlOf(new URL('https://example.com:8443/a/b?c')) // 'https://example.com:8443/robots.txt'
 */
export function robotsUrlOf(url: URL): string {
  return `${url.protocol}//${url.host}/robots.txt`;
}

/**
 * The product token that robots.txt groups are matched against (RFC 9309 §2.2.1:
 * letters, `_` and `-` only): the leading token of the User-Agent header, so
 * `fanout/0.1 (+https://github.com/fanout)` gives `fanout`. An agent that starts
 * with anything else has no token and follows the `*` group.
 */
export function robotsProductToken(userAgent: string): string {
  return /^[A-Za-z_-]+/.exec(userAgent.trim())?.[0] ?? '*';
}

/**
 * The policy for the origin of `answer.url`, for the product token of `userAgent`
 * (the User-Agent header we send). The status decides first (RFC 9309 §2.3.1):
 *
 * - 2xx (§2.3.1.1): the body's rules for our group. An empty or unparseable body
 *   has no rules, so everything is allowed. Only the first {@link ROBOTS_MAX_BYTES}
 *   are parsed (§2.5), cut back to the last whole line so that a rule is never
 *   half read (`Allow: /abc` cut to `Allow: /a` would allow too much).
 * - 3xx (§2.3.1.2): the fetcher follows {@link ROBOTS_MAX_REDIRECTS} hops; a 3xx
 *   still standing after that means robots.txt is unavailable: everything allowed.
 * - 429: unreachable, although §2.3.1.3 puts every 4xx under "unavailable". A 429 is
 *   the server asking us to slow down, the overload that §2.3.1.4 protects; reading
 *   it as "no rules" would answer "slow down" with the whole site at full speed.
 *   Google's crawler treats 429 as a server error for the same reason.
 * - Other 4xx (§2.3.1.3): unavailable: everything allowed.
 * - 5xx, no response (§2.3.1.4), or any status outside 200–599: unreachable, so
 *   everything is disallowed (the RFC: "MUST assume complete disallow").
 */
export function robotsPolicyFrom(answer: RobotsAnswer, userAgent: string): RobotsPolicy {
  const { url: robotsUrl, status } = answer;
  const origin = new URL(robotsUrl).origin;
  const sameOrigin = (url: URL): void => {
    if (url.origin !== origin) {
      throw new FetchError(FETCH_ERROR_CODES.INTERNAL, `robots policy of ${robotsUrl} asked about ${url.href}`);
    }
  };
  const basis = basisOf(status);
  if (basis !== 'rules') {
    const denied =
      basis === 'unreachable'
        ? `${robotsUrl} unreachable (${status === null ? 'no response' : `HTTP ${status}`}): every path disallowed`
        : null;
    const denial = (url: URL): string | null => {
      sameOrigin(url);
      return denied;
    };
    return { robotsUrl, basis, crawlDelayMs: null, allows: (url) => denial(url) === null, denial };
  }
  const rules = compileRobotsRules(parsedPart(answer.body ?? ''), robotsProductToken(userAgent));
  const denial = (url: URL): string | null => {
    sameOrigin(url);
    const { rule, overBudget } = rules.match(url.pathname + url.search);
    if (overBudget) return `${robotsUrl} has too many rules to match against this URL in bounded work: disallowed`;
    return rule === null || rule.allow ? null : `disallowed by ${robotsUrl} (line ${rule.line})`;
  };
  return { robotsUrl, basis, crawlDelayMs: crawlDelayMs(rules.crawlDelaySeconds), allows: (url) => denial(url) === null, denial };
}

function basisOf(status: number | null): RobotsBasis {
  if (status === null || status < 200 || status >= 500 || status === 429) return 'unreachable';
  return status < 300 ? 'rules' : 'unavailable';
}

/** The part of `body` that is parsed: at most {@link ROBOTS_MAX_BYTES}, in whole lines. */
function parsedPart(body: string): string {
  if (Buffer.byteLength(body, 'utf8') <= ROBOTS_MAX_BYTES) return body;
  const head = Buffer.from(body, 'utf8').subarray(0, ROBOTS_MAX_BYTES).toString('utf8');
  return head.slice(0, Math.max(head.lastIndexOf('\n'), head.lastIndexOf('\r')) + 1);
}

/** A `Crawl-delay` in seconds as ms; null when absent, zero, negative or not a finite number; capped at {@link ROBOTS_MAX_CRAWL_DELAY_MS}. */
function crawlDelayMs(seconds: number | undefined): number | null {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return null;
  return Math.min(seconds * 1000, ROBOTS_MAX_CRAWL_DELAY_MS);
}
