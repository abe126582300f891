import { planSlots, planStarts } from '../../../../src/jobs/fleet/fleet-limits';

const T0 = 1_000_000;

describe('planStarts', () => {
  it('keeps every granted start at or before notAfter at a fractional rate', () => {
    const { grant, tat } = planStarts(undefined, 3, 1, 10, T0, T0 + 1000);
    expect(grant.count).toBe(4);
    expect(grant.first + (grant.count - 1) * grant.intervalMs).toBeLessThanOrEqual(T0 + 1000);
    expect(tat).toBeCloseTo(T0 + 4000 / 3, 6);
  });

  it('leaves the arrival time alone when it grants nothing', () => {
    expect(planStarts(T0 + 500, 10, 1, 3, T0, T0 + 400)).toEqual({ grant: { first: T0 + 500, intervalMs: 100, count: 0 }, tat: T0 + 500 });
  });

  it('names the argument it refuses', () => {
    expect(() => planStarts(undefined, 0, 1, 1, T0, T0)).toThrow('perSecond must be a positive number, got 0');
    expect(() => planStarts(undefined, 1, 0, 1, T0, T0)).toThrow('burst must be a whole number of at least 1, got 0');
    expect(() => planStarts(undefined, 1, 1, 1.5, T0, T0)).toThrow('count must be a whole number of at least 0, got 1.5');
  });
});

describe('planSlots', () => {
  const lease = (holder: string, count: number, expiresAt: number) => ({ holder, count, expiresAt });

  it('takes back at most maxReclaim expired leases, oldest first, and counts the rest as leased', () => {
    const leases = [lease('a', 2, T0 - 10), lease('b', 3, T0 - 30), lease('c', 4, T0 - 20), lease('d', 1, T0 + 10)];
    const plan = planSlots(leases, 'e', 10, 10, T0 + 100, T0, 2);
    expect(plan.reclaim.map((l) => l.holder)).toEqual(['b', 'c']);
    expect(plan.granted).toBe(7);
  });

  it('never takes back the acquiring holder’s own expired lease', () => {
    const plan = planSlots([lease('a', 4, T0 - 1)], 'a', 10, 10, T0 + 100, T0);
    expect(plan).toEqual({ granted: 6, reclaim: [], lease: lease('a', 10, T0 + 100) });
  });

  it('names the argument it refuses', () => {
    expect(() => planSlots([], 'a', -1, 10, T0, T0)).toThrow('want must be a whole number of at least 0, got -1');
  });
});
