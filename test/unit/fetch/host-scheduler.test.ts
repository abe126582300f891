import { HostScheduler } from '../../../src/fetch/host-scheduler';

describe('HostScheduler', () => {
  function harness(limit: number, perHost: number) {
    const running: { task: number; host: string }[] = [];
    const perHostNow = new Map<string, number>();
    let maxActive = 0;
    let maxPerHost = 0;
    const scheduler = new HostScheduler<number>(limit, perHost, (task, host) => {
      running.push({ task, host });
      const n = (perHostNow.get(host) ?? 0) + 1;
      perHostNow.set(host, n);
      maxPerHost = Math.max(maxPerHost, n);
      maxActive = Math.max(maxActive, scheduler.active);
    });
    const finish = (): void => {
      const next = running.shift();
      if (next === undefined) throw new Error('nothing running');
      perHostNow.set(next.host, (perHostNow.get(next.host) ?? 1) - 1);
      scheduler.release(next.host);
    };
    return { scheduler, running, finish, stats: () => ({ maxActive, maxPerHost }) };
  }

  it('never runs more than the limit, nor more than perHost for one host', () => {
    const { scheduler, finish, running, stats } = harness(5, 2);
    for (let i = 0; i < 100; i++) scheduler.push(i, `h${i % 4}`);
    while (running.length > 0) finish();
    expect(stats()).toEqual({ maxActive: 5, maxPerHost: 2 });
    expect(scheduler.active).toBe(0);
    expect(scheduler.queued).toBe(0);
  });

  it('gives a freed slot to another host instead of waiting behind a busy one', () => {
    const { scheduler, running } = harness(4, 1);
    for (let i = 0; i < 10; i++) scheduler.push(i, 'busy');
    scheduler.push(100, 'other');
    expect(running.map((r) => r.host)).toEqual(['busy', 'other']);
  });

  it('runs a task pushed first ahead of the host’s other waiting tasks', () => {
    const { scheduler, running, finish } = harness(1, 1);
    scheduler.push(1, 'h');
    scheduler.push(2, 'h');
    scheduler.push(3, 'h', true);
    finish();
    expect(running[0]?.task).toBe(3);
  });

  it('hands back every waiting task on drain and keeps running ones counted', () => {
    const { scheduler } = harness(2, 2);
    for (let i = 0; i < 6; i++) scheduler.push(i, 'h');
    expect(scheduler.drain().sort()).toEqual([2, 3, 4, 5]);
    expect(scheduler.active).toBe(2);
    expect(scheduler.queued).toBe(0);
  });

  it('throws when a slot is released that was never taken', () => {
    const { scheduler } = harness(2, 2);
    expect(() => scheduler.release('nobody')).toThrow(/without a running task/);
  });
});
