import { FETCH_ERROR_CODES, FetchError } from '../../../../src/errors';
import { Gate } from '../../../../src/fetch/schedule/gate';
import { HostScheduler, type Lane, type LaneOwner } from '../../../../src/fetch/schedule/host-scheduler';
import { TokenBucket } from '../../../../src/fetch/schedule/token-bucket';

interface Started {
  task: number;
  lane: Lane<number>;
  at: number;
}

function harness(limit: number, deadlineAt = Number.POSITIVE_INFINITY) {
  const scheduler = new HostScheduler<number>(limit);
  const running: Started[] = [];
  const started: Started[] = [];
  const refused: { task: number; error: FetchError | null; notBefore: number }[] = [];
  const vetoed = new Set<number>();
  const owner: LaneOwner<number> = {
    deadlineAt,
    start(task, lane) {
      const s = { task, lane, at: Date.now() };
      running.push(s);
      started.push(s);
    },
    refuse(task, error, notBefore) {
      refused.push({ task, error, notBefore });
    },
    veto(task) {
      return vetoed.has(task) ? new FetchError(FETCH_ERROR_CODES.ROBOTS_DISALLOWED, 'no') : null;
    },
  };
  const finish = (task?: number): void => {
    const i = task === undefined ? 0 : running.findIndex((r) => r.task === task);
    const [next] = running.splice(i, 1);
    if (next === undefined) throw new Error('nothing running');
    scheduler.release(next.lane);
  };
  return { scheduler, owner, running, started, refused, vetoed, finish };
}

describe('HostScheduler', () => {
  afterEach(() => jest.useRealTimers());

  it('never runs more than the limit, nor more than a host gate lets through', () => {
    const { scheduler, owner, running, finish } = harness(5);
    const runGate = new Gate(100, null);
    const hosts = [0, 1, 2, 3].map(() => new Gate(2, null));
    const lanes = hosts.map((g) => scheduler.lane(owner, [runGate, g]));
    let maxActive = 0;
    let maxPerHost = 0;
    for (let i = 0; i < 100; i++) scheduler.push(lanes[i % 4] as Lane<number>, i);
    while (running.length > 0) {
      maxActive = Math.max(maxActive, scheduler.active);
      maxPerHost = Math.max(maxPerHost, ...hosts.map((g) => g.active));
      finish();
    }
    expect({ maxActive, maxPerHost }).toEqual({ maxActive: 5, maxPerHost: 2 });
    expect(scheduler.active).toBe(0);
    expect(scheduler.queued).toBe(0);
  });

  it('gives a freed slot to another host instead of waiting behind a busy one', () => {
    const { scheduler, owner, running } = harness(4);
    const busy = scheduler.lane(owner, [new Gate(1, null)]);
    const other = scheduler.lane(owner, [new Gate(1, null)]);
    for (let i = 0; i < 10; i++) scheduler.push(busy, i);
    scheduler.push(other, 100);
    expect(running.map((r) => r.task)).toEqual([0, 100]);
  });

  it('runs a task pushed first ahead of the lane’s other waiting tasks', () => {
    const { scheduler, owner, running, finish } = harness(1);
    const lane = scheduler.lane(owner, [new Gate(1, null)]);
    scheduler.push(lane, 1);
    scheduler.push(lane, 2);
    scheduler.push(lane, 3, true);
    finish();
    expect(running[0]?.task).toBe(3);
  });

  it('starts a host’s tasks no faster than its token bucket, holding no slot while they wait', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { scheduler, owner, started, finish } = harness(20);
    const slow = scheduler.lane(owner, [new Gate(10, new TokenBucket(10, 1))]);
    const fast = scheduler.lane(owner, [new Gate(10, null)]);
    for (let i = 0; i < 5; i++) scheduler.push(slow, i);
    expect(started.map((s) => s.task)).toEqual([0]);
    expect(slow.waitingForTime).toBe(true);
    finish(0);
    // The waiting tasks hold no slot: another host's task starts at once.
    for (let i = 10; i < 19; i++) scheduler.push(fast, i);
    expect(scheduler.active).toBe(9);
    jest.advanceTimersByTime(1000);
    const slowStarts = started.filter((s) => s.task < 10).map((s) => s.at - 1_000_000);
    expect(slowStarts).toEqual([0, 100, 200, 300, 400]);
  });

  it('lets a burst through at once, then paces', () => {
    jest.useFakeTimers({ now: 0 });
    const { scheduler, owner, started, finish } = harness(100);
    const lane = scheduler.lane(owner, [new Gate(100, new TokenBucket(2, 3))]);
    for (let i = 0; i < 5; i++) scheduler.push(lane, i);
    expect(started.length).toBe(3);
    for (let i = 0; i < 3; i++) finish();
    jest.advanceTimersByTime(1000);
    expect(started.map((s) => s.at)).toEqual([0, 0, 0, 500, 1000]);
  });

  it('holds a paused gate until the pause is over', () => {
    jest.useFakeTimers({ now: 0 });
    const { scheduler, owner, started } = harness(10);
    const gate = new Gate(10, null);
    gate.pausedUntil = 2500;
    const lane = scheduler.lane(owner, [gate]);
    scheduler.push(lane, 1);
    jest.advanceTimersByTime(2499);
    expect(started).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(started.map((s) => s.at)).toEqual([2500]);
  });

  it('refuses every waiting task of a gate that closes, with its reason', () => {
    const { scheduler, owner, refused, running } = harness(10);
    const gate = new Gate(1, null);
    const lane = scheduler.lane(owner, [gate]);
    for (let i = 0; i < 4; i++) scheduler.push(lane, i);
    expect(running.length).toBe(1);
    gate.close(new FetchError(FETCH_ERROR_CODES.HOST_UNAVAILABLE, 'down'));
    expect(refused.map((r) => [r.task, r.error?.code])).toEqual([
      [1, 'HOST_UNAVAILABLE'],
      [2, 'HOST_UNAVAILABLE'],
      [3, 'HOST_UNAVAILABLE'],
    ]);
    scheduler.push(lane, 9);
    expect(refused.at(-1)?.task).toBe(9);
    expect(scheduler.queued).toBe(0);
  });

  it('hands tasks back at once when their gate cannot open before the deadline, saying when it could', () => {
    jest.useFakeTimers({ now: 0 });
    const { scheduler, owner, refused, started } = harness(10, 1500);
    const gate = new Gate(10, new TokenBucket(1, 1));
    const lane = scheduler.lane(owner, [gate]);
    for (let i = 0; i < 4; i++) scheduler.push(lane, i);
    jest.advanceTimersByTime(1000);
    expect(started.map((s) => s.task)).toEqual([0, 1]);
    expect(refused.map((r) => [r.task, r.error, r.notBefore])).toEqual([
      [2, null, 2000],
      [3, null, 2000],
    ]);
  });

  it('refuses a vetoed task without spending a slot or a token', () => {
    const { scheduler, owner, refused, started, vetoed } = harness(10);
    const gate = new Gate(10, new TokenBucket(1, 1));
    const lane = scheduler.lane(owner, [gate]);
    vetoed.add(1);
    scheduler.push(lane, 1);
    scheduler.push(lane, 2);
    expect(refused.map((r) => r.error?.code)).toEqual(['ROBOTS_DISALLOWED']);
    expect(started.map((s) => s.task)).toEqual([2]);
  });

  it('hands back a closed lane’s waiting tasks and keeps running ones counted', () => {
    const { scheduler, owner } = harness(2);
    const lane = scheduler.lane(owner, [new Gate(2, null)]);
    for (let i = 0; i < 6; i++) scheduler.push(lane, i);
    expect(scheduler.close(lane).sort()).toEqual([2, 3, 4, 5]);
    expect(scheduler.active).toBe(2);
    expect(scheduler.queued).toBe(0);
  });

  it('throws when a slot is released that was never taken', () => {
    const { scheduler, owner } = harness(2);
    expect(() => scheduler.release(scheduler.lane(owner, [new Gate(1, null)]))).toThrow(/without a running task/);
  });
});
