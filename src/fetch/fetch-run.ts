import { FETCH_ERROR_CODES, FetchError, type FetchErrorCode } from '../errors';
import { Attempt, type AttemptContext, type AttemptResult } from './attempt';
import { HostScheduler } from './host-scheduler';
import { parseInputUrl } from './input-url';
import type { FetchResult } from './result';
import { nextRetryDelay } from './retry-policy';
import type { RunOptions, RunSummary, UrlInput } from './types';

/** One URL on its way through the run. */
interface Task {
  readonly input: UrlInput;
  readonly url: URL;
  readonly host: string;
  attempts: number;
  startedAt: number;
  last: AttemptResult | null;
  retryTimer: NodeJS.Timeout | undefined;
  attempt: Attempt | undefined;
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** URLs read between two turns of the event loop. */
const READER_YIELD_EVERY = 64;

/**
 * A single pass over an input: reads URLs lazily, admits them through the
 * {@link HostScheduler}, retries with backoff outside the slot (a task waiting to
 * retry holds no slot), and reports exactly one result per input.
 *
 * Input is pulled only while fewer than `lookahead` tasks wait for a slot, so
 * memory stays flat however long the input is. After the run deadline (or an
 * abort) nothing new starts: waiting tasks and the rest of the input come back as
 * NOT_ATTEMPTED (or with their last attempt's result), never dropped.
 */
export class FetchRun {
  readonly #ctx: AttemptContext;
  readonly #options: RunOptions;
  readonly #random: () => number;
  readonly #scheduler: HostScheduler<Task>;
  readonly #retrying = new Set<Task>();
  /** Tasks with an attempt in flight, to cut when the run is stopped. */
  readonly #running = new Set<Task>();
  readonly #lookahead: number;
  readonly #deadline: number;
  readonly #startedAt = performance.now();
  #expired = false;
  #inputDone = false;
  #outstanding = 0;
  #total = 0;
  #ok = 0;
  #notAttempted = 0;
  readonly #errors: Partial<Record<FetchErrorCode, number>> = {};
  #sinkPending: Promise<void> | null = null;
  #lastSinkPromise: Promise<void> | undefined;
  #sinkError: unknown = null;
  #wakeReader: (() => void) | null = null;
  #finish: (() => void) | null = null;
  #deadlineTimer: NodeJS.Timeout | undefined;

  constructor(ctx: AttemptContext, options: RunOptions, random: () => number) {
    this.#ctx = ctx;
    this.#options = options;
    this.#random = random;
    const { concurrency, perHost } = ctx.config;
    this.#lookahead = Math.max(1024, concurrency * 4);
    this.#deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    this.#scheduler = new HostScheduler<Task>(concurrency, perHost, (task, host) => this.#start(task, host));
  }

  async run(urls: AsyncIterable<UrlInput> | Iterable<UrlInput>): Promise<RunSummary> {
    const signal = this.#options.signal;
    const onAbort = (): void => this.#expire();
    if (signal?.aborted) this.#expire();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (Number.isFinite(this.#deadline)) {
      this.#deadlineTimer = setTimeout(() => this.#expire(), Math.max(0, this.#deadline - Date.now()));
    }
    try {
      let sinceYield = 0;
      for await (const input of urls) {
        this.#accept(input);
        if (++sinceYield === READER_YIELD_EVERY) {
          // Reading is all microtasks: without a turn of the event loop now and then,
          // a fast input would start thousands of requests before the first
          // connection's events are handled (at concurrency 1,000 the first round
          // took 0.5 s instead of 0.1).
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        if (this.#sinkPending !== null) await this.#drainSink();
        if (this.#scheduler.queued >= this.#lookahead) {
          await new Promise<void>((resolve) => (this.#wakeReader = resolve));
        }
      }
      this.#inputDone = true;
      if (this.#outstanding > 0) await new Promise<void>((resolve) => (this.#finish = resolve));
      await this.#drainSink();
    } finally {
      clearTimeout(this.#deadlineTimer);
      signal?.removeEventListener('abort', onAbort);
    }
    if (this.#sinkError !== null) throw this.#sinkError;
    return {
      total: this.#total,
      ok: this.#ok,
      failed: this.#total - this.#ok - this.#notAttempted,
      notAttempted: this.#notAttempted,
      errors: this.#errors,
      elapsedMs: round(performance.now() - this.#startedAt),
    };
  }

  #accept(input: UrlInput): void {
    this.#total++;
    if (this.#expired) {
      this.#report(input, null, 0, 0, notAttempted());
      return;
    }
    const text = input.url;
    let url: URL;
    try {
      url = parseInputUrl(text, this.#ctx.config.maxUrlLength);
      this.#ctx.guard.checkUrl(url);
    } catch (err) {
      const error =
        err instanceof FetchError ? err : new FetchError(FETCH_ERROR_CODES.BAD_URL, `not a valid absolute URL`);
      this.#report(input, null, 0, 0, error);
      return;
    }
    this.#outstanding++;
    const task: Task = { input, url, host: url.host, attempts: 0, startedAt: 0, last: null, retryTimer: undefined, attempt: undefined };
    this.#scheduler.push(task, task.host);
  }

  #start(task: Task, host: string): void {
    const remaining = this.#deadline - Date.now();
    if (remaining <= 0) {
      this.#scheduler.release(host);
      this.#done(task);
      return;
    }
    if (task.attempts === 0) task.startedAt = performance.now();
    task.attempts++;
    const { timeoutMs } = this.#ctx.config;
    const cutByDeadline = remaining < timeoutMs;
    this.#running.add(task);
    task.attempt = new Attempt(
      this.#ctx,
      task.url,
      cutByDeadline ? remaining : timeoutMs,
      cutByDeadline ? FETCH_ERROR_CODES.DEADLINE : FETCH_ERROR_CODES.TIMEOUT_TOTAL,
      (result) => {
        this.#running.delete(task);
        this.#attempted(task, host, result);
      },
    );
  }

  #attempted(task: Task, host: string, result: AttemptResult): void {
    if (result.error === null && (result.status === null || result.status < 200 || result.status > 299)) {
      result.error = new FetchError(FETCH_ERROR_CODES.HTTP_STATUS, `HTTP ${result.status}`);
    }
    task.last = result;
    this.#scheduler.release(host);
    const delay = this.#expired
      ? null
      : nextRetryDelay(
          { attempts: task.attempts, code: result.error?.code ?? null, status: result.status, retryAfter: result.retryAfter },
          this.#ctx.config,
          Date.now(),
          this.#deadline,
          this.#random,
        );
    if (delay === null) {
      this.#done(task);
    } else {
      this.#retrying.add(task);
      task.retryTimer = setTimeout(() => {
        this.#retrying.delete(task);
        this.#scheduler.push(task, host, true);
      }, delay);
    }
    this.#maybeWakeReader();
  }

  /** The run deadline passed, the caller aborted or the sink failed: start nothing more, cut what runs. */
  #expire(): void {
    if (this.#expired) return;
    this.#expired = true;
    for (const task of this.#scheduler.drain()) this.#done(task);
    for (const task of this.#retrying) {
      clearTimeout(task.retryTimer);
      this.#done(task);
    }
    this.#retrying.clear();
    for (const task of this.#running) task.attempt?.stopWithin(this.#options.stopGraceMs ?? 0);
    this.#maybeWakeReader();
  }

  #done(task: Task): void {
    this.#outstanding--;
    const last = task.last;
    const total = task.attempts === 0 ? 0 : round(performance.now() - task.startedAt);
    this.#report(task.input, last, task.attempts, total, last === null ? notAttempted() : last.error);
    if (this.#outstanding === 0 && this.#inputDone) this.#finish?.();
  }

  #report(input: UrlInput, last: AttemptResult | null, attempts: number, total: number, error: FetchError | null): void {
    const result: FetchResult = {
      url: input.url,
      line: input.line,
      ok: error === null,
      status: last?.status ?? null,
      finalUrl: last?.finalUrl ?? null,
      headers: last?.headers ?? {},
      bytes: last?.bytes ?? 0,
      sha256: last?.sha256 ?? null,
      attempts,
      timings: { connect: last?.connectMs ?? null, ttfb: last?.ttfbMs ?? null, total },
      error: error === null ? null : { code: error.code, message: error.message },
    };
    if (error === null) this.#ok++;
    else {
      if (error.code === FETCH_ERROR_CODES.NOT_ATTEMPTED) this.#notAttempted++;
      this.#errors[error.code] = (this.#errors[error.code] ?? 0) + 1;
    }
    try {
      const pending = this.#options.onResult(result, last?.body);
      // A sink that is full hands every caller the same promise: chain it once.
      if (pending !== undefined && pending !== this.#lastSinkPromise) {
        this.#lastSinkPromise = pending;
        const guarded = pending.catch((err: unknown) => this.#failSink(err));
        this.#sinkPending = this.#sinkPending === null ? guarded : this.#sinkPending.then(() => guarded);
      }
    } catch (err) {
      this.#failSink(err);
    }
  }

  #failSink(err: unknown): void {
    if (this.#sinkError === null) this.#sinkError = err;
    this.#expire();
  }

  async #drainSink(): Promise<void> {
    while (this.#sinkPending !== null) {
      const pending = this.#sinkPending;
      await pending;
      if (this.#sinkPending === pending) this.#sinkPending = null;
    }
  }

  #maybeWakeReader(): void {
    const wake = this.#wakeReader;
    if (wake !== null && (this.#expired || this.#scheduler.queued < this.#lookahead / 2)) {
      this.#wakeReader = null;
      wake();
    }
  }
}

function notAttempted(): FetchError {
  return new FetchError(FETCH_ERROR_CODES.NOT_ATTEMPTED, 'not started before the run stopped (its deadline, or an abort)');
}
