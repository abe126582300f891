/**
 * The consumer's gates: a job's limits held across the whole fleet (issue 8) by taking
 * slots and start times from the {@link FleetLimitStore} (DynamoDB), on top of what the
 * engine's own gates already hold in this process (backoff, breaker, robots.txt).
 *
 * - `perHost`: a host's gate may have in flight only the slots it leased. It leases one
 *   at a time, when every slot it holds is busy and URLs wait, so consumers sharing a
 *   host share its slots instead of the first one taking all. A lease lasts until the
 *   invocation's end (a consumer that dies frees its slots then, when its requests can
 *   no longer be in flight), and is given back as soon as none of the job's runs in
 *   this process has a URL of the host queued or in flight (the host's gate is unused),
 *   so another consumer can take them while this one fetches other hosts; a URL that
 *   comes back later (a retry after its backoff) leases anew.
 * - `hostRate` and `rate`: a gate starts requests only at start times it reserved, about
 *   a second's worth at a time ({@link RESERVE_SECONDS}), each within one interval of its
 *   time; reservations never overlap, so the fleet as a whole keeps to the rate (in any
 *   W seconds at most `burst + 1 + W × rate` starts: the 1 for a start late by up to an
 *   interval). Times it reserved but did not use in time are lost: the fleet goes slower,
 *   never faster.
 *
 * A store call that fails is tried again a second later; nothing starts without its
 * slot and its time. A host whose slots are all leased elsewhere, or whose next start
 * time lies past the deadline, hands its URLs back (FetchRun: `resumeAt`), and the
 * consumer re-queues them with a delay.
 */
import { randomUUID } from 'node:crypto';
import type { EngineConfig } from '../../config/engine-config';
import type { FetchErrorCode } from '../../errors';
import { Gate } from '../../fetch/schedule/gate';
import { HostGate } from '../../fetch/schedule/host-gate';
import type { GateFactories } from '../../fetch/schedule/limit-groups';
import { hostKey, NO_HOST } from '../chunks/chunking';
import { hostLimitKey, jobLimitKey, type FleetLimitStore, type StartGrant } from './fleet-limits';
import type { ChunkMessage } from '../chunks/messages';

/** Seconds of a rate reserved per store call: fewer calls against fewer lost starts at the end. */
export const RESERVE_SECONDS = 1;
/** Most start times reserved per call, whatever the rate. */
const MAX_RESERVED = 50;
/** How long after a store call that failed, or leased nothing, it is made again. */
const RETRY_MS = 1000;
/** Longest wait between two tries for a first slot of a host busy elsewhere. */
const MAX_SLOT_RETRY_MS = 30_000;

/** Where the gates' slots and start times come from, and until when they may be held. */
export interface FleetGateContext {
  readonly store: FleetLimitStore;
  readonly jobId: string;
  /** Epoch ms after which nothing may start (the run deadline): no start time is reserved past it. */
  readonly deadline: number;
  /** Epoch ms when the invocation ends: slot leases last until then. */
  readonly leaseUntil: number;
  /** Called with what a store call that failed threw (logged by the consumer). */
  readonly onError?: (error: unknown) => void;
  readonly now?: () => number;
}

/**
 * The gates of one job's runs in one invocation: a host gate factory for
 * `RunOptions.hostGates` and the run gate for the job's `rate`. {@link settle} gives
 * every slot back; the consumer awaits it before the invocation ends.
 */
export class FleetGates {
  readonly #ctx: FleetGateContext;
  readonly #holder = randomUUID();
  readonly #releases = new Set<Promise<void>>();
  readonly #gates = new Set<FleetHostGate>();
  /** Hosts of this job no other chunk can fetch at the same time: their limits hold here alone. */
  readonly #solo = new Set<string>();

  constructor(ctx: FleetGateContext) {
    this.#ctx = ctx;
  }

  /**
   * Notes a chunk about to run. A chunk that lists its `sharedHosts` (an inline job's)
   * vouches that its other hosts appear in no other chunk of the job: their gates are the
   * engine's own, and cost no store call. A chunk without the list (a manifest's) may
   * share every host. Its children run only after it, so they share nothing with it.
   */
  admit(chunk: Pick<ChunkMessage, 'urls' | 'sharedHosts'>): void {
    if (chunk.sharedHosts === undefined) return;
    const shared = new Set(chunk.sharedHosts);
    for (const { url } of chunk.urls) {
      const host = hostKey(url);
      if (host !== NO_HOST && !shared.has(host)) this.#solo.add(host);
    }
  }

  /** The gates for `RunOptions.gates`. */
  readonly factories: GateFactories = {
    // A host's gate: its slots leased from the store, its starts reserved there when it has a rate.
    host: (host, config) => {
      if (this.#solo.has(host)) return new HostGate(host, config);
      const key = hostLimitKey(this.#ctx.jobId, host);
      const gate = new FleetHostGate(host, config, this.#ctx, key, this.#holder, (p) => this.#track(p));
      this.#gates.add(gate);
      return gate;
    },
    // The job's run gate: its concurrency here, its `rate` across the fleet.
    run: (config) =>
      config.rate === null
        ? new Gate(config.concurrency, null)
        : new FleetRateGate(config.concurrency, new ReservedStarts(this.#ctx, jobLimitKey(this.#ctx.jobId), config.rate, 1)),
  };

  /** Gives back every slot still leased and waits for the store to have them. */
  async settle(): Promise<void> {
    for (const gate of this.#gates) gate.giveBack();
    this.#gates.clear();
    await Promise.all(this.#releases);
  }

  #track(release: Promise<void>): void {
    const p = release.catch((error: unknown) => this.#ctx.onError?.(error)).finally(() => this.#releases.delete(p));
    this.#releases.add(p);
  }
}

/**
 * Start times reserved from the store, used in order. Empty, it asks for more (once at
 * a time) and answers "not before" the time the store named, or never until the answer
 * comes; `changed` wakes the gate's waiters when it does.
 */
class ReservedStarts {
  readonly #ctx: FleetGateContext;
  readonly #key: string;
  readonly #perSecond: number;
  readonly #burst: number;
  #grant: StartGrant | null = null;
  #used = 0;
  #asking = false;
  /** When the store may be asked again, or when the store said a start could happen. */
  #notBefore = 0;
  changed: () => void = () => {};

  constructor(ctx: FleetGateContext, key: string, perSecond: number, burst: number) {
    this.#ctx = ctx;
    this.#key = key;
    this.#perSecond = perSecond;
    this.#burst = burst;
  }

  /** The reserved time of the next start, or infinite while the store is being asked. */
  readyAt(now: number): number {
    const grant = this.#grant;
    if (grant !== null) {
      // A start more than an interval late is lost, not used late: used late it would fall
      // into a time another consumer has reserved, and together they would pass the rate.
      while (this.#used < grant.count && grant.first + (this.#used + 1) * grant.intervalMs <= now) this.#used++;
      if (this.#used < grant.count) return Math.max(now, grant.first + this.#used * grant.intervalMs);
    }
    if (this.#asking) return Number.POSITIVE_INFINITY;
    if (now < this.#notBefore) return this.#notBefore;
    this.#ask(now);
    return Number.POSITIVE_INFINITY;
  }

  take(): void {
    this.#used++;
  }

  #ask(now: number): void {
    this.#asking = true;
    const count = Math.min(MAX_RESERVED, Math.max(1, Math.ceil(this.#perSecond * RESERVE_SECONDS)));
    this.#ctx.store
      .reserveStarts(this.#key, this.#perSecond, this.#burst, count, now, this.#ctx.deadline)
      .then(
        (grant) => {
          this.#grant = grant;
          this.#used = 0;
          // Nothing granted before the deadline: `first` is when a start could be.
          if (grant.count === 0) this.#notBefore = grant.first;
        },
        (error: unknown) => {
          this.#ctx.onError?.(error);
          this.#notBefore = now + RETRY_MS;
        },
      )
      .finally(() => {
        this.#asking = false;
        this.changed();
      });
  }
}

/** A run gate whose starts are reserved from the store (the job's `rate`). */
class FleetRateGate extends Gate {
  readonly #starts: ReservedStarts;

  constructor(capacity: number, starts: ReservedStarts) {
    super(capacity, null);
    this.#starts = starts;
    starts.changed = () => this.wakeAll();
  }

  override readyAt(now: number): number {
    return Math.max(super.readyAt(now), this.#starts.readyAt(now));
  }

  override take(now: number): void {
    super.take(now);
    this.#starts.take();
  }
}

/** A host's gate whose slots are leased, and whose starts (with a rate) are reserved, from the store. */
class FleetHostGate extends HostGate {
  readonly #ctx: FleetGateContext;
  readonly #key: string;
  readonly #holder: string;
  readonly #cap: number;
  readonly #starts: ReservedStarts | null;
  readonly #track: (release: Promise<void>) => void;
  #held = 0;
  #leasing = false;
  /** A release of every held slot is on its way to the store: nothing is leased until it lands. */
  #releasing = false;
  /** False once its group no longer uses it; true again when a run asks it for a start. */
  #inUse = true;
  /** The invocation is ending: nothing more is leased. */
  #settled = false;
  #retryAt = 0;
  /** Acquisitions in a row that got nothing while nothing was held. */
  #refusals = 0;

  constructor(
    host: string,
    config: EngineConfig,
    ctx: FleetGateContext,
    key: string,
    holder: string,
    track: (release: Promise<void>) => void,
  ) {
    super(host, config);
    this.#ctx = ctx;
    this.#key = key;
    this.#holder = holder;
    this.#cap = config.perHost;
    this.#track = track;
    this.#starts = config.hostRate === null ? null : new ReservedStarts(ctx, key, config.hostRate, config.hostBurst);
    if (this.#starts !== null) this.#starts.changed = () => this.wakeAll();
  }

  override block(now: number): ReturnType<Gate['block']> {
    if (this.closed !== null) return 'closed';
    this.#inUse = true;
    if (this.active >= this.#held) {
      this.#lease(now);
      // With nothing leased, the wait is for a time (the store's answer, or the next try).
      if (this.active >= this.#held) return this.#held === 0 ? 'time' : 'capacity';
    }
    return super.block(now);
  }

  override readyAt(now: number): number {
    if (this.#held === 0) return this.#leasing || this.#releasing ? Number.POSITIVE_INFINITY : Math.max(now, this.#retryAt);
    const local = super.readyAt(now);
    return this.#starts === null ? local : Math.max(local, this.#starts.readyAt(now));
  }

  override take(now: number): void {
    super.take(now);
    this.#starts?.take();
  }

  /** Holding slots or reserved times: the group must keep this gate until {@link giveBack}. */
  override isBlank(): boolean {
    return false;
  }

  /**
   * A throttled host pauses the whole fleet: with a rate, the pause is reserved from the
   * store as one long start, so no consumer is granted a start before it ends.
   */
  override observe(
    status: number | null,
    code: FetchErrorCode | null,
    retryAfter: string | undefined,
    now: number,
    random: () => number,
  ): boolean {
    const before = this.pausedUntil;
    const throttled = super.observe(status, code, retryAfter, now, random);
    if (this.#starts !== null && this.pausedUntil > Math.max(before, now)) {
      const pauseMs = this.pausedUntil - now;
      this.#ctx.store
        .reserveStarts(this.#key, 1000 / pauseMs, 1, 1, now, Number.POSITIVE_INFINITY)
        .catch((error: unknown) => this.#ctx.onError?.(error));
    }
    return throttled;
  }

  /**
   * No run of the job in this process has a URL of the host queued or in flight: its
   * slots go back to the fleet now, not at the invocation's end.
   */
  override unused(): void {
    this.#inUse = false;
    this.#release();
  }

  /** Gives back every slot this gate leased, for good (the invocation is ending). */
  giveBack(): void {
    this.#settled = true;
    this.#release();
  }

  /**
   * Releases every held slot, unless a lease is on its way (its answer releases what it
   * got) or a release is (nothing was leased since). Never overlapping a lease: the store
   * applies calls in any order, and a release landing after a new lease would take it too.
   */
  #release(): void {
    if (this.#held === 0 || this.#leasing || this.#releasing) return;
    this.#releasing = true;
    // Unusable from now, whatever the answer: a release whose answer was lost may still have
    // landed, and a slot not known to be held must not be used (a failed one expires with the lease).
    this.#held = 0;
    const release = this.#ctx.store.releaseSlots(this.#key, this.#holder);
    this.#track(release);
    void release
      .catch(() => undefined)
      .finally(() => {
        this.#releasing = false;
        // Runs that wanted the host again meanwhile lease anew.
        this.wakeAll();
      });
  }

  /** Leases one more slot when every held one is busy, unless one is being leased or given back, or the fleet had none to spare a moment ago. */
  #lease(now: number): void {
    if (this.#settled || this.#leasing || this.#releasing || this.#held >= this.#cap || now < this.#retryAt) return;
    this.#leasing = true;
    this.#ctx.store
      .acquireSlots(this.#key, this.#holder, 1, this.#cap, this.#ctx.leaseUntil, now)
      .then(
        (got) => {
          this.#leasing = false;
          this.#held += got;
          // Unused or given back while this lease was on its way: it goes back too.
          if (this.#settled || !this.#inUse) this.#release();
          // The fleet has none to spare: ask again later, backing off while nothing is held,
          // so a consumer whose host is busy elsewhere soon hands its URLs back (the retry
          // time passes its deadline) instead of waiting out its invocation.
          this.#refusals = got === 0 && this.#held === 0 ? this.#refusals + 1 : 0;
          if (got === 0)
            this.#retryAt = (this.#ctx.now ?? Date.now)() + Math.min(MAX_SLOT_RETRY_MS, RETRY_MS * 2 ** Math.max(0, this.#refusals - 1));
        },
        (error: unknown) => {
          this.#leasing = false;
          this.#ctx.onError?.(error);
          this.#retryAt = (this.#ctx.now ?? Date.now)() + RETRY_MS;
        },
      )
      .finally(() => this.wakeAll());
  }
}
