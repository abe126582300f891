import { FETCH_ERROR_CODES, FetchError } from '../../errors';
import type { DnsCache, NameAnswer } from '../../net/dns-cache';
import { Attempt, emptyResult, type AttemptContext, type AttemptResult } from '../http/attempt';
import type { HostGate } from '../schedule/host-gate';
import type { HostScheduler, Lane, LaneOwner } from '../schedule/host-scheduler';
import { parseInputUrl } from './input-url';
import type { LimitGroup } from '../schedule/limit-groups';
import { isOkStatus } from './ok-status';
import { ResolveAhead } from './resolve-ahead';
import { ResultSink } from './result-sink';
import { nextRetryDelay } from './retry-policy';
import { RetryTimers } from './retry-timers';
import { RobotsFetcher, type RobotsShared } from '../robots/robots-fetcher';
import { RunDeadline } from './run-deadline';
import type { Task } from './task';
import type { RunOptions, RunSummary, RunView, UrlInput } from '../types';
import { roundMs } from '../../io/numbers';

/** URLs read between two turns of the event loop. */
const READER_YIELD_EVERY = 64;

/**
 * A single pass over an input. Each URL goes through three stages, none of which
 * holds a request slot but the second:
 *
 * 1. {@link ResolveAhead}: its name is resolved (or found in the cache);
 * 2. {@link HostScheduler}: it waits in its host's lane until the gates let it start
 *    (src/fetch/schedule/gate.ts: a slot and a token of the run, and of its host, which may be
 *    paused by backoff, closed by its circuit breaker, or held for its robots.txt),
 *    then an {@link Attempt} runs; a URL its host throttled goes back to the front of
 *    the lane without spending a retry;
 * 3. {@link RetryTimers}: a failed attempt that the retry policy allows waits out
 *    its backoff and goes back to stage 1.
 *
 * Input is pulled only while fewer than `lookahead` tasks wait in stages 1 and 2,
 * so memory stays flat however long the input is. When the {@link RunDeadline}
 * passes (or the caller aborts) nothing new starts: waiting tasks and the rest of
 * the input come back as NOT_ATTEMPTED (or with their last attempt's result),
 * never dropped, and attempts in flight are cut with DEADLINE once the stop grace
 * is over. A host that cannot take its URLs before the deadline (its rate, a pause)
 * hands them back at once as NOT_ATTEMPTED, and the summary's `resumeAt` says when
 * it could. Every result goes through the {@link ResultSink}, once per input.
 */
export class FetchRun implements LaneOwner<Task> {
  readonly #ctx: AttemptContext;
  readonly #random: () => number;
  readonly #scheduler: HostScheduler<Task>;
  readonly #group: LimitGroup;
  readonly #lanes = new Map<string, Lane<Task>>();
  readonly #names: ResolveAhead;
  readonly #retries = new RetryTimers<Task>();
  readonly #deadline: RunDeadline;
  readonly #sink: ResultSink;
  readonly #robots: RobotsFetcher | null;
  /** Tasks with an attempt in flight, to cut when the run stops. */
  readonly #running = new Set<Task>();
  readonly #lookahead: number;
  readonly #startedAt = performance.now();
  #inputDone = false;
  #outstanding = 0;
  /** Tasks of this run waiting in its lanes. */
  #queued = 0;
  #resumeAt = Number.POSITIVE_INFINITY;
  #wakeReader: (() => void) | null = null;
  #finish: (() => void) | null = null;

  constructor(
    ctx: AttemptContext,
    dns: DnsCache,
    options: RunOptions,
    random: () => number,
    scheduler: HostScheduler<Task>,
    group: LimitGroup,
    robots: RobotsShared,
  ) {
    this.#ctx = { ...ctx, hopDelay: (url) => this.#hopDelay(url) };
    this.#random = random;
    this.#scheduler = scheduler;
    this.#group = group;
    this.#lookahead = Math.max(1024, ctx.config.concurrency * 4);
    this.#deadline = new RunDeadline(options, () => this.#expire());
    this.#sink = new ResultSink(options.onResult, () => this.#deadline.expire());
    this.#names = new ResolveAhead(dns, (task, answer) => this.#resolved(task, answer));
    this.#robots = ctx.config.robots ? new RobotsFetcher(this.#ctx, random, robots) : null;
    options.onStart?.(this.#view());
  }

  /** Epoch ms after which none of this run's URLs may start. */
  get deadlineAt(): number {
    return this.#deadline.at;
  }

  /** Tasks of `host` (`hostname[:port]`) waiting in its lane. */
  queuedFor(host: string): number {
    return this.#lanes.get(host)?.tasks.length ?? 0;
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
      this.#robots?.stop();
      for (const [host, lane] of this.#lanes) this.#forget(host, lane);
    }
    if (this.#sink.error !== null) throw this.#sink.error;
    return {
      ...this.#sink.summary(roundMs(performance.now() - this.#startedAt)),
      hosts: this.#group.summary(),
      ...(Number.isFinite(this.#resumeAt) ? { resumeAt: this.#resumeAt } : {}),
    };
  }

  /** Called by the scheduler: the task passed its gates. */
  start(task: Task, lane: Lane<Task>): void {
    const remaining = this.#deadline.remaining();
    if (remaining <= 0) {
      this.#scheduler.release(lane);
      this.#done(task);
      return;
    }
    this.#queued--;
    const now = performance.now();
    task.queuedMs += now - task.waitingSince;
    if (task.attempts === 0) task.startedAt = now;
    task.attempts++;
    const { timeoutMs } = this.#ctx.config;
    const cutByDeadline = remaining < timeoutMs;
    this.#running.add(task);
    task.attempt = new Attempt(
      this.#ctx,
      task.url,
      cutByDeadline ? remaining : timeoutMs,
      cutByDeadline ? FETCH_ERROR_CODES.DEADLINE : FETCH_ERROR_CODES.TIMEOUT_TOTAL,
      (result) => this.#attempted(task, lane, result),
      task.input.headers,
    );
  }

  /** Called by the scheduler: the task will not start (its host's gate closed, or cannot open before the deadline). */
  refuse(task: Task, error: FetchError | null, notBefore: number): void {
    this.#queued--;
    if (error === null) {
      this.#resumeAt = Math.min(this.#resumeAt, notBefore);
      this.#done(
        task,
        notAttempted(`not started: ${task.host} could take it only after the run's deadline (${new Date(notBefore).toISOString()})`),
      );
    } else {
      this.#done(task, error);
    }
    this.#maybeWakeReader();
  }

  /** Called by the scheduler before a task takes its tokens: its host's robots.txt may forbid it. */
  veto(task: Task, lane: Lane<Task>): FetchError | null {
    const robots = hostGateOf(lane).robots;
    if (robots === null) return null;
    // One gate serves `http://h/` and `https://h/` (same host key): the policy read is the site's.
    const origin = new URL(robots.robotsUrl).origin;
    const url = task.url.origin === origin ? task.url : new URL(task.url.pathname + task.url.search, origin);
    const denial = robots.denial(url);
    return denial === null ? null : new FetchError(FETCH_ERROR_CODES.ROBOTS_DISALLOWED, `not fetched: ${denial}`);
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
      const error = err instanceof FetchError ? err : new FetchError(FETCH_ERROR_CODES.BAD_URL, `not a valid absolute URL`);
      this.#sink.report({ input, last: null, attempts: 0, totalMs: 0, dnsMs: null, error });
      return;
    }
    this.#outstanding++;
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    const task: Task = {
      input,
      url,
      host: url.host,
      port,
      attempts: 0,
      throttled: 0,
      startedAt: 0,
      dnsMs: null,
      waitingSince: 0,
      queuedMs: 0,
      last: null,
      attempt: undefined,
    };
    this.#admit(task);
  }

  /** Stage 1: the task's name, then a place in its host's lane. */
  #admit(task: Task): void {
    const known = this.#names.resolve(task);
    if (known !== null) this.#resolved(task, known);
  }

  #resolved(task: Task, answer: NameAnswer): void {
    if (this.#deadline.expired) {
      this.#done(task);
    } else if (answer.ok) {
      // A retry goes ahead of its host's other tasks.
      this.#enqueue(task, task.attempts > 0);
    } else {
      // The lookup failed: an attempt that never took a slot, and a failure of its host.
      if (task.attempts === 0) task.startedAt = performance.now();
      task.attempts++;
      task.last = emptyResult(null, answer.error);
      const code = answer.error.code;
      this.#group.withHost(task.host, (gate) => gate.observe(null, code, undefined, Date.now(), this.#random));
      this.#afterAttempt(task);
    }
    this.#maybeWakeReader();
  }

  #enqueue(task: Task, first: boolean): void {
    this.#queued++;
    task.waitingSince = performance.now();
    this.#scheduler.push(this.#laneFor(task), task, first);
  }

  #laneFor(task: Task): Lane<Task> {
    let lane = this.#lanes.get(task.host);
    if (lane === undefined) {
      const gate = this.#group.acquireHost(task.host);
      lane = this.#scheduler.lane(this, [this.#group.runGate, gate]);
      this.#lanes.set(task.host, lane);
      this.#robots?.fetchFor(gate, task.url);
    }
    return lane;
  }

  #attempted(task: Task, lane: Lane<Task>, result: AttemptResult): void {
    this.#running.delete(task);
    if (result.error === null && !isOkStatus(result.status, task.input.headers)) {
      result.error = new FetchError(FETCH_ERROR_CODES.HTTP_STATUS, `HTTP ${result.status}`);
    }
    task.last = result;
    const gate = hostGateOf(lane);
    const throttled = gate.observe(result.status, result.error?.code ?? null, result.retryAfter, Date.now(), this.#random);
    this.#scheduler.release(lane);
    if (throttled && !this.#deadline.expired) {
      // The host asked everyone to wait: this URL waits with its host's others, at the front, without spending a retry.
      task.throttled++;
      this.#enqueue(task, true);
    } else {
      this.#afterAttempt(task);
    }
    this.#forgetIfIdle(task.host, lane);
    this.#maybeWakeReader();
  }

  /** Stage 3: the retry policy decides between another attempt after a backoff and the result. */
  #afterAttempt(task: Task): void {
    const last = task.last as AttemptResult;
    const now = Date.now();
    const delay = this.#deadline.expired
      ? null
      : nextRetryDelay(
          { attempts: task.attempts - task.throttled, code: last.error?.code ?? null, status: last.status, retryAfter: last.retryAfter },
          this.#ctx.config,
          now,
          Number.POSITIVE_INFINITY,
          this.#random,
        );
    if (delay === null) {
      this.#done(task);
    } else if (now + delay >= this.#deadline.at) {
      // A retry the deadline leaves no room for is not the URL's failure: handed back, its
      // retry not attempted (the pipeline re-queues it), with when it may go.
      this.#resumeAt = Math.min(this.#resumeAt, now + delay);
      this.#done(task, notAttempted(`its retry was due after the run's deadline (last attempt: ${last.error?.message ?? 'failed'})`));
    } else {
      this.#retries.schedule(task, delay, (t) => this.#admit(t));
    }
  }

  /** Milliseconds a redirect hop to `url` waits for a token of its host (retries and hops spend their host's tokens). */
  #hopDelay(url: URL): number {
    return this.#group.withHost(url.host, (gate) => gate.reserve(Date.now()));
  }

  /**
   * The run deadline passed, the caller aborted or the listener failed: start
   * nothing more, and cut the attempts in flight once the stop grace is over.
   */
  #expire(): void {
    for (const lane of this.#lanes.values()) {
      const tasks = this.#scheduler.close(lane);
      this.#queued -= tasks.length;
      for (const task of tasks) this.#done(task);
    }
    for (const task of this.#names.cancelAll()) this.#done(task);
    for (const task of this.#retries.cancelAll()) this.#done(task);
    for (const task of this.#running) task.attempt?.stopWithin(this.#deadline.stopGraceMs);
    this.#maybeWakeReader();
  }

  /** Reports a task; `error` overrides its last attempt's (a closed host, a deadline it could not make). */
  #done(task: Task, error?: FetchError): void {
    this.#outstanding--;
    const last = task.last;
    this.#sink.report({
      input: task.input,
      last,
      attempts: task.attempts,
      totalMs: task.attempts === 0 ? 0 : roundMs(performance.now() - task.startedAt),
      dnsMs: task.dnsMs,
      queuedMs: task.queuedMs,
      error: error ?? (last === null ? notAttempted() : last.error),
    });
    if (this.#outstanding === 0 && this.#inputDone) this.#finish?.();
  }

  /** Drops an empty, idle lane, so a run over a million hosts keeps only the busy ones. */
  #forgetIfIdle(host: string, lane: Lane<Task>): void {
    if (lane.tasks.length === 0 && lane.active === 0 && lane.where === 'idle' && !this.#deadline.expired) this.#forget(host, lane);
  }

  #forget(host: string, lane: Lane<Task>): void {
    if (this.#lanes.get(host) !== lane) return;
    this.#lanes.delete(host);
    this.#scheduler.close(lane);
    this.#group.releaseHost(host, Date.now());
  }

  /** Tasks read but not started: resolving their name or waiting in a lane. */
  #waitingTasks(): number {
    return this.#queued + this.#names.waiting;
  }

  #maybeWakeReader(): void {
    const wake = this.#wakeReader;
    if (wake !== null && (this.#deadline.expired || this.#waitingTasks() < this.#lookahead / 2)) {
      this.#wakeReader = null;
      wake();
    }
  }

  /** What progress shows of the run's throttling. */
  #view(): RunView {
    return {
      pausedHosts: () => this.#group.pausedHosts(Date.now()),
      waitingForTokens: () => {
        let n = 0;
        for (const lane of this.#lanes.values()) if (lane.waitingForTime) n += lane.tasks.length;
        return n;
      },
    };
  }
}

function hostGateOf(lane: Lane<Task>): HostGate {
  return lane.gates[1] as HostGate;
}

function notAttempted(message = 'not started before the run stopped (its deadline, or an abort)'): FetchError {
  return new FetchError(FETCH_ERROR_CODES.NOT_ATTEMPTED, message);
}
