import type { EngineConfig } from '../../config/engine-config';
import { FETCH_ERROR_CODES } from '../../errors';
import { Attempt, type AttemptContext, type AttemptResult } from '../http/attempt';
import type { HostGate } from '../schedule/host-gate';
import { nextRetryDelay } from '../run/retry-policy';
import type { RobotsCache } from './robots-cache';
import { ROBOTS_MAX_BYTES, ROBOTS_MAX_REDIRECTS, robotsPolicyFrom, robotsUrlOf, type RobotsPolicy } from './robots';

/**
 * What an engine's runs share for robots.txt: the policies read, and the settings
 * they are read with. Both are the engine's, never a run's: robots.txt is the
 * host's, so a job's own timeout or retries (a job with `timeoutMs: 1`) must not
 * decide what every other job on the engine is allowed to fetch there.
 */
export interface RobotsShared {
  readonly cache: RobotsCache;
  /** The engine's own config (the deployment's in the pipeline, the CLI's in the CLI). */
  readonly config: EngineConfig;
}

/**
 * `--robots`: fetches each host's robots.txt once, before any of its URLs, and gives
 * the host's gate the policy (src/fetch/robots/robots.ts). The fetch goes through the same
 * dispatcher and network guard as every request, and within the host's limits: it
 * waits for the host's token and any pause (a retry after a 503 or 429), then takes a
 * slot and the token of the host's gate, which holds the host's URLs until the
 * policy is known. A failure the retry policy allows is tried again; what is left
 * is read as the RFC says (no response or 5xx: everything disallowed). The
 * request's timeouts and retries are the engine's ({@link RobotsShared}); a body
 * over 500 KiB is read to its first 500 KiB and parsed (RFC 9309 §2.5).
 */
export class RobotsFetcher {
  readonly #ctx: AttemptContext;
  readonly #random: () => number;
  readonly #pending = new Set<{ attempt?: Attempt; timer?: NodeJS.Timeout; gate: HostGate }>();
  readonly #cache: RobotsCache;

  constructor(ctx: AttemptContext, random: () => number, shared: RobotsShared) {
    // The body is what we are after, read up to the parse limit; the redirects the RFC asks for.
    const engine = shared.config;
    const config = Object.freeze({ ...engine, keepBodies: true, maxBytes: ROBOTS_MAX_BYTES, maxRedirects: ROBOTS_MAX_REDIRECTS });
    const requestHeaders = { ...ctx.requestHeaders, 'user-agent': engine.userAgent };
    this.#ctx = { ...ctx, config, requestHeaders, truncateBodies: true };
    this.#random = random;
    this.#cache = shared.cache;
  }

  /**
   * Holds `gate` until the robots.txt of `url`'s origin has been read into its policy (or
   * found in the cache); once per gate, whoever made it (a failed lookup makes a gate too).
   */
  fetchFor(gate: HostGate, url: URL): void {
    if (gate.robotsAsked) return;
    gate.robotsAsked = true;
    const robotsUrl = new URL(robotsUrlOf(url));
    const cached = this.#cache.get(robotsUrl.href);
    if (cached !== undefined) {
      this.#apply(gate, cached);
      return;
    }
    gate.hold();
    const job = { gate } as { attempt?: Attempt; timer?: NodeJS.Timeout; gate: HostGate };
    this.#pending.add(job);
    const attempt = (attempts: number): void => {
      // A retry after a 429 or 503 must wait out the pause that answer put on the host.
      const wait = gate.dueAt(Date.now()) - Date.now();
      if (wait > 0) {
        job.timer = setTimeout(() => attempt(attempts), wait);
        return;
      }
      gate.take(Date.now());
      job.attempt = new Attempt(this.#ctx, robotsUrl, this.#ctx.config.timeoutMs, FETCH_ERROR_CODES.TIMEOUT_TOTAL, (result) => {
        gate.release();
        // Its answer teaches the host's gate like any other (a 429 pauses the host).
        gate.observe(result.status, result.error?.code ?? null, result.retryAfter, Date.now(), this.#random);
        const code = result.error?.code ?? (isAnswer(result) ? null : FETCH_ERROR_CODES.HTTP_STATUS);
        const delay =
          code === null
            ? null
            : nextRetryDelay(
                { attempts, code, status: result.status, retryAfter: result.retryAfter },
                this.#ctx.config,
                Date.now(),
                Number.POSITIVE_INFINITY,
                this.#random,
              );
        if (delay === null) {
          this.#pending.delete(job);
          const policy = robotsPolicyFrom(
            { url: robotsUrl.href, status: result.status, body: result.body?.toString('utf8') ?? null },
            this.#ctx.config.userAgent,
          );
          // A run that stopped (a cut attempt) learnt nothing worth keeping for the next.
          if (result.error?.code !== FETCH_ERROR_CODES.DEADLINE) this.#cache.set(robotsUrl.href, policy);
          this.#apply(gate, policy);
          gate.unhold();
        } else {
          job.timer = setTimeout(() => attempt(attempts + 1), delay);
        }
      });
    };
    attempt(1);
  }

  /** The run ended: fetches still going are cut, and their hosts let go. */
  stop(): void {
    for (const job of this.#pending) {
      clearTimeout(job.timer);
      job.attempt?.stopWithin(0);
    }
  }

  #apply(gate: HostGate, policy: RobotsPolicy): void {
    gate.robots = policy;
    if (policy.crawlDelayMs !== null) gate.capRate(policy.crawlDelayMs, Date.now());
  }
}

/** A response whose status says what robots.txt is (2xx: the rules; 3xx, 4xx: none), not worth trying again. */
function isAnswer(result: AttemptResult): boolean {
  return result.status !== null && result.status < 500 && result.status !== 429;
}
