import { EventEmitter } from 'node:events';
import { Client, Dispatcher, errors } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header';
import { Fifo } from './host-scheduler';

/** One connection: an undici Client (HTTP/1.1, one request at a time) and the pool's view of it. */
class Connection extends Client {
  /** Requests dispatched here that have neither ended nor failed. */
  requests = 0;
  /** True while it sits in the pool's idle stack. */
  idle = false;
}

/** What a pooled request tells its pool. */
interface PoolHooks {
  /** The request on `connection` ended or failed. */
  settled(connection: Connection): void;
  /** Runs a response's end callback with its connection offered to the next request dispatched. */
  ending(connection: Connection, end: () => void): void;
}

interface Waiting {
  readonly opts: Dispatcher.DispatchOptions;
  readonly handler: Dispatcher.DispatchHandler;
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
 * When its last connection is gone the pool emits `disconnect`, on which the Agent
 * drops it: an origin no longer fetched holds no memory.
 */
export class OriginPool extends Dispatcher {
  readonly #origin: string;
  readonly #url: URL;
  readonly #options: Client.Options;
  readonly #maxConnections: number;
  readonly #connections = new Set<Connection>();
  readonly #idle: Connection[] = [];
  readonly #waiting = new Fifo<Waiting>();
  /** The connection whose response is ending right now (see the class comment). */
  #ending: Connection | null = null;
  /** A dispatch returned false: emit `drain` once no request waits (the Dispatcher contract). */
  #needDrain = false;
  #closed = false;
  #destroyed = false;
  #onNoneWaiting: (() => void) | null = null;
  readonly #hooks: PoolHooks = {
    settled: (connection) => {
      connection.requests--;
    },
    ending: (connection, end) => {
      this.#ending = connection;
      try {
        end();
      } finally {
        this.#ending = null;
      }
    },
  };

  /**
   * @param options for each connection's undici Client (the connector, timeouts, keep-alive)
   * @param maxConnections connections open at once, at most
   */
  constructor(origin: string | URL, options: Client.Options, maxConnections: number) {
    super();
    this.#url = new URL(String(origin));
    this.#origin = this.#url.origin;
    this.#options = options;
    this.#maxConnections = maxConnections;
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
    const connection = this.#take();
    if (connection === null) {
      this.#waiting.push({ opts, handler });
      this.#needDrain = true;
      return false;
    }
    this.#send(connection, opts, handler);
    return true;
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed = true;
    // Requests already accepted still go out; then every connection closes once idle.
    const noneWaiting =
      this.#waiting.length === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.#onNoneWaiting = resolve));
    const closing = noneWaiting.then(() => this.#forEachConnection((c) => c.close()));
    if (callback === undefined) return closing;
    void closing.then(callback);
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const err = typeof errOrCallback === 'function' ? null : (errOrCallback ?? null);
    const done = typeof errOrCallback === 'function' ? errOrCallback : callback;
    this.#closed = true;
    this.#destroyed = true;
    const reason = err ?? new errors.ClientDestroyedError();
    for (let w = this.#waiting.shift(); w !== undefined; w = this.#waiting.shift()) {
      // Never sent, so there is no controller to hand over.
      w.handler.onResponseError?.(null as unknown as Dispatcher.DispatchController, reason);
    }
    this.#settleWaiting();
    const destroying = this.#forEachConnection((c) => c.destroy(reason));
    if (done === undefined) return destroying;
    void destroying.then(done);
  }

  /** A connection for the next request, or null when every one allowed is busy. */
  #take(): Connection | null {
    const ending = this.#ending;
    if (ending !== null) {
      this.#ending = null;
      if (this.#usable(ending)) return ending;
    }
    for (let c = this.#idle.pop(); c !== undefined; c = this.#idle.pop()) {
      c.idle = false;
      if (this.#usable(c)) return c;
    }
    if (this.#connections.size >= this.#maxConnections) return null;
    return this.#open();
  }

  #usable(connection: Connection): boolean {
    return this.#connections.has(connection) && !connection.closed && !connection.destroyed;
  }

  #open(): Connection {
    const connection = new Connection(this.#origin, this.#options);
    this.#connections.add(connection);
    connection.on('drain', () => this.#onFree(connection));
    connection.on('disconnect', () => this.#onDisconnect(connection));
    connection.on('connectionError', () => this.#onDisconnect(connection));
    return connection;
  }

  #send(connection: Connection, opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    connection.requests++;
    connection.dispatch(opts, new PooledRequest(this.#hooks, connection, handler));
  }

  /** undici says `connection` can take a request again. */
  #onFree(connection: Connection): void {
    if (connection.requests > 0 || connection.idle || !this.#usable(connection)) return;
    const next = this.#waiting.shift();
    if (next !== undefined) {
      this.#send(connection, next.opts, next.handler);
      this.#settleWaiting();
      return;
    }
    connection.idle = true;
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
    if (connection.idle) {
      connection.idle = false;
      this.#idle.splice(this.#idle.lastIndexOf(connection), 1);
    }
    if (!connection.closed && !connection.destroyed) void connection.close().catch(() => undefined);
    while (this.#waiting.length > 0 && this.#connections.size < this.#maxConnections && !this.#destroyed) {
      const next = this.#waiting.shift()!;
      this.#send(this.#open(), next.opts, next.handler);
    }
    this.#settleWaiting();
    if (this.#connections.size === 0 && this.#waiting.length === 0) {
      this.#emit('disconnect', this.#url, [this], new errors.InformationalError('no connections left'));
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

/**
 * The handler undici sees for a pooled request: passes everything on to the
 * caller's handler, and tells the pool when the request is over and while its
 * response is ending.
 */
class PooledRequest implements Dispatcher.DispatchHandler {
  readonly #pool: PoolHooks;
  readonly #connection: Connection;
  readonly #handler: Dispatcher.DispatchHandler;
  #settled = false;

  constructor(pool: PoolHooks, connection: Connection, handler: Dispatcher.DispatchHandler) {
    this.#pool = pool;
    this.#connection = connection;
    this.#handler = handler;
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#handler.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    socket: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[3],
  ): void {
    this.#handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    this.#handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#handler.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    this.#settle();
    this.#pool.ending(this.#connection, () => this.#handler.onResponseEnd?.(controller, trailers));
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.#settle();
    this.#handler.onResponseError?.(controller, error);
  }

  #settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#pool.settled(this.#connection);
  }
}
