import type { Dispatcher } from 'undici';
import type { OriginPool } from './origin-pool';
import { SettlingDispatcher } from './settling-dispatcher';

/**
 * The engine's top dispatcher: one {@link OriginPool} per origin, made on first use
 * and forgotten once its last connection has closed (its `disconnect` event).
 *
 * Why not undici's Agent: on every pool's `disconnect` it scans all its pools (to
 * see whether another still serves the origin), and it passes an error object
 * along each time. A many-host run under a socket budget closes a connection, and
 * so a pool, about once per request: at 4,000 hosts and 20,000 requests that scan
 * and those errors (whose stacks Node serialises) were a tenth of the run's CPU.
 */
export class OriginAgent extends SettlingDispatcher {
  readonly #pools = new Map<string, OriginPool>();
  readonly #create: (origin: string) => OriginPool;
  #closed = false;

  /** @param create makes the pool for an origin (`http://host:port`) */
  constructor(create: (origin: string) => OriginPool) {
    super();
    this.#create = create;
  }

  /** Origins with a pool now. */
  get origins(): number {
    return this.#pools.size;
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = String(opts.origin);
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      const created = this.#create(origin);
      created.on('disconnect', () => {
        if (this.#pools.get(origin) === created && created.connections === 0) this.#pools.delete(origin);
      });
      this.#pools.set(origin, created);
      pool = created;
    }
    return pool.dispatch(opts, handler);
  }

  protected override closeNow(): Promise<void> {
    this.#closed = true;
    return Promise.all([...this.#pools.values()].map((pool) => pool.close())).then(() => undefined);
  }

  protected override destroyNow(err: Error | null): Promise<void> {
    this.#closed = true;
    return Promise.all([...this.#pools.values()].map((pool) => pool.destroy(err))).then(() => undefined);
  }

  get closed(): boolean {
    return this.#closed;
  }
}
