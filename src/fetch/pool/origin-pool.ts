import { EventEmitter } from 'node:events';
import { errors, type Client, type Dispatcher } from 'undici';
import { Fifo } from '../schedule/fifo';
import { IdleConnections } from './idle-connections';
import { Connection, PooledRequest, type PoolHooks, type Sent } from './pooled-request';
import { SettlingDispatcher } from './settling-dispatcher';
import type { BudgetMember, SocketBudget } from './socket-budget';

/**
 * Why the pool closes a connection the budget wants, and the last-connection news
 * it gives its agent: one object each, made once. Node reads an error's stack when
 * a socket is destroyed with it (serialised through source maps under tsx), which
 * at one eviction per request in a many-host run cost more than the eviction.
 */
const EVICTED = new errors.InformationalError('closed to make room for another host (socket budget)');
const NO_CONNECTIONS_LEFT = new errors.InformationalError('no connections left');
void EVICTED.stack;
void NO_CONNECTIONS_LEFT.stack;

interface Waiting {
  readonly opts: Dispatcher.DispatchOptions;
  readonly handler: Dispatcher.DispatchHandler;
  /** Already sent once (see {@link PoolHooks.resend}). */
  readonly resent: boolean;
}

/**
 * The connections to one origin: what the engine's Agent creates per origin (its
 * `factory`) in place of undici's Pool.
 *
 * Why not Pool: undici hands a keep-alive connection back only a loop turn after
 * its response ends (it waits a `setImmediate`, so that a server closing the
 * connection or sending stray bytes is noticed before the next request goes out).
 * The engine starts the next URL from the response's own end callback, so Pool
 * found that connection busy every time: it opened another (at concurrency 1,000,
 * 1,400 connections for 1,000 requests in flight) or queued the request behind a
 * drain, and it looked for a free connection by scanning all of them, twice per
 * request.
 *
 * Here a request dispatched while a response of this origin is ending is queued
 * on that response's connection. undici sends it after the same loop turn (the
 * path it takes for any Client with a request queued), so the connection is reused
 * with undici's own checks and nothing new is opened. Otherwise the most recently
 * freed idle connection is used (a stack, so surplus connections age out by the
 * keep-alive timeout), then a new one up to `maxConnections`; past that the request
 * waits for the next connection to free.
 *
 * A server that closes a connection after answering without saying so can catch a
 * request queued on it in that loop turn, where Pool would have opened a new
 * connection. Such a request (and one that meets an idle connection closing under
 * it) is sent again on another connection, and after the first of them the pool
 * stops queueing at a response's end: a few requests go out twice, no URL fails.
 *
 * Every connection it opens is counted against the engine's {@link SocketBudget}:
 * at the limit a request waits until another connection (of any origin) has
 * closed, and the pool closes an idle connection of its own when the budget asks.
 *
 * When its last connection is gone the pool emits `disconnect`, on which the Agent
 * drops it: an origin no longer fetched holds no memory.
 */
export class OriginPool extends SettlingDispatcher implements BudgetMember<Connection> {
  readonly #url: URL;
  readonly #options: Client.Options;
  readonly #maxConnections: number;
  readonly #budget: SocketBudget<Connection>;
  readonly #connections = new Set<Connection>();
  readonly #idle: IdleConnections;
  readonly #waiting = new Fifo<Waiting>();
  /** The connection whose response is ending right now (see the class comment). */
  #ending: Connection | null = null;
  /**
   * False once a request queued at a response's end met a closed connection: this
   * server closes connections after answering without saying so, and the next
   * request had better go to another connection, as undici's Pool would send it.
   */
  #queueAtEnd = true;
  /** A dispatch returned false: emit `drain` once no request waits (the Dispatcher contract). */
  #needDrain = false;
  #closed = false;
  #destroyed = false;
  #onNoneWaiting: (() => void) | null = null;
  readonly #hooks: PoolHooks = {
    settled: (connection) => {
      connection.requests--;
    },
    ending: (connection, handler, controller, trailers) => {
      this.#ending = connection;
      try {
        handler.onResponseEnd?.(controller, trailers);
      } finally {
        this.#ending = null;
      }
    },
    resend: (opts, handler, how) => {
      if (how === 'at-end') this.#queueAtEnd = false;
      if (this.#closed) {
        handler.onResponseError?.(null as unknown as Dispatcher.DispatchController, new errors.ClientClosedError());
        return;
      }
      // A new connection if one is allowed: an idle one may be closing just the same.
      const connection = this.#openWithinBudget() ?? this.#takeIdle();
      if (connection === null) this.#waiting.push({ opts, handler, resent: true });
      else this.#send(connection, opts, handler, 'resent');
    },
  };

  /**
   * @param options for each connection's undici Client (the connector, timeouts, keep-alive)
   * @param maxConnections connections open at once, at most
   * @param budget the engine's limit on sockets, shared by every pool
   */
  constructor(origin: string | URL, options: Client.Options, maxConnections: number, budget: SocketBudget<Connection>) {
    super();
    this.#url = new URL(String(origin));
    this.#options = options;
    this.#maxConnections = maxConnections;
    this.#budget = budget;
    this.#idle = new IdleConnections(budget, this);
    this.host = this.#url.host;
  }

  /** `hostname[:port]` of the origin (see {@link BudgetMember}). */
  readonly host: string;

  /** The budget has a socket for this pool: open it for the next waiting request. */
  granted(): boolean {
    const next = this.#destroyed || this.#connections.size >= this.#maxConnections ? undefined : this.#waiting.shift();
    if (next === undefined) return false;
    this.#send(this.#open(), next.opts, next.handler, next.resent ? 'resent' : 'fresh');
    this.#openForWaiting();
    this.#settleWaiting();
    return true;
  }

  /** The budget wants this idle connection's socket for another origin. */
  evict(connection: Connection): void {
    if (!this.#idle.remove(connection)) return;
    // A connection whose socket had already gone emits no `disconnect`: forget it here (once either way).
    void connection
      .destroy(EVICTED)
      .catch(() => undefined)
      .then(() => this.#onDisconnect(connection));
  }

  get closed(): boolean {
    return this.#closed;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Connections open or opening now. */
  get connections(): number {
    return this.#connections.size;
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    // The Agent passes a throw on to the handler's onResponseError.
    if (this.#closed) throw new errors.ClientClosedError();
    const ending = this.#ending;
    if (ending !== null) {
      this.#ending = null;
      if (this.#queueAtEnd && this.#usable(ending)) {
        this.#send(ending, opts, handler, 'at-end');
        return true;
      }
    }
    const connection = this.#takeIdle();
    if (connection === null) {
      this.#waiting.push({ opts, handler, resent: false });
      this.#needDrain = true;
      return false;
    }
    this.#send(connection, opts, handler, connection.sent === 0 ? 'fresh' : 'idle');
    return true;
  }

  protected override closeNow(): Promise<void> {
    this.#closed = true;
    // Requests already accepted still go out; then every connection closes once idle.
    const noneWaiting = this.#waiting.length === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.#onNoneWaiting = resolve));
    return noneWaiting.then(() => this.#forEachConnection((c) => c.close()));
  }

  protected override destroyNow(err: Error | null): Promise<void> {
    this.#closed = true;
    this.#destroyed = true;
    const reason = err ?? new errors.ClientDestroyedError();
    for (let w = this.#waiting.shift(); w !== undefined; w = this.#waiting.shift()) {
      // Never sent, so there is no controller to hand over.
      w.handler.onResponseError?.(null as unknown as Dispatcher.DispatchController, reason);
    }
    this.#settleWaiting();
    return this.#forEachConnection((c) => c.destroy(reason));
  }

  /**
   * The most recently freed idle connection, else a new one, else null when every
   * one allowed is busy or the budget has no socket now (the pool then waits for it).
   */
  #takeIdle(): Connection | null {
    for (let c = this.#idle.pop(); c !== undefined; c = this.#idle.pop()) {
      if (this.#usable(c)) return c;
    }
    return this.#openWithinBudget();
  }

  /** A new connection if this origin and the budget allow one now. */
  #openWithinBudget(): Connection | null {
    if (this.#connections.size >= this.#maxConnections || !this.#budget.acquire(this)) return null;
    return this.#open();
  }

  /** Opens connections for waiting requests while the origin's cap and the budget allow. */
  #openForWaiting(): void {
    while (this.#waiting.length > 0 && !this.#destroyed) {
      const connection = this.#openWithinBudget();
      if (connection === null) return;
      const next = this.#waiting.shift()!;
      this.#send(connection, next.opts, next.handler, next.resent ? 'resent' : 'fresh');
    }
  }

  #usable(connection: Connection): boolean {
    return this.#connections.has(connection) && !connection.closed && !connection.destroyed;
  }

  #open(): Connection {
    const connection = new Connection(this.#url, this.#options);
    this.#connections.add(connection);
    connection.on('drain', () => this.#onFree(connection));
    connection.on('disconnect', () => this.#onDisconnect(connection));
    connection.on('connectionError', () => this.#onDisconnect(connection));
    return connection;
  }

  #send(connection: Connection, opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler, how: Sent): void {
    const request = new PooledRequest(this.#hooks, connection, opts, handler, how);
    connection.requests++;
    connection.sent++;
    connection.dispatch(opts, request);
  }

  /** undici says `connection` can take a request again. */
  #onFree(connection: Connection): void {
    if (connection.requests > 0 || connection.idle || !this.#usable(connection)) return;
    const next = this.#waiting.shift();
    if (next !== undefined) {
      this.#send(connection, next.opts, next.handler, next.resent ? 'resent' : 'idle');
      this.#settleWaiting();
      return;
    }
    this.#idle.push(connection);
  }

  /**
   * `connection` lost its socket. undici reconnects by itself for requests still
   * queued on it; one with none is forgotten, and a request waiting for a
   * connection gets a new one in its place.
   */
  #onDisconnect(connection: Connection): void {
    if (connection.requests > 0 || !this.#connections.has(connection)) return;
    this.#connections.delete(connection);
    this.#idle.remove(connection);
    if (!connection.closed && !connection.destroyed) void connection.close().catch(() => undefined);
    // Its socket is gone: the place goes back to the budget (perhaps to this pool).
    this.#budget.release();
    this.#openForWaiting();
    this.#settleWaiting();
    if (this.#connections.size === 0 && this.#waiting.length === 0) {
      this.#emit('disconnect', this.#url, [this], NO_CONNECTIONS_LEFT);
    }
  }

  /** After the waiting queue shrank: `drain` when it is empty, and let a pending close go on. */
  #settleWaiting(): void {
    if (this.#waiting.length > 0) return;
    if (this.#needDrain) {
      this.#needDrain = false;
      this.#emit('drain', this.#url, [this]);
    }
    const resolve = this.#onNoneWaiting;
    this.#onNoneWaiting = null;
    resolve?.();
  }

  async #forEachConnection(action: (c: Connection) => Promise<void>): Promise<void> {
    await Promise.all([...this.#connections].map((c) => action(c).catch(() => undefined)));
  }

  /**
   * Emits with the arguments undici's own pools give (the Agent forwards `drain`
   * to its listeners and drops the pool on `disconnect`); the typings list fewer.
   */
  #emit(event: 'drain' | 'disconnect', ...args: unknown[]): void {
    EventEmitter.prototype.emit.call(this, event, ...args);
  }
}
