import { SocketBudget, type BudgetMember } from '../../../../src/fetch/pool/socket-budget';

/** A pool stand-in: records grants and evictions; `wants` says whether a grant is still needed. */
function member(host: string, wants = true) {
  const log: string[] = [];
  const m: BudgetMember<string> & { log: string[]; wants: boolean } = {
    host,
    log,
    wants,
    granted: () => {
      log.push('granted');
      return m.wants;
    },
    evict: (connection) => log.push(`evict ${connection}`),
  };
  return m;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SocketBudget', () => {
  it('lets pools open sockets up to the limit, then makes the next wait for one to close', () => {
    const budget = new SocketBudget<string>(2, () => false);
    const a = member('a');
    expect(budget.acquire(a)).toBe(true);
    expect(budget.acquire(a)).toBe(true);
    const b = member('b');
    expect(budget.acquire(b)).toBe(false);
    budget.release();
    expect(b.log).toEqual(['granted']);
    expect(budget.open).toBe(2);
  });

  it('passes a place on when the waiting pool no longer needs it', () => {
    const budget = new SocketBudget<string>(1, () => false);
    expect(budget.acquire(member('a'))).toBe(true);
    const b = member('b', false);
    const c = member('c');
    budget.acquire(b);
    budget.acquire(c);
    budget.release();
    expect([b.log, c.log]).toEqual([['granted'], ['granted']]);
    expect(budget.open).toBe(1);
  });

  it('closes the oldest idle socket of a host with nothing queued for a waiting pool, a loop turn later', async () => {
    const queued = new Set(['a']);
    const budget = new SocketBudget<string>(3, (host) => queued.has(host));
    const a = member('a');
    const b = member('b');
    for (const m of [a, b, b]) budget.acquire(m);
    budget.idle('a1', a);
    budget.idle('b1', b);
    budget.idle('b2', b);
    expect(budget.acquire(member('c'))).toBe(false);
    expect(b.log).toEqual([]);
    await nextTurn();
    expect([a.log, b.log]).toEqual([[], ['evict b1']]);
  });

  it('takes the oldest idle socket whatever its host when no other turns up', async () => {
    const budget = new SocketBudget<string>(1, () => true);
    const a = member('a');
    budget.acquire(a);
    budget.idle('a1', a);
    budget.acquire(member('c'));
    await nextTurn();
    expect(a.log).toEqual([]);
    await nextTurn();
    expect(a.log).toEqual(['evict a1']);
  });

  it('shrinks to what is open when the process runs out of file descriptors', () => {
    const budget = new SocketBudget<string>(100, () => false);
    for (let i = 0; i < 10; i++) budget.acquire(member('a'));
    budget.shrink();
    expect(budget.limit).toBe(9);
  });
});
