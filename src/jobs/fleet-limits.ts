/**
 * Limits that hold for a whole job across every consumer (issue 8): a job's `hostRate`
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
  /** Epoch ms at which the first granted request may start. */
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
