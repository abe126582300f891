/**
 * Limits that hold for a whole job across every consumer: a job's `hostRate`
 * and `rate` (requests started per second) and `perHost` (requests in flight), which
 * the engine alone can only hold inside one process.
 *
 * Two shared primitives, each one conditional write on one item per call:
 *
 * - **Start reservations** (a rate): GCRA over a "theoretical arrival time". A consumer
 *   reserves a batch of start times for a key at once (about a second's worth), then
 *   paces its own requests to those times. Reservations never overlap, so in any
 *   window of W seconds the fleet starts at most `burst + W × rate` requests for the
 *   key, however many consumers share it. Unused reservations are lost (the fleet goes
 *   slower, never faster).
 * - **Slot leases** (a cap on requests in flight): up to `cap` slots per key; a
 *   consumer leases some for at most its invocation's remaining time and releases them
 *   when its run has no more work for the key. A consumer that dies frees its slots
 *   when its lease expires, which is no earlier than its invocation's end, so a dead
 *   consumer's requests can no longer be in flight by then.
 */

/** Start times granted by {@link FleetLimitStore.reserveStarts}. */
export interface StartGrant {
  /**
   * Epoch ms at which the first granted request may start. It may lie before the call's
   * `now` (the burst): such starts may go at once. Pacing must not shift the later
   * times by it: `first + i × intervalMs` is the i-th reserved time either way.
   */
  readonly first: number;
  /** Milliseconds between two granted starts (1000 / rate). */
  readonly intervalMs: number;
  /**
   * Starts granted: `first`, `first + intervalMs`, … (`count` of them). 0 when the
   * first start would fall after `notAfter`; `first` then says when it could.
   */
  readonly count: number;
}

/** The fleet-wide limit store (DynamoDB in AWS and locally; an in-memory fake in unit tests). */
export interface FleetLimitStore {
  /**
   * Reserves up to `count` start times for `key` at `perSecond` with a burst of `burst`,
   * none later than `notAfter` (epoch ms): fewer when the rest would fall after it.
   */
  reserveStarts(key: string, perSecond: number, burst: number, count: number, now: number, notAfter: number): Promise<StartGrant>;
  /**
   * Leases up to `want` more of the `cap` slots of `key` for `holder` until `expiresAt`
   * (epoch ms), counting as free the slots whose lease expired before `now`. Returns
   * how many it got (0 to `want`); what a holder already has stays its own.
   */
  acquireSlots(key: string, holder: string, want: number, cap: number, expiresAt: number, now: number): Promise<number>;
  /** Gives back every slot of `key` that `holder` leased. */
  releaseSlots(key: string, holder: string): Promise<void>;
}

/** The key of a job-wide limit. */
export const jobLimitKey = (jobId: string): string => jobId;

/** The key of a limit of one host (`hostname[:port]`, the engine's per-host key) within a job. */
export const hostLimitKey = (jobId: string, host: string): string => `${jobId}#${host}`;

/** The job a limit key belongs to (job ids have no `#`). */
export const jobOfLimitKey = (key: string): string => key.split('#', 1)[0] as string;

/** What a reservation grants and the key's theoretical arrival time after it. */
export interface StartPlan {
  readonly grant: StartGrant;
  /** The key's next theoretical arrival time (epoch ms); unchanged when nothing is granted. */
  readonly tat: number | undefined;
}

/**
 * The GCRA rule, shared by every store: with T = 1000 / `perSecond`, the first start is
 * at max(`tat`, `now` − (`burst` − 1) × T), the i-th at first + i × T, granted while
 * i < `count` and the time is not after `notAfter`; the new `tat` is the last granted
 * time + T. `tat` undefined: the key has never been reserved.
 */
export function planStarts(
  tat: number | undefined,
  perSecond: number,
  burst: number,
  count: number,
  now: number,
  notAfter: number,
): StartPlan {
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError(`perSecond must be a positive number, got ${perSecond}`);
  wholeAtLeast('burst', burst, 1);
  wholeAtLeast('count', count, 0);
  const intervalMs = 1000 / perSecond;
  const first = Math.max(tat ?? -Infinity, now - (burst - 1) * intervalMs);
  let granted = first > notAfter ? 0 : Math.min(count, Math.floor((notAfter - first) / intervalMs) + 1);
  // The division may round up across `notAfter`; the times themselves decide.
  while (granted > 0 && first + (granted - 1) * intervalMs > notAfter) granted -= 1;
  return {
    grant: { first, intervalMs, count: granted },
    tat: granted === 0 ? tat : first + granted * intervalMs,
  };
}

/** One holder's slots of a key: how many, and until when (epoch ms). */
export interface SlotLease {
  readonly holder: string;
  readonly count: number;
  readonly expiresAt: number;
}

/** What an acquisition grants, and which expired leases it takes back to make room. */
export interface SlotPlan {
  readonly granted: number;
  /** Other holders' leases that expired before `now`, taken back by this acquisition. */
  readonly reclaim: readonly SlotLease[];
  /** The acquiring holder's lease after it (its earlier slots plus `granted`). */
  readonly lease: SlotLease;
}

/**
 * The slot-lease rule, shared by every store: a lease that expired before `now` frees
 * its slots, except the acquiring holder's own (it is alive, so its slots are in use; a
 * new lease extends them). Grants min(`want`, `cap` − slots still leased), taking back
 * at most `maxReclaim` expired leases (oldest first; the rest still count as leased).
 * The holder's lease then runs until the later of its old end and `expiresAt`.
 */
export function planSlots(
  leases: readonly SlotLease[],
  holder: string,
  want: number,
  cap: number,
  expiresAt: number,
  now: number,
  maxReclaim = Infinity,
): SlotPlan {
  checkSlotRequest(want, cap);
  const own = leases.find((l) => l.holder === holder);
  const reclaim = leases
    .filter((l) => l.holder !== holder && l.expiresAt < now)
    .sort((a, b) => a.expiresAt - b.expiresAt)
    .slice(0, maxReclaim);
  const leased = leases.reduce((sum, l) => sum + l.count, 0) - reclaim.reduce((sum, l) => sum + l.count, 0);
  const granted = Math.max(0, Math.min(want, cap - leased));
  return {
    granted,
    reclaim,
    lease: { holder, count: (own?.count ?? 0) + granted, expiresAt: Math.max(own?.expiresAt ?? -Infinity, expiresAt) },
  };
}

/** Throws a RangeError unless `want` and `cap` are whole numbers of at least 0. */
export function checkSlotRequest(want: number, cap: number): void {
  wholeAtLeast('want', want, 0);
  wholeAtLeast('cap', cap, 0);
}

function wholeAtLeast(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be a whole number of at least ${min}, got ${value}`);
}
