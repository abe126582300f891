import type { RobotsPolicy } from './robots';

/** RFC 9309 §2.4: a cached robots.txt SHOULD NOT be used for more than 24 hours. */
export const ROBOTS_CACHE_TTL_MS = 24 * 3600 * 1000;
/**
 * How long an unreachable answer (no response, 5xx, 429: everything disallowed) is
 * kept the first time: an outage is usually short, and a day of refusals for a host
 * that came back would be ours, not the host's.
 */
export const ROBOTS_UNREACHABLE_TTL_MS = 60_000;
/** The longest an unreachable answer is kept, however many came in a row (each doubles the last). */
export const ROBOTS_UNREACHABLE_MAX_TTL_MS = 30 * 60_000;
/** Policies kept at most (least recently used go first): a run over a million hosts must not keep a million. */
export const ROBOTS_CACHE_ENTRIES = 10_000;

interface Entry {
  readonly policy: RobotsPolicy;
  readonly at: number;
  readonly ttlMs: number;
  /** Unreachable answers in a row, this one included; 0 for an answer. */
  readonly unreachableStreak: number;
}

/**
 * The engine's robots.txt policies by robots.txt URL, shared by its runs: a consumer
 * process (one engine for its life) reads a host's robots.txt once a day at most
 * instead of once per invocation, and a host's gate can be dropped while it is idle
 * without losing what its robots.txt said. An unreachable answer is kept for
 * minutes, backing off while the host stays unreachable; an expired entry stays
 * (until pushed out) only to remember that streak.
 */
export class RobotsCache {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(max = ROBOTS_CACHE_ENTRIES, ttlMs = ROBOTS_CACHE_TTL_MS, now: () => number = Date.now) {
    this.#max = max;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** The policy read from `robotsUrl`, if it is still fresh (a day; minutes for an unreachable one). */
  get(robotsUrl: string): RobotsPolicy | undefined {
    const entry = this.#entries.get(robotsUrl);
    if (entry === undefined || this.#now() - entry.at >= entry.ttlMs) return undefined;
    this.#entries.delete(robotsUrl);
    this.#entries.set(robotsUrl, entry);
    return entry.policy;
  }

  set(robotsUrl: string, policy: RobotsPolicy): void {
    const before = this.#entries.get(robotsUrl);
    this.#entries.delete(robotsUrl);
    const unreachableStreak = policy.basis === 'unreachable' ? (before?.unreachableStreak ?? 0) + 1 : 0;
    const ttlMs =
      unreachableStreak === 0
        ? this.#ttlMs
        : Math.min(ROBOTS_UNREACHABLE_TTL_MS * 2 ** (unreachableStreak - 1), ROBOTS_UNREACHABLE_MAX_TTL_MS, this.#ttlMs);
    this.#entries.set(robotsUrl, { policy, at: this.#now(), ttlMs, unreachableStreak });
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
  }
}
