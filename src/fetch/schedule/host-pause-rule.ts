/**
 * When a whole host is paused (and its rate halved), as opposed to one URL retried on
 * its own backoff. A pause stalls every URL of the host, so it is kept for the signals
 * that the host as a whole is overloaded:
 *
 * - a 429 (the host says it is being sent too much);
 * - any `Retry-After` (the host says when to come back);
 * - a 503 while 503s are most of the host's recent answers.
 *
 * A 503 alone says little: a broken page answers 503 to every request, and a busy
 * server answers the odd one. Pausing the host on each made a one-host run with 2% of
 * its paths always 503 38 times slower than the same list clean. So a bare 503 counts
 * against the host only once it is the common answer.
 */

/** The rule as data; see {@link pausesHost}. */
export const HOST_PAUSE_RULE = {
  /** A status that always pauses the host. */
  throttleStatus: 429,
  /** Statuses that pause the host only while they are most of its recent answers. */
  overloadStatuses: [503] as readonly number[],
  /** How many of the host's latest answers are looked at. */
  window: 20,
  /**
   * Fewer answers than this are too few to judge. A host answering 503 to everything is
   * paused at its 5th answer (with up to `perHost` − 1 more already in flight), about
   * the 2 × `perHost` a host answering 429 to everything gets.
   */
  minAnswers: 5,
  /**
   * Overload statuses must be more than this share of the answers looked at. With 2% of
   * answers 503 (broken pages or sporadic ones), 3 of the first 5 happens about once in
   * 12,000 runs and 11 of 20 practically never; a host answering 503 to most requests
   * crosses it within a few answers.
   */
  overloadShare: 0.5,
} as const;

/**
 * A host's latest answers (statuses of responses, not connection failures), as many as
 * {@link HOST_PAUSE_RULE}'s window: how many there are and how many were overload
 * statuses. O(1) per answer.
 */
export class RecentAnswers {
  /** 1 for an overload status, newest last, in a ring of `window` entries. */
  readonly #ring = new Uint8Array(HOST_PAUSE_RULE.window);
  #next = 0;
  #count = 0;
  #overloads = 0;

  /** Notes an answer with `status`. */
  record(status: number): void {
    const overload = HOST_PAUSE_RULE.overloadStatuses.includes(status) ? 1 : 0;
    if (this.#count === this.#ring.length) this.#overloads -= this.#ring[this.#next] as number;
    else this.#count++;
    this.#ring[this.#next] = overload;
    this.#overloads += overload;
    this.#next = (this.#next + 1) % this.#ring.length;
  }

  /** True when the answers say the host is overloaded (see {@link HOST_PAUSE_RULE}). */
  overloaded(): boolean {
    return this.#count >= HOST_PAUSE_RULE.minAnswers && this.#overloads > this.#count * HOST_PAUSE_RULE.overloadShare;
  }

  /** True while an overload status is among the answers: worth remembering across a quiet spell. */
  get hasOverloads(): boolean {
    return this.#overloads > 0;
  }
}

/**
 * True when an answer pauses its whole host: a 429, any `Retry-After` (`hasRetryAfter`:
 * one that parses), or an overload status while `recent` (with this answer recorded)
 * says the host is overloaded.
 */
export function pausesHost(status: number, hasRetryAfter: boolean, recent: RecentAnswers): boolean {
  if (status === HOST_PAUSE_RULE.throttleStatus || hasRetryAfter) return true;
  return HOST_PAUSE_RULE.overloadStatuses.includes(status) && recent.overloaded();
}
