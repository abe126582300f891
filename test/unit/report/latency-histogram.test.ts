import { LATENCY_BUCKETS_MS, LatencyHistogram } from '../../../src/report/latency-histogram';

describe('LatencyHistogram', () => {
  it('counts each sample in the display bucket whose range holds it', () => {
    const h = new LatencyHistogram();
    for (const ms of [0, 9.9, 10, 24, 30_000, 90_000]) h.add(ms);
    const s = h.summary();
    expect(s.buckets).toHaveLength(LATENCY_BUCKETS_MS.length + 1);
    expect(s.buckets[0]).toEqual({ fromMs: 0, toMs: 10, count: 2 });
    expect(s.buckets[1]).toEqual({ fromMs: 10, toMs: 25, count: 2 });
    expect(s.buckets.at(-1)).toEqual({ fromMs: 30_000, toMs: null, count: 2 });
    expect(s.count).toBe(6);
    expect(s.max).toBe(90_000);
  });

  it('gives percentiles within 5% of the exact value', () => {
    const h = new LatencyHistogram();
    const samples = Array.from({ length: 10_000 }, (_, i) => 1 + ((i * 7919) % 10_000) / 3);
    for (const ms of samples) h.add(ms);
    const sorted = [...samples].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1] as number;
      const estimate = h.quantile(q) as number;
      expect(estimate).toBeGreaterThanOrEqual(exact * 0.999);
      expect(estimate).toBeLessThanOrEqual(exact * 1.05);
    }
  });

  it('has no percentiles without samples and ignores values that are not latencies', () => {
    const h = new LatencyHistogram();
    h.add(Number.NaN);
    h.add(-1);
    expect(h.summary()).toMatchObject({ count: 0, p50: null, p99: null, max: null });
  });
});
