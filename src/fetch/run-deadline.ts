/**
 * When a run stops starting requests: its deadline (epoch ms), the caller's abort
 * signal, or a call to {@link RunDeadline.expire} (the result listener failed),
 * whichever comes first. `onExpire` runs once.
 */
export class RunDeadline {
  /** Epoch milliseconds; Infinity for none. */
  readonly at: number;
  readonly #signal: AbortSignal | undefined;
  readonly #onExpire: () => void;
  readonly #onAbort = (): void => this.expire();
  #timer: NodeJS.Timeout | undefined;
  #expired = false;

  constructor(at: number | undefined, signal: AbortSignal | undefined, onExpire: () => void) {
    this.at = at ?? Number.POSITIVE_INFINITY;
    this.#signal = signal;
    this.#onExpire = onExpire;
  }

  /** True once the run may start nothing more. */
  get expired(): boolean {
    return this.#expired;
  }

  /** Milliseconds left (Infinity without a deadline). */
  remaining(): number {
    return this.at - Date.now();
  }

  /** Arms the timer and the abort listener. */
  start(): void {
    if (this.#signal?.aborted) this.expire();
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (Number.isFinite(this.at)) this.#timer = setTimeout(() => this.expire(), Math.max(0, this.remaining()));
  }

  /** Disarms them at the end of the run. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }

  expire(): void {
    if (this.#expired) return;
    this.#expired = true;
    this.#onExpire();
  }
}
