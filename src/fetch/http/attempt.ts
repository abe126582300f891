import type { Dispatcher } from 'undici';
import type { EngineConfig } from '../../config/engine-config';
import { FETCH_ERROR_CODES, FetchError, type FetchErrorCode } from '../../errors';
import type { NetworkGuard } from '../../net/guard';
import { BodyReader } from './body-reader';
import { classifyError } from './classify-error';
import { decodersFor, type Decoder } from './content-coding';
import { KEPT_HEADERS, type KeptHeaders } from '../result';
import { roundMs } from '../../io/numbers';

/** What one attempt (all its redirect hops) produced. */
export interface AttemptResult {
  status: number | null;
  finalUrl: string | null;
  headers: KeptHeaders;
  bytes: number;
  sha256: string | null;
  body: Buffer | undefined;
  retryAfter: string | undefined;
  connectMs: number | null;
  ttfbMs: number | null;
  error: FetchError | null;
}

/** The parts of the engine an attempt uses. */
export interface AttemptContext {
  readonly dispatcher: Dispatcher;
  readonly guard: NetworkGuard;
  readonly config: EngineConfig;
  readonly requestHeaders: Record<string, string>;
  /** Milliseconds a redirect hop to `url` must wait first: it spends a token of the host it goes to. */
  readonly hopDelay?: (url: URL) => number;
  /** Read a body past `maxBytes` as its first `maxBytes` instead of failing TOO_LARGE (robots.txt). */
  readonly truncateBodies?: boolean;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Bytes of a redirect's body we read (to keep the connection) before dropping it. */
const REDIRECT_BODY_LIMIT = 64 * 1024;

const now = (): number => performance.now();

/**
 * One attempt at a URL: a GET, its redirect hops (each hop passes the network
 * guard again), and the body read, under three timers of our own: the attempt's
 * total (or the run deadline, whichever is sooner), the headers wait and the
 * body's idle gap. undici's own timers are disabled because they are coarse; a
 * Node timer fires within a millisecond or two of its time, which is what lets a
 * hung request give its slot back on time.
 *
 * `done` is called exactly once; undici callbacks that arrive after it are ignored
 * and their request is aborted.
 */
export class Attempt {
  readonly #ctx: AttemptContext;
  readonly #done: (result: AttemptResult) => void;
  readonly #started = now();
  readonly #budgetEndsAt: number;
  readonly #firstHopHeaders: Record<string, string>;
  #hop: Hop | null = null;
  #hops = 0;
  #finished = false;
  #totalTimer: NodeJS.Timeout | undefined;
  #phaseTimer: NodeJS.Timeout | undefined;
  #phaseCode: FetchErrorCode = FETCH_ERROR_CODES.TIMEOUT_HEADERS;

  /**
   * @param url the URL to fetch, already passed by the guard's `checkUrl` (the run
   *   checks it once on input; redirect hops are checked here)
   * @param budgetMs time this attempt may take
   * @param budgetCode the code when the budget runs out: TIMEOUT_TOTAL, or DEADLINE
   *   when the run deadline is what cut it
   * @param firstHopHeaders the URL's own request headers (`UrlInput.headers`), sent
   *   on the first hop only
   */
  constructor(
    ctx: AttemptContext,
    url: URL,
    budgetMs: number,
    budgetCode: FetchErrorCode,
    done: (result: AttemptResult) => void,
    firstHopHeaders?: Readonly<Record<string, string>>,
  ) {
    this.#ctx = ctx;
    this.#firstHopHeaders = firstHopHeaders === undefined ? ctx.requestHeaders : { ...ctx.requestHeaders, ...firstHopHeaders };
    this.#done = done;
    this.#budgetEndsAt = this.#started + budgetMs;
    this.#totalTimer = setTimeout(() => {
      this.fail(new FetchError(budgetCode, budgetMessage(budgetCode, budgetMs)));
    }, budgetMs);
    this.#dispatch(url);
  }

  /** Ends the attempt now with `error`, aborting the request in flight. */
  fail(error: FetchError): void {
    if (this.#finished) return;
    const hop = this.#hop;
    this.#finish(hop === null ? emptyResult(null, error) : hop.result(error));
    hop?.cancel(error);
  }

  /**
   * The run was stopped: ends the attempt with DEADLINE `ms` from now, unless it
   * finishes first or its own budget ends sooner.
   */
  stopWithin(ms: number): void {
    if (this.#finished || now() + ms >= this.#budgetEndsAt) return;
    clearTimeout(this.#totalTimer);
    this.#totalTimer = setTimeout(() => {
      this.fail(new FetchError(FETCH_ERROR_CODES.DEADLINE, 'the run was stopped before the request finished'));
    }, ms);
  }

  /** (Re)arms the phase timer: headers wait, then body idle gaps. */
  armPhase(ms: number, code: FetchErrorCode): void {
    clearTimeout(this.#phaseTimer);
    this.#phaseCode = code;
    this.#phaseTimer = setTimeout(() => {
      const what = code === FETCH_ERROR_CODES.TIMEOUT_HEADERS ? 'no response headers' : 'no body data';
      this.fail(new FetchError(this.#phaseCode, `${what} for ${ms} ms`));
    }, ms);
  }

  /** Pushes the body-idle deadline back: data arrived. */
  touchPhase(): void {
    this.#phaseTimer?.refresh();
  }

  /** A hop ended with a redirect to `location`. */
  redirect(hop: Hop, location: string): void {
    if (this.#finished || hop !== this.#hop) return;
    clearTimeout(this.#phaseTimer);
    let next: URL;
    try {
      next = new URL(location, hop.url);
    } catch {
      this.#finish(hop.result(new FetchError(FETCH_ERROR_CODES.BAD_RESPONSE, `invalid redirect location ${JSON.stringify(location)}`)));
      return;
    }
    if (this.#hops >= this.#ctx.config.maxRedirects) {
      this.#finish(
        hop.result(new FetchError(FETCH_ERROR_CODES.TOO_MANY_REDIRECTS, `more than ${this.#ctx.config.maxRedirects} redirects`)),
      );
      return;
    }
    try {
      // Each hop passes the guard again: a redirect may point anywhere.
      this.#ctx.guard.checkUrl(next);
    } catch (err) {
      this.#finish(emptyResult(next.href, classifyError(err)));
      return;
    }
    this.#hops++;
    const wait = this.#ctx.hopDelay?.(next) ?? 0;
    if (wait <= 0) {
      this.#dispatch(next);
      return;
    }
    // The hop waits for its host's token, holding the URL's slot; the attempt's timers still run.
    this.#hop = null;
    setTimeout(() => {
      if (!this.#finished) this.#dispatch(next);
    }, wait);
  }

  /** A hop ended: a final response read in full, or an error. */
  complete(hop: Hop, result: AttemptResult): void {
    if (this.#finished || hop !== this.#hop) return;
    this.#finish(result);
  }

  get startedAt(): number {
    return this.#started;
  }

  /** Sends a request for `url`, which the guard has passed (the run checks the first). */
  #dispatch(url: URL): void {
    const hop = new Hop(this, this.#ctx, url);
    this.#hop = hop;
    try {
      this.#ctx.dispatcher.dispatch(
        {
          origin: url.origin,
          path: url.pathname + url.search,
          method: 'GET',
          headers: this.#hops === 0 ? this.#firstHopHeaders : this.#ctx.requestHeaders,
        },
        hop,
      );
    } catch (err) {
      this.#finish(hop.result(classifyError(err)));
    }
  }

  #finish(result: AttemptResult): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#totalTimer);
    clearTimeout(this.#phaseTimer);
    this.#done(result);
  }
}

function budgetMessage(code: FetchErrorCode, ms: number): string {
  return code === FETCH_ERROR_CODES.DEADLINE
    ? 'the run deadline was reached before the request finished'
    : `request took longer than ${ms} ms`;
}

/** The result of an attempt that got no response: only where it was going and why it ended. */
export function emptyResult(finalUrl: string | null, error: FetchError): AttemptResult {
  return {
    status: null,
    finalUrl,
    headers: {},
    bytes: 0,
    sha256: null,
    body: undefined,
    retryAfter: undefined,
    connectMs: null,
    ttfbMs: null,
    error,
  };
}

/** One request/response on the wire: undici's dispatch handler. */
class Hop implements Dispatcher.DispatchHandler {
  readonly url: URL;
  readonly #attempt: Attempt;
  readonly #ctx: AttemptContext;
  readonly #sent = now();
  #controller: Dispatcher.DispatchController | null = null;
  #cancelled: FetchError | null = null;
  #status: number | null = null;
  #headers: KeptHeaders = {};
  #retryAfter: string | undefined;
  #location: string | undefined;
  #connectMs: number | null = null;
  #ttfbMs: number | null = null;
  #reader: BodyReader | null = null;
  #discarded = 0;

  constructor(attempt: Attempt, ctx: AttemptContext, url: URL) {
    this.#attempt = attempt;
    this.#ctx = ctx;
    this.url = url;
  }

  cancel(error: FetchError): void {
    this.#cancelled = error;
    this.#reader?.destroy();
    this.#controller?.abort(error);
  }

  result(error: FetchError | null): AttemptResult {
    const reader = this.#reader;
    return {
      status: this.#status,
      finalUrl: this.url.href,
      headers: this.#headers,
      bytes: reader?.bytes ?? 0,
      sha256: error === null && reader !== null ? reader.digest() : null,
      body: error === null ? reader?.body() : undefined,
      retryAfter: this.#retryAfter,
      connectMs: this.#connectMs,
      ttfbMs: this.#ttfbMs,
      error,
    };
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.#cancelled !== null) {
      controller.abort(this.#cancelled);
      return;
    }
    this.#controller = controller;
    this.#connectMs = roundMs(now() - this.#sent);
    this.#attempt.armPhase(this.#ctx.config.headersTimeoutMs, FETCH_ERROR_CODES.TIMEOUT_HEADERS);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    // A 1xx (103 Early Hints, 102 Processing) is informational: the final response
    // is still to come, so the headers timer keeps running.
    if (this.#cancelled !== null || statusCode < 200) return;
    const config = this.#ctx.config;
    this.#ttfbMs = roundMs(now() - this.#attempt.startedAt);
    this.#status = statusCode;
    this.#attempt.armPhase(config.bodyTimeoutMs, FETCH_ERROR_CODES.TIMEOUT_BODY);
    const location = headers.location;
    if (REDIRECT_STATUSES.has(statusCode) && location !== undefined) {
      this.#location = Array.isArray(location) ? location[0] : location;
      return;
    }
    const kept: KeptHeaders = {};
    for (const name of KEPT_HEADERS) {
      const value = headers[name];
      if (value !== undefined) kept[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    this.#headers = kept;
    const retryAfter = headers['retry-after'];
    this.#retryAfter = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
    let decoders: (() => Decoder)[];
    try {
      decoders = decodersFor(headers['content-encoding']);
    } catch (err) {
      this.#attempt.fail(classifyError(err));
      return;
    }
    const declared = Number(kept['content-length']);
    this.#reader = new BodyReader(
      decoders,
      { maxBytes: config.maxBytes, hash: config.hash, keep: config.keepBodies, truncate: this.#ctx.truncateBodies === true },
      (error, cut) => {
        this.#attempt.complete(this, this.result(error));
        // Past the cap the rest of the body is unwanted: close the connection now
        // rather than let the server keep sending into a reader that ignores it.
        if (error !== null) this.cancel(error);
        else if (cut) this.cancel(new FetchError(FETCH_ERROR_CODES.TOO_LARGE, `body cut at ${config.maxBytes} bytes`));
      },
      controller,
    );
    if (decoders.length === 0 && declared > config.maxBytes && this.#ctx.truncateBodies !== true) {
      // Refuse before reading a byte: the server said how big it is.
      this.#attempt.fail(
        new FetchError(FETCH_ERROR_CODES.TOO_LARGE, `content-length ${declared} exceeds the limit of ${config.maxBytes} bytes`),
      );
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#cancelled !== null) return;
    this.#attempt.touchPhase();
    if (this.#reader !== null) {
      this.#reader.write(chunk);
      return;
    }
    this.#discarded += chunk.length;
    if (this.#discarded > REDIRECT_BODY_LIMIT && this.#location !== undefined) {
      // Not worth reading a large redirect body to keep one connection: drop it.
      const location = this.#location;
      this.#location = undefined;
      // Cancelled first: the abort reports an error to this hop at once, which must
      // not end the attempt; the redirect is still followed.
      this.#cancelled = new FetchError(FETCH_ERROR_CODES.BAD_RESPONSE, 'redirect body dropped');
      controller.abort(this.#cancelled);
      this.#attempt.redirect(this, location);
    }
  }

  onResponseEnd(): void {
    if (this.#cancelled !== null) return;
    if (this.#reader !== null) {
      this.#reader.end();
    } else if (this.#location !== undefined) {
      this.#attempt.redirect(this, this.#location);
    } else {
      this.#attempt.complete(this, this.result(null));
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#cancelled !== null) return;
    this.#reader?.destroy();
    this.#attempt.complete(this, this.result(classifyError(error)));
  }
}
