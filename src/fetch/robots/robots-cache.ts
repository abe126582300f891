import type { RobotsPolicy } from './robots';

/** RFC 9309 §2.4: a cached robots.txt SHOULD NOT be used for more than 24 hours. */
export const ROBOTS_CACHE_TTL_MS = 24 * 3600 * 1000;
/** Policies kept at most (least recently used go first): a run over a million hosts must not keep a million. */
export const ROBOTS_CACHE_ENTRIES = 10_000;

/**
 * The engine's robots.txt policies by robots.txt URL, shared by its runs: a consumer
 * process (one engine for its life) reads a host's robots.txt once a day at most
 * instead of once per invocation, and a host's gate can be dropped while it is idle
 * without losing what its robots.txt said.
 */
export class RobotsCache {
  readonly #entries = new Map<string, { policy: RobotsPolicy; at: number }>();
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(max = ROBOTS_CACHE_ENTRIES, ttlMs = ROBOTS_CACHE_TTL_MS, now: () => number = Date.now) {
    this.#max = max;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** The policy read from `robotsUrl` less than a day ago, if it is still kept. */
  get(robotsUrl: string): RobotsPolicy | undefined {
    const entry = this.#entries.get(robotsUrl);
    if (entry === undefined) return undefined;
    this.#entries.delete(robotsUrl);
    if (this.#now() - entry.at >= this.#ttlMs) return undefined;
    this.#entries.set(robotsUrl, entry);
    return entry.policy;
  }

  set(robotsUrl: string, policy: RobotsPolicy): void {
    this.#entries.delete(robotsUrl);
    this.#entries.set(robotsUrl, { policy, at: this.#now() });
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
  }
}
