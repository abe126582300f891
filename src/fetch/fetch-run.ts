import { FETCH_ERROR_CODES, FetchError } from '../errors';
import type { DnsCache, NameAnswer } from '../net/dns-cache';
import { Attempt, emptyResult, type AttemptContext, type AttemptResult } from './attempt';
import { HostScheduler } from './host-scheduler';
import { parseInputUrl } from './input-url';
import { isOkStatus } from './ok-status';
import { ResolveAhead } from './resolve-ahead';
import { ResultSink } from './result-sink';
import { nextRetryDelay } from './retry-policy';
import { RetryTimers } from './retry-timers';
import { RunDeadline } from './run-deadline';
import type { Task } from './task';
import type { RunOptions, RunSummary, UrlInput } from './types';

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** URLs read between two turns of the event loop. */
const READER_YIELD_EVERY = 64;

/**
 * A single pass over an input. Each URL goes through three stages, none of which
 * holds a request slot but the second:
 *
 * 1. {@link ResolveAhead}: its name is resolved (or found in the cache);
 * 2. {@link HostScheduler}: it waits for a slot (global and per host), then an
 *    {@link Attempt} runs;
 * 3. {@link RetryTimers}: a failed attempt that the retry policy allows waits out
 *    its backoff and goes back to stage 1.
 *
 * Input is pulled only while fewer than `lookahead` tasks wait in stages 1 and 2,
 * so memory stays flat however long the input is. When the {@link RunDeadline}
 * passes (or the caller aborts) nothing new starts: waiting tasks and the rest of
 * the input come back as NOT_ATTEMPTED (or with their last attempt's result),
 * never dropped, and attempts in flight are cut with DEADLINE once the stop grace
 * is over. Every result goes through the {@link ResultSink}, once per input.
 */
export class FetchRun {
  readonly #ctx: AttemptContext;
  readonly #random: () => number;
  readonly #scheduler: HostScheduler<Task>;
  readonly #names: ResolveAhead;
  readonly #retries = new RetryTimers<Task>();
  readonly #deadline: RunDeadline;
  readonly #sink: ResultSink;
  /** Tasks with an attempt in flight, to cut when the run stops. */
  readonly #running = new Set<Task>();
  readonly #lookahead: number;
  readonly #startedAt = performance.now();
  #inputDone = false;
  #outstanding = 0;
  #wakeReader: (() => void) | null = null;
  #finish: (() => void) | null = null;

  constructor(ctx: AttemptContext, dns: DnsCache, options: RunOptions, random: () => number) {
    this.#ctx = ctx;
    this.#random = random;
    const { concurrency, perHost } = ctx.config;
    this.#lookahead = Math.max(1024, concurrency * 4);
    this.#deadline = new RunDeadline(options, () => this.#expire());
    this.#sink = new ResultSink(options.onResult, () => this.#deadline.expire());
    this.#scheduler = new HostScheduler<Task>(concurrency, perHost, (task, host) => this.#start(task, host));
    this.#names = new ResolveAhead(dns, (task, answer) => this.#resolved(task, answer));
  }

  /** Tasks of `host` (`hostname[:port]`) waiting for a slot. */
  queuedFor(host: string): number {
    return this.#scheduler.queuedFor(host);
  }

  async run(urls: AsyncIterable<UrlInput> | Iterable<UrlInput>): Promise<RunSummary> {
    this.#deadline.start();
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
        if (this.#sink.pending) await this.#sink.drain();
        if (this.#waitingTasks() >= this.#lookahead) {
          await new Promise<void>((resolve) => (this.#wakeReader = resolve));
        }
      }
      this.#inputDone = true;
      if (this.#outstanding > 0) await new Promise<void>((resolve) => (this.#finish = resolve));
      await this.#sink.drain();
    } finally {
      this.#deadline.stop();
    }
    if (this.#sink.error !== null) throw this.#sink.error;
    return this.#sink.summary(round(performance.now() - this.#startedAt));
  }

  #accept(input: UrlInput): void {
    if (this.#deadline.expired) {
      this.#sink.report({ input, last: null, attempts: 0, totalMs: 0, dnsMs: null, error: notAttempted() });
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
      this.#sink.report({ input, last: null, attempts: 0, totalMs: 0, dnsMs: null, error });
      return;
    }
    this.#outstanding++;
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    const task: Task = { input, url, host: url.host, port, attempts: 0, startedAt: 0, dnsMs: null, last: null, attempt: undefined };
    this.#admit(task);
  }

  /** Stage 1: the task's name, then a place in the scheduler's queue. */
  #admit(task: Task): void {
    const known = this.#names.resolve(task);
    if (known !== null) this.#resolved(task, known);
  }

  #resolved(task: Task, answer: NameAnswer): void {
    if (this.#deadline.expired) {
      this.#done(task);
    } else if (answer.ok) {
      // A retry goes ahead of its host's other tasks.
      this.#scheduler.push(task, task.host, task.attempts > 0);
    } else {
      // The lookup failed: an attempt that never took a slot.
      if (task.attempts === 0) task.startedAt = performance.now();
      task.attempts++;
      task.last = emptyResult(null, answer.error);
      this.#afterAttempt(task);
    }
    this.#maybeWakeReader();
  }

  /** Stage 2: a slot is free for the task. */
  #start(task: Task, host: string): void {
    const remaining = this.#deadline.remaining();
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
        if (result.error === null && !isOkStatus(result.status, task.input.headers)) {
          result.error = new FetchError(FETCH_ERROR_CODES.HTTP_STATUS, `HTTP ${result.status}`);
        }
        task.last = result;
        this.#scheduler.release(host);
        this.#afterAttempt(task);
        this.#maybeWakeReader();
      },
      task.input.headers,
    );
  }

  /** Stage 3: the retry policy decides between another attempt after a backoff and the result. */
  #afterAttempt(task: Task): void {
    const last = task.last as AttemptResult;
    const delay = this.#deadline.expired
      ? null
      : nextRetryDelay(
          { attempts: task.attempts, code: last.error?.code ?? null, status: last.status, retryAfter: last.retryAfter },
          this.#ctx.config,
          Date.now(),
          this.#deadline.at,
          this.#random,
        );
    if (delay === null) this.#done(task);
    else this.#retries.schedule(task, delay, (t) => this.#admit(t));
  }

  /**
   * The run deadline passed, the caller aborted or the listener failed: start
   * nothing more, and cut the attempts in flight once the stop grace is over.
   */
  #expire(): void {
    for (const task of this.#scheduler.drain()) this.#done(task);
    for (const task of this.#names.cancelAll()) this.#done(task);
    for (const task of this.#retries.cancelAll()) this.#done(task);
    for (const task of this.#running) task.attempt?.stopWithin(this.#deadline.stopGraceMs);
    this.#maybeWakeReader();
  }

  #done(task: Task): void {
    this.#outstanding--;
    const last = task.last;
    this.#sink.report({
      input: task.input,
      last,
      attempts: task.attempts,
      totalMs: task.attempts === 0 ? 0 : round(performance.now() - task.startedAt),
      dnsMs: task.dnsMs,
      error: last === null ? notAttempted() : last.error,
    });
    if (this.#outstanding === 0 && this.#inputDone) this.#finish?.();
  }

  /** Tasks read but not started: resolving their name or waiting for a slot. */
  #waitingTasks(): number {
    return this.#scheduler.queued + this.#names.waiting;
  }

  #maybeWakeReader(): void {
    const wake = this.#wakeReader;
    if (wake !== null && (this.#deadline.expired || this.#waitingTasks() < this.#lookahead / 2)) {
      this.#wakeReader = null;
      wake();
    }
  }
}

function notAttempted(): FetchError {
  return new FetchError(FETCH_ERROR_CODES.NOT_ATTEMPTED, 'not started before the run stopped (its deadline, or an abort)');
}
