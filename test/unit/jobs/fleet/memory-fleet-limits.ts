import {
  checkSlotRequest,
  planSlots,
  planStarts,
  type FleetLimitStore,
  type SlotLease,
  type StartGrant,
} from '../../../../src/jobs/fleet/fleet-limits';

/**
 * The fleet limit store in memory, under the same rules as the DynamoDB one (planStarts
 * and planSlots): each call reads and writes its key's state without yielding, so it is
 * atomic as one conditional write is.
 */
export class MemoryFleetLimits implements FleetLimitStore {
  readonly #tats = new Map<string, number>();
  readonly #leases = new Map<string, Map<string, SlotLease>>();

  async reserveStarts(key: string, perSecond: number, burst: number, count: number, now: number, notAfter: number): Promise<StartGrant> {
    const plan = planStarts(this.#tats.get(key), perSecond, burst, count, now, notAfter);
    if (plan.tat !== undefined) this.#tats.set(key, plan.tat);
    return plan.grant;
  }

  async acquireSlots(key: string, holder: string, want: number, cap: number, expiresAt: number, now: number): Promise<number> {
    checkSlotRequest(want, cap);
    if (Math.min(want, cap) === 0) return 0;
    const leases = this.#leases.get(key) ?? new Map<string, SlotLease>();
    this.#leases.set(key, leases);
    const plan = planSlots([...leases.values()], holder, want, cap, expiresAt, now);
    if (plan.granted === 0) return 0;
    for (const lease of plan.reclaim) leases.delete(lease.holder);
    leases.set(holder, plan.lease);
    return plan.granted;
  }

  async releaseSlots(key: string, holder: string): Promise<void> {
    this.#leases.get(key)?.delete(holder);
  }
}
