import { FETCH_ERROR_CODES, FetchError, type FetchErrorCode } from '../../errors';
import { Gate } from './gate';
import { parseRetryAfter, RETRYABLE_ERROR_CODES } from '../run/retry-policy';
import type { RobotsPolicy } from '../robots/robots';
import { HOST_PAUSE_RULE, pausesHost, RecentAnswers } from './host-pause-rule';
import { TokenBucket } from './token-bucket';

/**
 * Failures that say the host itself is unreachable, not that one page is bad: what the
 * circuit breaker counts. The network failures worth a retry (the retry policy's), and
 * two that are not retried but just as much the host's: a name with no address, and TLS.
 */
export const CONNECTION_FAILURES: ReadonlySet<FetchErrorCode> = new Set([
  ...RETRYABLE_ERROR_CODES,
  FETCH_ERROR_CODES.DNS,
  FETCH_ERROR_CODES.TLS,
]);

/** First host-wide pause without a usable `Retry-After`; it doubles with each throttle in a row. */
const FIRST_PAUSE_MS = 1000;
const MAX_PAUSE_MS = 60_000;
/** Slowest a host's backoff takes its rate: one request in 20 s (pauses do the rest). */
const SLOWEST_BACKOFF_RATE_PER_S = 0.05;
/** Successes it takes to win back a halved rate, one equal step each. */
const RECOVERY_STEPS = 20;

/** The limits of one host, from the run's config. */
export interface HostLimits {
  readonly perHost: number;
  readonly hostRate: number | null;
  readonly hostBurst: number;
  readonly maxHostWaitMs: number;
  readonly maxHostErrors: number;
  readonly retryMaxDelayMs: number;
}

/**
 * The gate of one host (`hostname[:port]`): `perHost` in flight, `hostRate` as a token
 * bucket, and what the host's answers teach us.
 *
 * - **Backoff**: a 429, a `Retry-After` on any response, or a 503 while 503s are most
 *   of the host's recent answers (src/fetch/schedule/host-pause-rule.ts) pauses the
 *   whole host (the `Retry-After` when it is within `retryMaxDelayMs`, else 1 s doubling
 *   per throttle in a row, jittered, at most 60 s) and halves its rate; each success
 *   wins back a twentieth of it. Any other 503 is the URL's alone: it spends a retry. A host without a rate gets one at half the rate it was
 *   being sent, lifted again once it has recovered. Past `maxHostWaitMs` of pauses in
 *   all, the gate closes with HOST_THROTTLED.
 * - **Circuit breaker**: `maxHostErrors` connection-level failures in a row (no
 *   response in between) close it with HOST_UNAVAILABLE.
 * - **robots.txt**: held until it is fetched; `Crawl-delay` caps the rate.
 */
export class HostGate extends Gate {
  readonly host: string;
  readonly #limits: HostLimits;
  /** The rate the host recovers to: its configured rate (capped by Crawl-delay), or null for none. */
  #target: number | null;
  /** For a host without a rate that was throttled: the rate it recovers to before its limit is lifted. */
  #lift = 0;
  #throttlesInARow = 0;
  #pausedMs = 0;
  #errorsInARow = 0;
  readonly #answers = new RecentAnswers();
  /** Starts in the current and previous second, to tell what rate a host without one was being sent. */
  #second = 0;
  #thisSecond = 0;
  #lastSecond = 0;
  /** What the host's robots.txt says (`--robots`), once it is read. */
  robots: RobotsPolicy | null = null;
  /** True once its robots.txt was asked for (src/fetch/robots/robots-fetcher.ts). */
  robotsAsked = false;

  constructor(host: string, limits: HostLimits) {
    super(limits.perHost, limits.hostRate === null ? null : new TokenBucket(limits.hostRate, limits.hostBurst));
    this.host = host;
    this.#limits = limits;
    this.#target = limits.hostRate;
  }

  /** Milliseconds of pauses so far. */
  get pausedMs(): number {
    return this.#pausedMs;
  }

  override take(now: number): void {
    super.take(now);
    const second = Math.floor(now / 1000);
    if (second !== this.#second) {
      this.#lastSecond = second === this.#second + 1 ? this.#thisSecond : 0;
      this.#thisSecond = 0;
      this.#second = second;
    }
    this.#thisSecond++;
  }

  /**
   * Also keeps a host that failed, was throttled or answered 503 lately: what it learnt
   * must outlive a quiet spell (a host whose URLs come one at a time would otherwise
   * forget each 503 before the next, and never be judged overloaded). Its robots.txt policy need not keep it: the engine's cache has it.
   */
  override isBlank(now: number): boolean {
    return super.isBlank(now) && this.#errorsInARow === 0 && this.#pausedMs === 0 && !this.#answers.hasOverloads;
  }

  /**
   * Called by the gate's group when no run uses it any more: none of the group's URLs for
   * this host is queued or in flight (one waiting out its retry backoff acquires the
   * gate again when it is due). The engine's own gate holds nothing to give back; a
   * fleet gate (src/jobs/fleet/fleet-gates.ts) gives back the slots it leased.
   */
  unused(): void {}

  /** Caps the host's rate at one request per `delayMs`, with no burst (robots.txt `Crawl-delay`). */
  capRate(delayMs: number, now: number): void {
    const cap = 1000 / delayMs;
    if (this.#target !== null && this.#target <= cap && this.#limits.hostBurst === 1) return;
    this.#target = Math.min(cap, this.#target ?? cap);
    // A delay is a gap between any two requests: no burst. The robots.txt request just sent counts as the last one.
    this.bucket = new TokenBucket(Math.min(this.bucket?.perSecond ?? cap, this.#target), 1);
    this.bucket.take(now);
  }

  /**
   * Learns from a finished attempt. Returns true when the host throttled it (a 429,
   * or a 503 with `Retry-After`): the URL waits for the host again without spending a
   * retry. A bare 503 that pauses the host (most recent answers were 503s) still costs
   * the URL a retry, as any other bare 503 does: it may be that page that is broken,
   * and a host answering 503 to everything must not keep one URL waiting for
   * `maxHostWaitMs`.
   */
  observe(status: number | null, code: FetchErrorCode | null, retryAfter: string | undefined, now: number, random: () => number): boolean {
    if (status === null) {
      if (code !== null && CONNECTION_FAILURES.has(code)) this.#connectionFailed(code);
      return false;
    }
    this.#errorsInARow = 0;
    this.#answers.record(status);
    const asked = retryAfter === undefined ? null : parseRetryAfter(retryAfter, now);
    const overloadStatus = HOST_PAUSE_RULE.overloadStatuses.includes(status);
    if (!pausesHost(status, asked !== null, this.#answers)) {
      // A 503 that is the page's own neither ends a run of throttles nor counts as a success.
      if (!overloadStatus) {
        this.#throttlesInARow = 0;
        this.#recover();
      }
      return false;
    }
    const backoff = Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** this.#throttlesInARow);
    const wait = asked !== null && asked <= this.#limits.retryMaxDelayMs ? asked : Math.round(backoff * (0.5 + random() / 2));
    this.#throttlesInARow++;
    this.#pause(now, wait);
    this.#slowDown(now);
    return status === HOST_PAUSE_RULE.throttleStatus || (overloadStatus && asked !== null);
  }

  #connectionFailed(code: FetchErrorCode): void {
    this.#errorsInARow++;
    const max = this.#limits.maxHostErrors;
    if (max > 0 && this.#errorsInARow >= max) {
      this.close(
        new FetchError(
          FETCH_ERROR_CODES.HOST_UNAVAILABLE,
          `not tried: ${this.host} failed ${this.#errorsInARow} times in a row at the connection level (last: ${code})`,
        ),
      );
    }
  }

  #pause(now: number, waitMs: number): void {
    const until = now + waitMs;
    const from = Math.max(now, this.pausedUntil);
    if (until <= from) return;
    this.#pausedMs += until - from;
    this.pausedUntil = until;
    if (this.#pausedMs > this.#limits.maxHostWaitMs) {
      this.close(
        new FetchError(
          FETCH_ERROR_CODES.HOST_THROTTLED,
          `not fetched: ${this.host} kept throttling (429/503/Retry-After) for ${Math.round(this.#pausedMs / 1000)} s, past maxHostWaitMs`,
        ),
      );
    }
  }

  #slowDown(now: number): void {
    if (this.bucket === null) {
      // Unlimited until now: start from the rate it was being sent (this second and the last).
      const sent = Math.max(1, this.#thisSecond + this.#lastSecond * (1 - (now % 1000) / 1000));
      this.#lift = sent;
      this.bucket = new TokenBucket(Math.max(SLOWEST_BACKOFF_RATE_PER_S, sent / 2), this.#limits.hostBurst);
      return;
    }
    this.bucket.perSecond = Math.max(SLOWEST_BACKOFF_RATE_PER_S, this.bucket.perSecond / 2);
  }

  #recover(): void {
    const bucket = this.bucket;
    if (bucket === null) return;
    const goal = this.#target ?? this.#lift;
    if (bucket.perSecond >= goal) return;
    const next = bucket.perSecond + goal / RECOVERY_STEPS;
    if (next >= goal && this.#target === null) this.bucket = null;
    else bucket.perSecond = Math.min(goal, next);
  }
}
