/** What the budget asks of an origin pool. */
export interface BudgetMember<C> {
  /** The pool's `hostname[:port]`, as the run's scheduler keys hosts. */
  readonly host: string;
  /**
   * A socket this member waited for is its to open. Returns false when it no
   * longer needs one (the budget passes it on).
   */
  granted(): boolean;
  /** Close `connection`, idle now, to make room for another host's. */
  evict(connection: C): void;
}

/** Idle connections looked at for one whose host has nothing queued, before the oldest is taken anyway. */
const EVICTION_SCAN = 64;
/**
 * Share of the limit kept free ahead of demand, by closing idle connections of
 * hosts with nothing queued: a new host then finds a socket at once instead of
 * waiting two or three loop turns for an eviction (at 20 ms a request, a tenth of
 * the time in a run of many hosts).
 */
const HEADROOM = 0.1;

/**
 * One limit on open sockets for the whole engine, across every origin pool.
 *
 * A pool asks before opening a connection ({@link acquire}) and says when one has
 * closed ({@link release}). At the limit, the asking pool waits in a FIFO, and an
 * idle kept-alive connection of some pool is closed to make room: the oldest one
 * whose host has nothing queued in a run, else the oldest. A connection that goes
 * idle while pools wait is closed for them too. Sockets count from the moment the
 * pool decides to open them until they have closed (an aborted one counts until
 * its socket is gone), so the process never holds more than the limit.
 *
 * When the system still runs out of file descriptors (EMFILE: something else in
 * the process holds them), {@link shrink} lowers the limit to what is open now.
 */
export class SocketBudget<C> {
  #limit: number;
  /** Open sockets above which idle ones of hosts with nothing queued are closed ahead of demand. */
  #highWater: number;
  readonly #hasQueued: (host: string) => boolean;
  #open = 0;
  /** Sockets being closed for a waiting pool. */
  #evicting = 0;
  /** Idle connections, oldest first (a Map keeps insertion order). */
  readonly #idle = new Map<C, BudgetMember<C>>();
  /** Pools waiting for a socket, first come first served. */
  readonly #waiting = new Set<BudgetMember<C>>();
  #roomPass: NodeJS.Immediate | null = null;

  /** @param hasQueued true when a run has URLs of `host` waiting for a slot */
  constructor(limit: number, hasQueued: (host: string) => boolean) {
    this.#limit = limit;
    this.#highWater = highWaterFor(limit);
    this.#hasQueued = hasQueued;
  }

  /** Sockets open or opening now. */
  get open(): number {
    return this.#open;
  }

  get limit(): number {
    return this.#limit;
  }

  /**
   * True when `member` may open a socket now (it is counted). Otherwise the member
   * waits and is {@link BudgetMember.granted} one later.
   */
  acquire(member: BudgetMember<C>): boolean {
    if (this.#open < this.#limit && this.#waiting.size === 0) {
      this.#open++;
      if (this.#open > this.#highWater) this.#makeRoom();
      return true;
    }
    this.#waiting.add(member);
    this.#makeRoom();
    return false;
  }

  /** A socket counted by {@link acquire} has closed: its place goes to the first waiting pool. */
  release(): void {
    if (this.#evicting > 0) this.#evicting--;
    this.#open--;
    while (this.#waiting.size > 0 && this.#open < this.#limit) {
      const member = this.#waiting.values().next().value as BudgetMember<C>;
      this.#waiting.delete(member);
      this.#open++;
      if (!member.granted()) this.#open--;
    }
  }

  /** `connection` of `member` sits idle now; if a pool waits, it is closed for it at once. */
  idle(connection: C, member: BudgetMember<C>): void {
    this.#idle.set(connection, member);
    if (this.#waiting.size > 0 || this.#open - this.#evicting > this.#highWater) this.#makeRoom();
  }

  /** `connection` is no longer idle (taken for a request, or gone). */
  busy(connection: C): void {
    this.#idle.delete(connection);
  }

  /** The process ran out of file descriptors: no more sockets than are open now (less the one that failed). */
  shrink(): void {
    this.#limit = Math.max(1, Math.min(this.#limit, this.#open - 1));
    this.#highWater = highWaterFor(this.#limit);
    this.#makeRoom();
  }

  /**
   * Closes idle connections while more pools wait than sockets are being closed
   * for them, a loop turn from now: a request that asks for a socket from within
   * another response's end (the run starts the next URL there) would otherwise
   * find that response's connection not yet idle (undici frees it a turn or two
   * later) and close some other host's, perhaps one with URLs still queued. Only
   * when no idle connection of a host with nothing queued has turned up a turn
   * later is the oldest idle connection taken whatever its host.
   */
  #makeRoom(anyHost = false): void {
    if (this.#roomPass !== null) return;
    this.#roomPass = setImmediate(() => {
      this.#roomPass = null;
      this.#evictIdle(anyHost);
    });
  }

  #evictIdle(anyHost: boolean): void {
    while (this.#idle.size > 0) {
      // Sockets that must close (pools wait, or the limit shrank), else that may (headroom).
      const needed = Math.max(this.#waiting.size, this.#open - this.#limit) - this.#evicting;
      const spare = this.#open - this.#evicting - this.#highWater;
      if (needed <= 0 && spare <= 0) return;
      const picked = this.#pickIdle(anyHost && needed > 0);
      if (picked === undefined) {
        if (needed > 0) this.#makeRoom(true);
        return;
      }
      const [connection, member] = picked;
      this.#idle.delete(connection);
      this.#evicting++;
      member.evict(connection);
    }
  }

  /** The oldest idle connection whose host has nothing queued, else (with `anyHost`) the oldest. */
  #pickIdle(anyHost: boolean): [C, BudgetMember<C>] | undefined {
    let scanned = 0;
    let oldest: [C, BudgetMember<C>] | undefined;
    for (const entry of this.#idle) {
      oldest ??= entry;
      if (!this.#hasQueued(entry[1].host)) return entry;
      if (++scanned === EVICTION_SCAN) break;
    }
    return anyHost ? oldest : undefined;
  }
}

/** The high-water mark for `limit` (see {@link HEADROOM}); none below 10 sockets. */
function highWaterFor(limit: number): number {
  return limit < 10 ? limit : Math.floor(limit * (1 - HEADROOM));
}
