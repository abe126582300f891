/** The pieces of one OriginPool request: its connection and the handler undici sees. */
import { Client, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header';

/** One connection: an undici Client (HTTP/1.1, one request at a time) and the pool's view of it. */
export class Connection extends Client {
  /** Requests dispatched here that have neither ended nor failed. */
  requests = 0;
  /** Requests dispatched here in all. */
  sent = 0;
  /** True while it sits in the pool's idle stack. */
  idle = false;
}

/** What a pooled request tells its pool. */
export interface PoolHooks {
  /** The request on `connection` ended or failed. */
  settled(connection: Connection): void;
  /** Passes a response's end on to `handler`, offering its connection to the next request dispatched meanwhile. */
  ending(
    connection: Connection,
    handler: Dispatcher.DispatchHandler,
    controller: Dispatcher.DispatchController,
    trailers: IncomingHttpHeaders,
  ): void;
  /** Sends a request again, on another connection (see {@link CLOSED_CONNECTION_CODES}). */
  resend(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler, how: Sent): void;
}

/**
 * How a request got its connection: a new one, an idle one, the one whose
 * response was ending when it was dispatched, or any after a first try on a
 * connection that turned out to be closed.
 */
export type Sent = 'fresh' | 'idle' | 'at-end' | 'resent';

/**
 * Errors of a connection the server closed or reset. A GET that meets one on a
 * reused connection before any of its response arrived is sent again, once, on
 * another connection, as browsers do (RFC 9110, 9.2.2): a server may close an
 * idle keep-alive connection just as the next request goes out, or close after
 * each response without saying so, and that is no failure of the URL.
 */
const CLOSED_CONNECTION_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/**
 * The handler undici sees for a pooled request: passes everything on to the
 * caller's handler, tells the pool when the request is over and while its
 * response is ending, and has a GET sent again when a reused connection turns out
 * to be closed (see {@link CLOSED_CONNECTION_CODES}).
 */
export class PooledRequest implements Dispatcher.DispatchHandler {
  readonly #pool: PoolHooks;
  readonly #connection: Connection;
  readonly #opts: Dispatcher.DispatchOptions;
  readonly #handler: Dispatcher.DispatchHandler;
  readonly #sent: Sent;
  #responded = false;
  #settled = false;

  constructor(pool: PoolHooks, connection: Connection, opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler, sent: Sent) {
    this.#pool = pool;
    this.#connection = connection;
    this.#opts = opts;
    this.#handler = handler;
    this.#sent = sent;
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
    this.#responded = true;
    this.#handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#handler.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    this.#settle();
    this.#pool.ending(this.#connection, this.#handler, controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.#settle();
    const method = this.#opts.method;
    if (
      (this.#sent === 'idle' || this.#sent === 'at-end') &&
      !this.#responded &&
      (method === 'GET' || method === 'HEAD') &&
      CLOSED_CONNECTION_CODES.has((error as { code?: string }).code ?? '')
    ) {
      this.#pool.resend(this.#opts, this.#handler, this.#sent);
      return;
    }
    this.#handler.onResponseError?.(controller, error);
  }

  #settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#pool.settled(this.#connection);
  }
}
