import { Dispatcher } from 'undici';

/**
 * A Dispatcher whose `close` and `destroy` are written once, as promises: undici's
 * overloads (a promise, or a callback; `destroy` with or without an error) map
 * onto {@link SettlingDispatcher.closeNow} and {@link SettlingDispatcher.destroyNow}.
 */
export abstract class SettlingDispatcher extends Dispatcher {
  /** Stops taking requests and closes once those accepted are done. */
  protected abstract closeNow(): Promise<void>;
  /** Fails what is waiting with `err` (or undici's ClientDestroyedError) and closes at once. */
  protected abstract destroyNow(err: Error | null): Promise<void>;

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    return settle(this.closeNow(), callback);
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const err = typeof errOrCallback === 'function' ? null : (errOrCallback ?? null);
    return settle(this.destroyNow(err), typeof errOrCallback === 'function' ? errOrCallback : callback);
  }
}

function settle(work: Promise<void>, callback: (() => void) | undefined): Promise<void> | void {
  if (callback === undefined) return work;
  void work.then(callback);
}
