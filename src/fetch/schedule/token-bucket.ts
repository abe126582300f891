/**
 * A token bucket in its GCRA form (the "theoretical arrival time"): one number per
 * bucket, no timer. A start is allowed at `tat - (burst - 1) × interval` or later, and
 * each start moves `tat` on by one interval, so in any window of W ms at most
 * `burst + W / interval` starts happen. The same rule, shared through DynamoDB, holds
 * a rate across consumers (src/jobs/fleet/fleet-limits.ts).
 *
 * Times are epoch milliseconds from the caller's clock.
 */
export class TokenBucket {
  #intervalMs: number;
  readonly #burst: number;
  #tat = Number.NEGATIVE_INFINITY;

  constructor(perSecond: number, burst: number) {
    this.#intervalMs = 1000 / perSecond;
    this.#burst = burst;
  }

  /** Requests per second now. */
  get perSecond(): number {
    return 1000 / this.#intervalMs;
  }

  /** Changes the rate from the next start on (host backoff halves it; successes win it back). */
  set perSecond(perSecond: number) {
    this.#intervalMs = 1000 / perSecond;
  }

  /** The earliest time the next start is allowed: `now` or later. */
  readyAt(now: number): number {
    return Math.max(now, this.#tat - (this.#burst - 1) * this.#intervalMs);
  }

  /** Spends a token for a start at `now` (which the caller has checked is allowed). */
  take(now: number): void {
    this.#tat = Math.max(this.#tat, now) + this.#intervalMs;
  }

  /**
   * Spends the next token whenever it falls due, and returns that time: for a start
   * that must wait without queueing (a redirect hop to this host).
   */
  reserve(now: number): number {
    const at = this.readyAt(now);
    this.take(at);
    return at;
  }
}
