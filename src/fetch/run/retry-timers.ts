/**
 * Tasks waiting out their backoff before another attempt. A waiting task holds no
 * request slot; when the run stops, {@link RetryTimers.cancelAll} hands them back
 * to be reported with their last result.
 */
export class RetryTimers<T> {
  readonly #timers = new Map<T, NodeJS.Timeout>();

  /** Calls `retry` with `task` after `delayMs`. */
  schedule(task: T, delayMs: number, retry: (task: T) => void): void {
    this.#timers.set(
      task,
      setTimeout(() => {
        this.#timers.delete(task);
        retry(task);
      }, delayMs),
    );
  }

  /** Cancels every pending retry and returns its task. */
  cancelAll(): T[] {
    const tasks = [...this.#timers.keys()];
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    return tasks;
  }
}
