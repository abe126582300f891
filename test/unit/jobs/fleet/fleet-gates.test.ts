import { resolveEngineConfig } from '../../../../src/config/engine-config';
import { FleetGates } from '../../../../src/jobs/fleet/fleet-gates';
import type { FleetLimitStore } from '../../../../src/jobs/fleet/fleet-limits';
import { MemoryFleetLimits } from './memory-fleet-limits';

/** The memory store, counting the calls made to it. */
function countingStore(): { store: FleetLimitStore; calls: string[] } {
  const inner = new MemoryFleetLimits();
  const calls: string[] = [];
  const store: FleetLimitStore = {
    reserveStarts: (key, ...rest) => (calls.push(`reserve ${key}`), inner.reserveStarts(key, ...rest)),
    acquireSlots: (key, ...rest) => (calls.push(`acquire ${key}`), inner.acquireSlots(key, ...rest)),
    releaseSlots: (key, holder) => (calls.push(`release ${key}`), inner.releaseSlots(key, holder)),
  };
  return { store, calls };
}

const config = resolveEngineConfig({ perHost: 2, hostRate: '10/s' });
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('FleetGates', () => {
  it('leases a shared host’s slots from the store, one at a time, and gives them back on settle', async () => {
    const { store, calls } = countingStore();
    const fleet = new FleetGates({ store, jobId: 'j', deadline: Date.now() + 60_000, leaseUntil: Date.now() + 61_000 });
    fleet.admit({ urls: [{ url: 'http://a.test/1', line: 1 }], sharedHosts: ['a.test'] });
    const gate = fleet.factories.host('a.test', config);
    expect(gate.block(Date.now())).toBe('time');
    await flush();
    expect(calls).toEqual(['acquire j#a.test']);
    // One slot held; the reserved start comes next.
    expect(gate.block(Date.now())).toBe('time');
    await flush();
    expect(calls).toEqual(['acquire j#a.test', 'reserve j#a.test']);
    expect(gate.block(Date.now())).toBeNull();
    gate.take(Date.now());
    expect(gate.block(Date.now())).toBe('capacity');
    await flush();
    expect(calls.filter((c) => c.startsWith('acquire'))).toHaveLength(2);
    await fleet.settle();
    expect(calls.at(-1)).toBe('release j#a.test');
  });

  it('keeps a host the chunk vouches is its own (not in sharedHosts) off the store', async () => {
    const { store, calls } = countingStore();
    const fleet = new FleetGates({ store, jobId: 'j', deadline: Date.now() + 60_000, leaseUntil: Date.now() + 61_000 });
    fleet.admit({
      urls: [
        { url: 'http://a.test/1', line: 1 },
        { url: 'http://b.test/1', line: 2 },
      ],
      sharedHosts: ['a.test'],
    });
    const solo = fleet.factories.host('b.test', config);
    expect(solo.block(Date.now())).toBeNull();
    await flush();
    expect(calls).toEqual([]);
    await fleet.settle();
    expect(calls).toEqual([]);
  });

  it('treats every host of a chunk without sharedHosts (a manifest’s) as shared', async () => {
    const { store, calls } = countingStore();
    const fleet = new FleetGates({ store, jobId: 'j', deadline: Date.now() + 60_000, leaseUntil: Date.now() + 61_000 });
    fleet.admit({ urls: [{ url: 'http://b.test/1', line: 1 }] });
    expect(fleet.factories.host('b.test', config).block(Date.now())).toBe('time');
    await flush();
    expect(calls).toEqual(['acquire j#b.test']);
  });

  it('backs off while the fleet has no slot to spare, so a busy host is handed back before the deadline', async () => {
    const { store, calls } = countingStore();
    const now = Date.now();
    await store.acquireSlots('j#a.test', 'elsewhere', 2, 2, now + 600_000, now);
    const fleet = new FleetGates({ store, jobId: 'j', deadline: now + 60_000, leaseUntil: now + 61_000 });
    const gate = fleet.factories.host('a.test', config);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const at = Date.now();
      gate.block(at + (waits.at(-1) ?? 0));
      await flush();
      waits.push(gate.readyAt(Date.now()) - Date.now());
    }
    expect(calls.filter((c) => c.startsWith('acquire'))).toHaveLength(1 + 4);
    // 1 s, 2 s, 4 s, 8 s (give or take the milliseconds the test took).
    expect(waits.map((w) => Math.round(w / 1000))).toEqual([1, 2, 4, 8]);
  });

  it('loses reserved starts it is too late for, rather than spending them in another consumer’s time', async () => {
    const { store } = countingStore();
    const t0 = Date.now();
    const fleet = new FleetGates({ store, jobId: 'j', deadline: t0 + 1000, leaseUntil: t0 + 2000 });
    const gate = fleet.factories.host('a.test', resolveEngineConfig({ perHost: 5, hostRate: '10/s' }));
    gate.block(t0);
    await flush();
    gate.block(t0);
    await flush();
    // Ten starts reserved for [t0, t0 + 1 s); this consumer gets going only at t0 + 550 ms.
    const starts: number[] = [];
    for (let t = t0 + 550; t <= t0 + 1500; t += 5) {
      if (gate.block(t) !== null || gate.readyAt(t) > t) {
        await flush();
        continue;
      }
      gate.take(t);
      starts.push(t - t0);
      gate.release();
    }
    // The reserved times of 500–900 ms, each used within an interval of it; the five before
    // are lost, not spent after 1 s, where the store grants the next times to whoever asks
    // (here this gate again: 1000 ms, the last before the deadline, used at 1050).
    expect(starts).toEqual([550, 650, 750, 850, 950, 1050]);
  });

  it('hands back with the store’s time when no start fits before the deadline', async () => {
    const { store } = countingStore();
    const now = Date.now();
    // Another consumer reserved the next 10 s of starts.
    await store.reserveStarts('j#a.test', 0.1, 1, 1, now, Number.POSITIVE_INFINITY);
    const fleet = new FleetGates({ store, jobId: 'j', deadline: now + 2000, leaseUntil: now + 3000 });
    const gate = fleet.factories.host('a.test', config);
    gate.block(now);
    await flush();
    gate.block(now);
    await flush();
    expect(gate.readyAt(Date.now())).toBeGreaterThan(now + 9000);
  });

  describe('slots back when the host is unused', () => {
    /** A store whose calls wait until the test answers them, in the order made. */
    function heldStore(): { store: FleetLimitStore; calls: string[]; answer: () => Promise<void> } {
      const inner = new MemoryFleetLimits();
      const calls: string[] = [];
      const waiting: (() => void)[] = [];
      const later = <T>(call: string, run: () => Promise<T>): Promise<T> => {
        calls.push(call);
        return new Promise<void>((resolve) => waiting.push(resolve)).then(run);
      };
      const store: FleetLimitStore = {
        reserveStarts: (...args) => inner.reserveStarts(...args),
        acquireSlots: (key, holder, ...rest) =>
          later(`acquire ${holder === 'other' ? 'other' : 'mine'}`, () => inner.acquireSlots(key, holder, ...rest)),
        releaseSlots: (key, holder) => later('release', () => inner.releaseSlots(key, holder)),
      };
      const answer = async (): Promise<void> => {
        waiting.shift()?.();
        await flush();
      };
      return { store, calls, answer };
    }

    const unlimited = resolveEngineConfig({ perHost: 2 });

    it('gives the slots back as soon as its group no longer uses the gate, and leases anew when used again', async () => {
      const { store, calls, answer } = heldStore();
      const fleet = new FleetGates({ store, jobId: 'j', deadline: Date.now() + 60_000, leaseUntil: Date.now() + 61_000 });
      const gate = fleet.factories.host('a.test', unlimited);
      gate.block(Date.now());
      await answer();
      expect(gate.block(Date.now())).toBeNull();
      gate.unused();
      expect(calls).toEqual(['acquire mine', 'release']);
      // Used again while the release is on its way: no lease until it has landed (it would take the new lease too).
      expect(gate.block(Date.now())).toBe('time');
      expect(gate.readyAt(Date.now())).toBe(Number.POSITIVE_INFINITY);
      expect(calls).toEqual(['acquire mine', 'release']);
      await answer();
      expect(gate.block(Date.now())).toBe('time');
      expect(calls).toEqual(['acquire mine', 'release', 'acquire mine']);
      await answer();
      expect(gate.block(Date.now())).toBeNull();
      const settled = fleet.settle();
      await answer();
      await settled;
      expect(calls.at(-1)).toBe('release');
    });

    it('sends a lease answered after the gate went unused straight back', async () => {
      const { store, calls, answer } = heldStore();
      const fleet = new FleetGates({ store, jobId: 'j', deadline: Date.now() + 60_000, leaseUntil: Date.now() + 61_000 });
      const gate = fleet.factories.host('a.test', unlimited);
      gate.block(Date.now());
      gate.unused();
      expect(calls).toEqual(['acquire mine']);
      await answer();
      expect(calls).toEqual(['acquire mine', 'release']);
      await answer();
      // Every slot is free for another consumer.
      const other = store.acquireSlots('j#a.test', 'other', 2, 2, Date.now() + 60_000, Date.now());
      await answer();
      expect(await other).toBe(2);
    });
  });
});
