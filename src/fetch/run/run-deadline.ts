import type { RunOptions } from '../types';

/**
 * When a run stops starting requests: its deadline (epoch ms), the caller's abort
 * signal, or a call to {@link RunDeadline.expire} (the result listener failed),
 * whichever comes first. `onExpire` runs once. An abort or a failed listener acts
 * as the deadline arriving now, except that attempts already in flight get
 * {@link RunDeadline.stopGraceMs} to finish before they are cut (at the deadline
 * itself they are cut at once: their budget ends there).
 */
export class RunDeadline {
  /** Epoch milliseconds; Infinity for none. */
  readonly at: number;
  /** Once the run stops, how long attempts in flight may go on before they are cut with DEADLINE. */
  readonly stopGraceMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #onExpire: () => void;
  readonly #onAbort = (): void => this.expire();
  #timer: NodeJS.Timeout | undefined;
  #expired = false;

  constructor(options: Pick<RunOptions, 'deadline' | 'signal' | 'stopGraceMs'>, onExpire: () => void) {
    this.at = options.deadline ?? Number.POSITIVE_INFINITY;
    this.stopGraceMs = options.stopGraceMs ?? 0;
    this.#signal = options.signal;
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
