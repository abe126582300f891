import { DynamoFleetLimits } from '../../src/aws/dynamo-fleet-limits';
import type { FleetLimitStore, StartGrant } from '../../src/jobs/fleet/fleet-limits';
import { MemoryFleetLimits } from '../unit/jobs/fleet/memory-fleet-limits';
import { destroyClients, emulatorClients, suiteJobTable, uniqueName } from './helpers';
import { LostResponses, onSortKey } from './lost-responses';

/**
 * The fleet limit store's contract, run over both stores: the DynamoDB one on the
 * emulator and the in-memory fake the unit tests use. The rules are planStarts and
 * planSlots (src/jobs/fleet/fleet-limits.ts); this suite holds both stores to them, and the
 * concurrent cases hold the DynamoDB store's conditional writes to the guarantees.
 */
const { clients, table } = suiteJobTable('limits');

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
const FAR = T0 + 3_600_000;
const times = (g: StartGrant): number[] => Array.from({ length: g.count }, (_, i) => g.first + i * g.intervalMs);
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

describe.each([
  ['the in-memory fake', (): FleetLimitStore => new MemoryFleetLimits()],
  ['DynamoDB (dynalite)', (): FleetLimitStore => new DynamoFleetLimits(clients.dynamodb, table)],
])('FleetLimitStore over %s', (_name, makeStore) => {
  let store: FleetLimitStore;
  let key: string;

  beforeEach(() => {
    store = makeStore();
    key = uniqueName('job#host');
  });

  describe('reserveStarts', () => {
    it('grants a burst at once, then spaces starts 1/rate apart, and refills the burst when idle', async () => {
      expect(await store.reserveStarts(key, 10, 3, 5, T0, FAR)).toEqual({ first: T0 - 200, intervalMs: 100, count: 5 });
      expect(await store.reserveStarts(key, 10, 3, 2, T0, FAR)).toEqual({ first: T0 + 300, intervalMs: 100, count: 2 });
      expect(await store.reserveStarts(key, 10, 3, 1, T0 + 10_000, FAR)).toEqual({ first: T0 + 9_800, intervalMs: 100, count: 1 });
    });

    it('cuts the grant at notAfter, and with nothing granted reserves nothing and says when it could start', async () => {
      expect(await store.reserveStarts(key, 10, 1, 5, T0, T0 + 250)).toEqual({ first: T0, intervalMs: 100, count: 3 });
      expect(await store.reserveStarts(key, 10, 1, 5, T0, T0 + 250)).toEqual({ first: T0 + 300, intervalMs: 100, count: 0 });
      expect(await store.reserveStarts(key, 10, 1, 0, T0, FAR)).toEqual({ first: T0 + 300, intervalMs: 100, count: 0 });
      expect(await store.reserveStarts(key, 10, 1, 1, T0, FAR)).toEqual({ first: T0 + 300, intervalMs: 100, count: 1 });
    });

    it('never lets concurrent reservers overlap: distinct starts, at most burst + rate in any second', async () => {
      const burst = 5;
      const rate = 50;
      const grants = await Promise.all(Array.from({ length: 20 }, () => store.reserveStarts(key, rate, burst, 5, T0, FAR)));
      const starts = grants.flatMap(times).sort((a, b) => a - b);
      expect(starts).toHaveLength(100);
      for (let i = 1; i < starts.length; i += 1) expect(starts[i]! - starts[i - 1]!).toBeCloseTo(1000 / rate, 6);
      // A start reserved before `now` goes at `now`: count what actually starts in each second.
      const actual = starts.map((s) => Math.max(s, T0));
      for (const from of actual) expect(actual.filter((t) => t >= from && t <= from + 1000).length).toBeLessThanOrEqual(burst + rate);
    });
  });

  describe('acquireSlots and releaseSlots', () => {
    const until = T0 + 60_000;

    it('grants up to the cap, counting a holder’s earlier slots as its own', async () => {
      expect(await store.acquireSlots(key, 'a', 3, 10, until, T0)).toBe(3);
      expect(await store.acquireSlots(key, 'a', 3, 10, until, T0)).toBe(3);
      expect(await store.acquireSlots(key, 'b', 10, 10, until, T0)).toBe(4);
      expect(await store.acquireSlots(key, 'c', 1, 10, until, T0)).toBe(0);
      expect(await store.acquireSlots(key, 'c', 0, 10, until, T0)).toBe(0);
    });

    it('never exceeds the cap under 20 concurrent acquirers', async () => {
      const got = await Promise.all(Array.from({ length: 20 }, (_, i) => store.acquireSlots(key, `h${i}`, 3, 10, until, T0)));
      expect(sum(got)).toBe(10);
      for (const n of got) expect(n).toBeLessThanOrEqual(3);
      expect(await store.acquireSlots(key, 'late', 1, 10, until, T0)).toBe(0);
    });

    it('never exceeds the cap when 20 concurrent acquirers share the last free slot', async () => {
      expect(await store.acquireSlots(key, 'first', 9, 10, until, T0)).toBe(9);
      const got = await Promise.all(Array.from({ length: 20 }, (_, i) => store.acquireSlots(key, `h${i}`, 3, 10, until, T0)));
      expect(sum(got)).toBe(1);
    });

    it('takes back leases that expired before now, and not a moment earlier', async () => {
      expect(await store.acquireSlots(key, 'dead', 10, 10, T0 + 1_000, T0)).toBe(10);
      expect(await store.acquireSlots(key, 'b', 4, 10, until, T0 + 1_000)).toBe(0);
      expect(await store.acquireSlots(key, 'b', 4, 10, until, T0 + 1_001)).toBe(4);
      expect(await store.acquireSlots(key, 'c', 10, 10, until, T0 + 1_001)).toBe(6);
      expect(await store.acquireSlots(key, 'd', 1, 10, until, T0 + 1_001)).toBe(0);
    });

    it('never exceeds the cap when 20 concurrent acquirers take back expired leases', async () => {
      for (let i = 0; i < 10; i += 1) expect(await store.acquireSlots(key, `dead${i}`, 1, 10, T0 + 100, T0)).toBe(1);
      const got = await Promise.all(Array.from({ length: 20 }, (_, i) => store.acquireSlots(key, `h${i}`, 2, 10, until, T0 + 200)));
      expect(sum(got)).toBe(10);
      expect(await store.acquireSlots(key, 'late', 1, 10, until, T0 + 200)).toBe(0);
    });

    it('keeps a holder’s lease until the latest end it asked for', async () => {
      expect(await store.acquireSlots(key, 'a', 2, 10, T0 + 1_000, T0)).toBe(2);
      expect(await store.acquireSlots(key, 'a', 1, 10, T0 + 500, T0)).toBe(1);
      expect(await store.acquireSlots(key, 'b', 10, 10, until, T0 + 700)).toBe(7);
    });

    it('frees a holder’s slots on release', async () => {
      expect(await store.acquireSlots(key, 'a', 10, 10, until, T0)).toBe(10);
      await store.releaseSlots(key, 'a');
      expect(await store.acquireSlots(key, 'b', 10, 10, until, T0)).toBe(10);
    });

    it('leaves other holders’ slots alone on release, even one whose name starts with the holder’s', async () => {
      expect(await store.acquireSlots(key, 'h', 3, 10, until, T0)).toBe(3);
      expect(await store.acquireSlots(key, 'h#2', 4, 10, until, T0)).toBe(4);
      await store.releaseSlots(key, 'h');
      await store.releaseSlots(key, 'h');
      await store.releaseSlots(key, 'never');
      expect(await store.acquireSlots(key, 'c', 10, 10, until, T0)).toBe(6);
      await store.releaseSlots(key, 'h#2');
      expect(await store.acquireSlots(key, 'd', 10, 10, until, T0)).toBe(4);
    });
  });
});

describe('DynamoFleetLimits when a write committed, lost its response and the SDK sent it again', () => {
  const own = emulatorClients();
  const lost = new LostResponses(own.dynamodb);
  const store = new DynamoFleetLimits(own.dynamodb, table);
  afterAll(() => destroyClients(own));

  it('keeps the reservation it made instead of reserving again after it', async () => {
    const key = uniqueName('job#host');
    lost.next('UpdateItemCommand', onSortKey('RATE'));
    expect(await store.reserveStarts(key, 10, 3, 5, T0, FAR)).toEqual({ first: T0 - 200, intervalMs: 100, count: 5 });
    expect(lost.fired).toHaveLength(1);
    expect(await store.reserveStarts(key, 10, 3, 2, T0, FAR)).toEqual({ first: T0 + 300, intervalMs: 100, count: 2 });
  });

  it('leases its slots once, on the quick path and after a read', async () => {
    const key = uniqueName('job#host');
    lost.next('UpdateItemCommand', onSortKey('SLOTS'));
    expect(await store.acquireSlots(key, 'a', 4, 10, T0 + 60_000, T0)).toBe(4);
    // No room for the quick path: this one reads the item and rewrites it.
    lost.next('UpdateItemCommand', onSortKey('SLOTS'));
    expect(await store.acquireSlots(key, 'b', 10, 10, T0 + 60_000, T0)).toBe(6);
    expect(lost.fired).toHaveLength(3);
    await store.releaseSlots(key, 'a');
    expect(await store.acquireSlots(key, 'c', 10, 10, T0 + 60_000, T0)).toBe(4);
  });
});

describe('DynamoFleetLimits capacity', () => {
  it('costs one read and one write per reservation, one write per acquire and per release', async () => {
    const units = { read: 0, write: 0 };
    const store = new DynamoFleetLimits(clients.dynamodb, table, { onCapacity: (n, _key, kind) => (units[kind] += n) });
    const key = uniqueName('job#host');
    await store.reserveStarts(key, 50, 5, 50, T0, FAR);
    expect(units).toEqual({ read: 1, write: 1 });
    await store.acquireSlots(key, 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff', 8, 100, T0 + 900_000, T0);
    await store.releaseSlots(key, 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff');
    expect(units).toEqual({ read: 1, write: 3 });
  });
});
