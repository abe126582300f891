import type { FetchError } from '../../errors';
import { Fifo } from './fifo';
import type { TokenBucket } from './token-bucket';

/** Something waiting at a gate: woken when the gate may let it through. */
export interface Waiter {
  wake(): void;
}

/** Why a gate lets nothing through now. */
export type Block = 'closed' | 'capacity' | 'time';

/**
 * One limit a request must pass to start: at most `capacity` in flight, no sooner
 * than its token bucket and any pause allow, and not at all once it is closed (the
 * host's circuit breaker, or its throttling went on too long). A run's requests pass
 * two: the run's (its concurrency and `rate`) and their host's (`perHost`,
 * `hostRate`, backoff). Waiters are parked here, holding nothing, and woken when
 * a slot frees, when the next token or the end of a pause falls due, or when the
 * gate closes (to be told why).
 */
export class Gate {
  readonly capacity: number;
  active = 0;
  /** Epoch ms before which nothing starts (host-wide backoff). */
  pausedUntil = 0;
  /** Why the gate closed for good; null while open. */
  closed: FetchError | null = null;
  protected bucket: TokenBucket | null;
  #holds = 0;
  readonly #capacityWaiters = new Fifo<Waiter>();
  readonly #timeWaiters = new Set<Waiter>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(capacity: number, bucket: TokenBucket | null) {
    this.capacity = capacity;
    this.bucket = bucket;
  }

  /** The earliest epoch ms a start could happen, `now` when it could now; infinite while held. */
  readyAt(now: number): number {
    return this.#holds > 0 ? Number.POSITIVE_INFINITY : this.dueAt(now);
  }

  /**
   * The earliest epoch ms the token bucket and any pause allow a start, `now` when
   * they allow it now, whatever holds the gate: for the request the gate is held
   * for (its robots.txt), which must still wait for its host's pause and token.
   */
  dueAt(now: number): number {
    const tokenAt = this.bucket === null ? now : this.bucket.readyAt(now);
    return Math.max(now, this.pausedUntil, tokenAt);
  }

  /** What keeps a start from happening now, or null. */
  block(now: number): Block | null {
    if (this.closed !== null) return 'closed';
    if (this.active >= this.capacity) return 'capacity';
    return this.readyAt(now) > now ? 'time' : null;
  }

  /** A start passes: one slot and one token. */
  take(now: number): void {
    this.active++;
    this.bucket?.take(now);
  }

  /**
   * Spends the next token whenever it falls due (after any pause) without queueing,
   * and returns the milliseconds until then: a redirect hop's start at its new host.
   */
  reserve(now: number): number {
    const at = Math.max(now, this.pausedUntil, this.bucket?.reserve(now) ?? now);
    return at - now;
  }

  /** True when the gate remembers nothing worth keeping: dropping it and making a new one later changes nothing. */
  isBlank(now: number): boolean {
    return (
      this.active === 0 &&
      this.#holds === 0 &&
      this.closed === null &&
      this.pausedUntil <= now &&
      this.#capacityWaiters.length === 0 &&
      this.#timeWaiters.size === 0 &&
      (this.bucket === null || this.bucket.readyAt(now) <= now)
    );
  }

  /** A request ended: its slot frees and the first waiter for a slot is woken. */
  release(): void {
    this.active--;
    this.#capacityWaiters.shift()?.wake();
  }

  /** Parks `waiter` until a slot frees. */
  waitForSlot(waiter: Waiter): void {
    this.#capacityWaiters.push(waiter);
  }

  /** Parks `waiter` until `at` (epoch ms; infinite: until {@link wakeAll}). */
  waitUntil(waiter: Waiter, at: number, now: number): void {
    this.#timeWaiters.add(waiter);
    if (at === Number.POSITIVE_INFINITY || at >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#wakeTimeWaiters();
    }, at - now);
  }

  /** Lets nothing start until {@link unhold} (its robots.txt is being fetched). */
  hold(): void {
    this.#holds++;
  }

  unhold(): void {
    this.#holds--;
    if (this.#holds === 0) this.#wakeTimeWaiters();
  }

  /** Closes the gate for good with `error`, waking every waiter so it learns why. */
  close(error: FetchError): void {
    if (this.closed !== null) return;
    this.closed = error;
    this.wakeAll();
  }

  /** Wakes every waiter: the gate's state changed in a way they must look at again. */
  wakeAll(): void {
    this.#wakeTimeWaiters();
    // Those parked now only: a woken waiter that must wait again parks anew, and is not woken twice.
    const waiters: Waiter[] = [];
    for (let w = this.#capacityWaiters.shift(); w !== undefined; w = this.#capacityWaiters.shift()) waiters.push(w);
    for (const w of waiters) w.wake();
  }

  /** Stops the timer (the last run using the gate ended). */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #wakeTimeWaiters(): void {
    const waiters = [...this.#timeWaiters];
    this.#timeWaiters.clear();
    for (const w of waiters) w.wake();
  }
}
