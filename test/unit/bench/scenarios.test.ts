import { hangPlan, hangsAt, idealElapsedMs, SCENARIOS, type Scenario } from '../../bench/scenarios';

function scenario(id: string): Scenario {
  const found = SCENARIOS.find((s) => s.id === id);
  if (found === undefined) throw new Error(`no scenario ${id}`);
  return found;
}

describe('the benchmark ideal', () => {
  it('is count / concurrency rounds of the latency without hangs', () => {
    expect(idealElapsedMs(scenario('A'), 20_000)).toBe(5000); // 100 rounds of 50 ms
    expect(idealElapsedMs(scenario('B'), 50_000)).toBe(5000); // 50 rounds of 100 ms
    // A last, partly filled round still takes a whole latency.
    expect(idealElapsedMs(scenario('A'), 20_001)).toBe(5050);
  });

  it('is N × latency / C for the many-hosts scenario, whose DNS is not part of the ideal', () => {
    expect(idealElapsedMs(scenario('G'), 20_000)).toBe(2000); // 20,000 × 20 ms / 200
  });

  it('has no ideal when the server adds no latency', () => {
    expect(idealElapsedMs(scenario('D'), 1000)).toBeNull();
  });

  it('keeps the last concurrency × timeout / latency URLs of a hang scenario free of hangs', () => {
    const c = scenario('C');
    const plan = hangPlan(c, 20_000);
    expect(plan.until).toBe(15_000); // 100 slots × 1,000 ms / 20 ms = 5,000 hang-free URLs
    expect(plan.tailFree).toBe(true);
    const hanging = Array.from({ length: 20_000 }, (_, i) => i).filter((i) => hangsAt(plan, i));
    expect(hanging).toHaveLength(plan.count);
    expect(hanging.at(-1)).toBeLessThan(15_000);
    expect(hanging.slice(0, 2)).toEqual([99, 199]);
  });

  it('lets a perfect client finish C when its slot time is spent, the last hang included', () => {
    const c = scenario('C');
    const plan = hangPlan(c, 20_000);
    const slotTimeMs = (20_000 - plan.count) * c.latencyMs + plan.count * c.timeoutMs;
    const ideal = idealElapsedMs(c, 20_000)!;
    // Never below the slot time spread over every slot, and within one round of it:
    // the hang-free tail is long enough for the last hang to end before the tail does.
    expect(ideal).toBeGreaterThanOrEqual(slotTimeMs / c.concurrency);
    expect(ideal).toBeLessThanOrEqual(slotTimeMs / c.concurrency + c.latencyMs);
  });

  it('counts a hang that outlives the rest of a short file', () => {
    const c = scenario('C');
    // 1,000 URLs: too short for a hang-free tail, so the first half has hangs and
    // the run cannot end before the last of them times out.
    const plan = hangPlan(c, 1000);
    expect(plan.tailFree).toBe(false);
    const lastHang = 499;
    expect(hangsAt(plan, lastHang)).toBe(true);
    expect(idealElapsedMs(c, 1000)!).toBeGreaterThanOrEqual(c.timeoutMs);
  });
});
