import { achievedRate, bucketCounts, maxPerWindow } from '../../support/rate-windows';

describe('maxPerWindow', () => {
  it('finds the busiest sliding window, wherever it opens', () => {
    // Fixed 1,000 ms buckets from 0 see 2 and 2; the window [900, 1900) holds 3.
    expect(maxPerWindow([0, 900, 1000, 1100], 1000)).toBe(3);
    expect(maxPerWindow([0, 900, 1000, 1899, 2500], 1000)).toBe(3);
  });

  it('treats windows as half-open: starts exactly windowMs apart never share one', () => {
    const steady = Array.from({ length: 50 }, (_, i) => i * 100); // 10/s
    expect(maxPerWindow(steady, 1000)).toBe(10);
    expect(maxPerWindow(steady, 100)).toBe(1);
    expect(maxPerWindow(steady, 100.001)).toBe(2);
  });

  it('counts a burst and gives 0 for no starts', () => {
    expect(maxPerWindow([5, 5, 5, 5, 400], 1)).toBe(4);
    expect(maxPerWindow([], 1000)).toBe(0);
  });
});

describe('bucketCounts', () => {
  it('counts starts per fixed bucket from the first start, empty buckets included', () => {
    expect(bucketCounts([10, 20, 109.9, 110, 350])).toEqual([3, 1, 0, 1]);
    expect(bucketCounts([0, 999, 1000], 1000)).toEqual([2, 1]);
    expect(bucketCounts([])).toEqual([]);
  });
});

describe('achievedRate', () => {
  it('is (n - 1) gaps over the span, per second', () => {
    expect(achievedRate(Array.from({ length: 11 }, (_, i) => i * 100))).toBeCloseTo(10);
    expect(achievedRate([0, 250])).toBeCloseTo(4);
  });

  it('skips an opening burst on request', () => {
    const burstThenSteady = [0, 0, 0, 0, 0, 200, 400, 600, 800];
    expect(achievedRate(burstThenSteady)).toBeCloseTo(10);
    expect(achievedRate(burstThenSteady, 4)).toBeCloseTo(5);
  });

  it('is null with fewer than two starts or no span', () => {
    expect(achievedRate([])).toBeNull();
    expect(achievedRate([7])).toBeNull();
    expect(achievedRate([7, 7])).toBeNull();
    expect(achievedRate([0, 100], 1)).toBeNull();
  });
});
