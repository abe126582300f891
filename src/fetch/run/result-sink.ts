import { isUtf8 } from 'node:buffer';
import { FETCH_ERROR_CODES, type FetchError, type FetchErrorCode } from '../../errors';
import type { AttemptResult } from '../http/attempt';
import type { FetchResult } from '../result';
import type { ResultListener, RunSummary, UrlInput } from '../types';

/** What a run knows about a URL when it is done with it. */
export interface Outcome {
  readonly input: UrlInput;
  /** The last attempt, or null when none got a response or an error of its own. */
  readonly last: AttemptResult | null;
  readonly attempts: number;
  readonly totalMs: number;
  readonly dnsMs: number | null;
  /** Time spent waiting for a rate's token or a paused host (see ResultTimings.queued). */
  readonly queuedMs?: number;
  readonly error: FetchError | null;
}

/**
 * The result record for an outcome (the schema in docs/cli.md). With `includeBody`,
 * a body the attempt kept goes in as text when it is valid UTF-8, else as base64.
 */
export function buildResult(outcome: Outcome, includeBody?: { readonly maxBytes: number }): FetchResult {
  const { input, last, error } = outcome;
  const record: FetchResult = {
    url: input.url,
    line: input.line,
    ok: error === null,
    status: last?.status ?? null,
    finalUrl: last?.finalUrl ?? null,
    headers: last?.headers ?? {},
    bytes: last?.bytes ?? 0,
    sha256: last?.sha256 ?? null,
    attempts: outcome.attempts,
    timings: {
      dns: outcome.dnsMs,
      connect: last?.connectMs ?? null,
      ttfb: last?.ttfbMs ?? null,
      total: outcome.totalMs,
      queued: Math.round((outcome.queuedMs ?? 0) * 10) / 10,
    },
    error: error === null ? null : { code: error.code, message: error.message },
  };
  const method = input.request?.method;
  if (method !== undefined && method !== 'GET') record.method = method;
  if (input.meta !== undefined) record.meta = input.meta;
  if (includeBody !== undefined && last !== null) {
    if (last.body !== undefined) {
      if (isUtf8(last.body)) record.body = last.body.toString('utf8');
      else record.bodyBase64 = last.body.toString('base64');
    } else if (last.bodyOmitted) {
      record.bodyOmitted = `larger than ${includeBody.maxBytes} bytes`;
    }
  }
  return record;
}

/**
 * Where a run's results go: builds each record, counts it for the summary, and
 * hands it to the caller's listener. A listener that returns a promise slows the
 * input down: the run awaits {@link drain} before reading on. A listener that
 * throws or rejects ends the run (`onFail`), and its error is rethrown at the end.
 */
export class ResultSink {
  readonly #listener: ResultListener;
  readonly #onFail: () => void;
  readonly #includeBody: { readonly maxBytes: number } | undefined;
  #total = 0;
  #ok = 0;
  #notAttempted = 0;
  readonly #errors: Partial<Record<FetchErrorCode, number>> = {};
  #pending: Promise<void> | null = null;
  #lastPromise: Promise<void> | undefined;
  #error: unknown = null;

  constructor(listener: ResultListener, onFail: () => void, includeBody?: { readonly maxBytes: number }) {
    this.#listener = listener;
    this.#onFail = onFail;
    this.#includeBody = includeBody;
  }

  /** True while a promise the listener returned has not settled. */
  get pending(): boolean {
    return this.#pending !== null;
  }

  /** The listener's first failure, or null. */
  get error(): unknown {
    return this.#error;
  }

  report(outcome: Outcome): void {
    const error = outcome.error;
    this.#total++;
    if (error === null) this.#ok++;
    else {
      if (error.code === FETCH_ERROR_CODES.NOT_ATTEMPTED) this.#notAttempted++;
      this.#errors[error.code] = (this.#errors[error.code] ?? 0) + 1;
    }
    try {
      const pending = this.#listener(buildResult(outcome, this.#includeBody), outcome.last?.body);
      // A sink that is full hands every caller the same promise: chain it once.
      if (pending !== undefined && pending !== this.#lastPromise) {
        this.#lastPromise = pending;
        const guarded = pending.catch((err: unknown) => this.#fail(err));
        this.#pending = this.#pending === null ? guarded : this.#pending.then(() => guarded);
      }
    } catch (err) {
      this.#fail(err);
    }
  }

  /** Waits until every promise the listener returned has settled. */
  async drain(): Promise<void> {
    while (this.#pending !== null) {
      const pending = this.#pending;
      await pending;
      if (this.#pending === pending) this.#pending = null;
    }
  }

  summary(elapsedMs: number): Omit<RunSummary, 'hosts' | 'resumeAt'> {
    return {
      total: this.#total,
      ok: this.#ok,
      failed: this.#total - this.#ok - this.#notAttempted,
      notAttempted: this.#notAttempted,
      errors: this.#errors,
      elapsedMs,
    };
  }

  #fail(err: unknown): void {
    if (this.#error === null) this.#error = err;
    this.#onFail();
  }
}
